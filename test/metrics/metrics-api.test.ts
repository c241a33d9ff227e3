/**
 * GET /admin/v1/metrics and POST /admin/v1/rollout/{region}/preview against
 * the real gate, KV and Durable Objects. Every request flushes its counts at
 * its end in the test bindings (METRICS_FLUSH_INTERVAL=PT0S), so counts are
 * exact right after `callGate` returns — no sleeps.
 */
import { describe, expect, it } from 'vitest';
import { admin } from '../admin/admin-support';
import { callGate, newAccount, setRule } from '../support/gate';
import { deviceToken } from '../support/tokens';
import { lastCode } from '../support/webhook';

const HOME_IP = '203.0.113.61';
const AWAY_IP = '198.51.100.61';
type Json = Record<string, any>;

let regionSeed = 0;
/** A region no other test of this file counts in (Q?, X?, Z? are user-assigned codes). */
function freshRegion(): string {
  regionSeed += 1;
  return `Q${String.fromCharCode(65 + regionSeed)}`;
}

async function metrics(query: string) {
  return admin('GET', `/admin/v1/metrics${query}`, { scope: 'rollout:read' });
}

/** A household with its TV at home, and a phone of it that has never been home. */
async function household(region: string) {
  const account = newAccount('metrics');
  const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
  const phone = await deviceToken({ account, device: 'phone', type: 'mobile' });
  await callGate({ token: tv, ip: HOME_IP, country: region });
  return { account, tv, phone };
}

