/**
 * The version on everything ops compare during a gradual deployment
 * (docs/ops.md, "Gradual deployments"): /healthz, every log line, every
 * Analytics Engine point (blob10), and GET /admin/v1/metrics split by it
 * (`byVersion`). The runtime here gives the Worker a version id
 * (CF_VERSION_METADATA), so the label is the release and its first
 * characters, as in production.
 */
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { admin } from '../admin/admin-support';
import { callGate, newAccount, setRule } from '../support/gate';
import { deviceToken } from '../support/tokens';
import { HEARTH_VERSION, runningVersion, versionLabel } from '../../src/version';

const HOME_IP = '203.0.113.57';
const AWAY_IP = '198.51.100.57';

afterEach(() => vi.restoreAllMocks());

describe('the version', () => {
  it('is on /healthz: the label of the Worker version, the release, and the metadata it came from', async () => {
    const response = await callGate({ path: '/healthz', ip: null });
    const body = (await response.json()) as Record<string, unknown>;
    const metadata = (env as { CF_VERSION_METADATA?: { id: string; tag: string; timestamp: string } }).CF_VERSION_METADATA;
    expect(body).toMatchObject({ ok: true, release: HEARTH_VERSION, version: versionLabel(metadata) });
    expect(body.version).toBe(runningVersion());
    expect(body.workerVersion).toEqual(metadata?.id ? { id: metadata.id, tag: metadata.tag, timestamp: metadata.timestamp } : null);
    expect(HEARTH_VERSION).toBe('1.4.0');
  });

  it('is on every log line and Analytics Engine point of a decision', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void lines.push(String(line)));
    const points: AnalyticsEngineDataPoint[] = [];
    await setRule('VU', 'enforce');
    const account = newAccount('version');
    const environment = { DECISIONS: { writeDataPoint: (point?: AnalyticsEngineDataPoint) => void points.push(point!) }, DECISION_LOG_SAMPLE: '1' };
    await callGate({ token: await deviceToken({ account, device: 'tv', type: 'tv' }), ip: HOME_IP, country: 'VU', env: environment });
    await callGate({ token: await deviceToken({ account, device: 'phone' }), ip: AWAY_IP, country: 'VU', env: environment });
    const logged = lines.filter((line) => line.startsWith('{"event":')).map((line) => JSON.parse(line) as { event: string; version?: string });
    expect(logged.map((line) => line.event)).toContain('decision');
    expect(logged.filter((line) => line.version !== runningVersion())).toEqual([]);
    expect(points.length).toBe(2);
    for (const point of points) expect(point.blobs![9]).toBe(runningVersion());
  });

  it('splits GET /admin/v1/metrics: byVersion counts the answers by the version that gave them', async () => {
    await setRule('WS', 'monitor');
    const account = newAccount('by-version');
    const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
    await callGate({ token: tv, ip: HOME_IP, country: 'WS' });
    await callGate({ path: '/seg-1.ts', token: tv, ip: HOME_IP, country: 'WS' });
    await callGate({ token: await deviceToken({ account, device: 'phone' }), ip: AWAY_IP, country: 'WS' });
    const answer = await admin('GET', '/admin/v1/metrics?region=WS', { scope: 'rollout:read' });
    expect(answer.status).toBe(200);
    const region = answer.body.regions.WS;
    expect(region.byVersion).toEqual({ [runningVersion()]: { sessions: region.totals.sessions, segments: region.totals.segments } });
    expect(region.totals.sessions).toEqual({ allow: 2, challenge: 0, deny: 0 });
  });
});