describe('decision counts', () => {
  it('counts sessions and segments exactly, by decision, reason, mode and what enforce would refuse', async () => {
    const region = freshRegion();
    await setRule(region, 'monitor');
    const { tv, phone } = await household(region); // 1 session: TV establishes (allow)
    for (let i = 0; i < 3; i++) await callGate({ path: `/seg-${i}.ts`, token: tv, ip: HOME_IP, country: region });
    await callGate({ token: phone, ip: AWAY_IP, country: region }); // would challenge
    for (let i = 0; i < 2; i++) await callGate({ path: `/seg-${i}.ts`, token: phone, ip: AWAY_IP, country: region });
    await callGate({ token: 'not-a-token', country: region }); // session, token refused
    await setRule(region, 'enforce');
    await callGate({ token: phone, ip: AWAY_IP, country: region }); // challenged

    const answer = await metrics(`?region=${region}`);
    expect(answer.status).toBe(200);
    expect(answer.body.step).toBe('PT1M');
    const totals = answer.body.regions[region].totals;
    expect(totals.sessions).toEqual({ allow: 2, challenge: 1, deny: 1 });
    expect(totals.segments).toEqual({ allow: 5, challenge: 0, deny: 0 });
    expect(totals.wouldRefuse).toEqual({ sessions: 3, segments: 2 });
    expect(totals.reasons).toEqual({ HOUSEHOLD_ESTABLISHED: 1, IN_HOUSEHOLD: 3, OUTSIDE_HOUSEHOLD: 4, TOKEN_INVALID: 1 });
    expect(totals.modes.sessions).toEqual({ off: 0, monitor: 2, challenge: 0, enforce: 1, none: 1 });
    expect(totals.modes.segments).toEqual({ off: 0, monitor: 5, challenge: 0, enforce: 0, none: 0 });
    // The series adds up to the totals, one step per minute since an hour ago.
    const series = answer.body.regions[region].series as Json[];
    expect(series.length).toBeGreaterThanOrEqual(60);
    expect(series.reduce((sum, step) => sum + step.segments.allow, 0)).toBe(5);
    expect(Date.parse(series[1]!.at) - Date.parse(series[0]!.at)).toBe(60_000);
  });

  it('counts what enforce would refuse even with enforcement off', async () => {
    const region = freshRegion();
    await setRule(region, 'monitor');
    const { phone } = await household(region);
    await setRule(region, 'off');
    await callGate({ token: phone, ip: AWAY_IP, country: region });
    const totals = (await metrics(`?region=${region}`)).body.regions[region].totals;
    expect(totals.reasons.ENFORCEMENT_OFF).toBe(1);
    expect(totals.wouldRefuse.sessions).toBe(1);
    expect(totals.sessions.allow).toBe(2);
  });

  it('counts the verification funnel where it happens: sent, wrong, locked, verified, expired', async () => {
    const region = freshRegion();
    await setRule(region, 'challenge');
    const { account, phone } = await household(region);
    const post = (path: string, body?: unknown) =>
      callGate({ method: 'POST', path, token: phone, ip: AWAY_IP, country: region, headers: { 'Content-Type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const first = (await (await post('/gate/v1/challenges')).json()) as Json;
    const code = await lastCode(account);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 5; i++) await post(`/gate/v1/challenges/${first.challengeId}/verify`, { code: wrong });
    await post(`/gate/v1/challenges/${first.challengeId}/verify`, { code: wrong }); // locked already: not counted again
    const second = (await (await post('/gate/v1/challenges')).json()) as Json;
    await post(`/gate/v1/challenges/${second.challengeId}/verify`, { code: await lastCode(account) });

    const totals = (await metrics(`?region=${region}`)).body.regions[region].totals;
    expect(totals.verification).toEqual({ sent: 2, verified: 1, wrong: 5, locked: 1, expired: 0 });
  });

  it('keeps regions apart, lists every region with counts when none is named, and holds no id or address', async () => {
    const [a, b] = [freshRegion(), freshRegion()];
    await setRule(a, 'monitor');
    const { account, phone } = await household(a);
    await callGate({ token: phone, ip: AWAY_IP, country: b });
    const all = await metrics('');
    expect(Object.keys(all.body.regions)).toEqual(expect.arrayContaining([a, b]));
    expect(all.body.regions[a].totals.sessions.allow).toBe(1);
    expect(all.body.regions[b].totals.sessions.allow).toBe(1);
    const text = JSON.stringify(all.body);
    for (const secret of [account, 'phone"', HOME_IP, AWAY_IP, '203.0.113', '198.51.100']) expect(text).not.toContain(secret);
  });

  it('reads whole-hour steps from the hourly rows', async () => {
    const region = freshRegion();
    await setRule(region, 'monitor');
    await household(region);
    const since = new Date(Date.now() - 3 * 3_600_000).toISOString();
    const answer = await metrics(`?region=${region}&step=PT1H&since=${since}`);
    expect(answer.status).toBe(200);
    expect(answer.body.step).toBe('PT1H');
    expect(answer.body.regions[region].series).toHaveLength(4);
    expect(answer.body.regions[region].totals.sessions.allow).toBe(1);
  });

  it('refuses queries it cannot answer with 400 naming the field', async () => {
    const old = new Date(Date.now() - 50 * 3_600_000).toISOString();
    const cases: Array<[string, string]> = [
      ['?region=pe', 'region'],
      ['?region=*', 'region'],
      ['?step=PT30S', 'step'],
      ['?step=P1M', 'step'],
      ['?step=banana', 'step'],
      ['?since=yesterday', 'since'],
      [`?since=${old}`, 'since'],
      [`?since=${new Date(Date.now() - 40 * 86_400_000).toISOString()}&step=PT1H`, 'since'],
      [`?since=${new Date(Date.now() + 3_600_000).toISOString()}`, 'since'],
    ];
    for (const [query, field] of cases) {
      const answer = await metrics(query);
      expect({ query, status: answer.status, field: answer.body.field }).toEqual({ query, status: 400, field });
    }
    // 47 hours of minutes is 2,820 steps: fine for one region (for several, see region-bounds.test.ts).
    const region = freshRegion();
    await setRule(region, 'monitor');
    await household(region);
    expect((await metrics(`?region=${region}&since=${new Date(Date.now() - 47 * 3_600_000).toISOString()}&step=PT1M`)).status).toBe(200);
  });

  it('reads a since a few seconds past the history (a client’s “30 days ago”) as the history’s start', async () => {
    const justPast = (ms: number) => new Date(Date.now() - ms - 5_000).toISOString();
    // One region of this file's own: over every region the run has counted in, 30 days of hours pass the 10,000 points an answer holds.
    const region = freshRegion();
    expect((await metrics(`?since=${justPast(30 * 86_400_000)}&step=PT1H&region=${region}`)).status).toBe(200);
    expect((await metrics(`?since=${justPast(48 * 3_600_000)}&step=PT1M&region=QZ`)).status).toBe(200);
    expect((await metrics(`?since=${justPast(30 * 86_400_000 + 120_000)}&step=PT1H`)).body.field).toBe('since');
  });

  it('needs rollout:read', async () => {
    expect((await admin('GET', '/admin/v1/metrics', { scope: 'accounts:read' })).status).toBe(403);
    expect((await admin('GET', '/admin/v1/metrics', { token: null })).status).toBe(401);
  });
});

describe('previews', () => {
  it('replays the region’s sessions under a proposed rule beside the rule in force, by device type', async () => {
    const region = freshRegion();
    await setRule(region, 'monitor');
    const accounts = [];
    for (let i = 0; i < 6; i++) accounts.push(await household(region));
    for (const { phone } of accounts) await callGate({ token: phone, ip: AWAY_IP, country: region });
    const answer = await admin('POST', `/admin/v1/rollout/${region}/preview`, { body: { mode: 'enforce', percent: 100 }, scope: 'rollout:read' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      region,
      window: 'PT1H',
      sessions: 12,
      current: { allow: 12, challenge: 0, deny: 0 },
      proposed: { allow: 6, challenge: 6, deny: 0 },
      byDeviceType: { tv: { sessions: 6, proposed: { allow: 6, challenge: 0, deny: 0 } }, mobile: { sessions: 6, proposed: { allow: 0, challenge: 6, deny: 0 } } },
      rules: { current: { key: region, mode: 'monitor', percent: 100 }, proposed: { mode: 'enforce', percent: 100 } },
    });
    const text = JSON.stringify(answer.body);
    for (const { account } of accounts) expect(text).not.toContain(account);
    // Nothing changed.
    const rollout = await admin('GET', '/admin/v1/rollout', { scope: 'rollout:read' });
    expect(rollout.body.regions[region].mode).toBe('monitor');
  });

  it('validates the proposal', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['PE', { mode: 'strict' }, 'mode'],
      ['PE', { mode: 'enforce', percent: 101 }, 'percent'],
      ['PE', { mode: 'enforce', window: 'P1M' }, 'window'],
      ['PE', { mode: 'enforce', window: 'PT49H' }, 'window'],
      ['PE', { mode: 'enforce', extra: 1 }, 'extra'],
      ['*', { mode: 'enforce' }, 'region'],
      ['pe', { mode: 'enforce' }, 'region'],
    ];
    for (const [region, body, field] of cases) {
      const answer = await admin('POST', `/admin/v1/rollout/${encodeURIComponent(region)}/preview`, { body, scope: 'rollout:read' });
      expect({ region, body, status: answer.status, field: answer.body.field }).toEqual({ region, body, status: 400, field });
    }
  });
});
