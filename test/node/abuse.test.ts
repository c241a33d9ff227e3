/**
 * What abuse costs (contract §9), through HTTP against a real `wrangler dev`
 * with wrangler's own Workers Rate Limiting bindings (`[[ratelimits]]`,
 * which `wrangler dev` runs locally): wrangler.toml as it ships, with small
 * limits so a test reaches them in seconds, and DECISION_LOG_SAMPLE = 1, the
 * worst case for the log. test/gate/abuse.test.ts pins the same inside
 * workerd, where the account's object's own storage is read.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVELOPMENT_ADMIN_ISSUER, developmentKeys, mintAdminToken, mintDeviceToken, signWithDevelopmentKey } from '../../dev/tokens.ts';
import { startLocalWorker, type LocalWorker } from '../../scripts/local-worker.ts';

const NETWORK_LIMIT = 20;
const ACCOUNT_LIMIT = 250;
/** docs/ops.md, "Logs": lines per client network and minute for requests that prove nothing. */
const LINES_PER_NETWORK_MINUTE = 3;
const REGION = 'EC';
const HOME_IP = '203.0.113.60';
const AWAY_IP = '198.51.100.60';

/**
 * wrangler.toml with smaller limits, in a folder of its own: its paths made
 * absolute (wrangler reads them from the configuration's folder).
 */
function configWithLimits(folder: string): string {
  const root = resolve('.');
  const text = readFileSync('wrangler.toml', 'utf8')
    .replace('main = "src/index.ts"', `main = "${join(root, 'src/index.ts')}"`)
    .replace('[build]\n', `[build]\ncwd = "${root}"\n`)
    .replace(/watch_dir = \[(.*)\]/, (_, dirs: string) => `watch_dir = [${dirs.replace(/"([^"]+)"/g, (__, dir: string) => `"${join(root, dir)}"`)}]`)
    .replace(/(name = "RATE_LIMIT_NETWORK"[^\n]*\n[^\n]*\n)simple = \{[^}]*\}/, `$1simple = { limit = ${NETWORK_LIMIT}, period = 60 }`)
    .replace(/(name = "RATE_LIMIT_ACCOUNT"[^\n]*\n[^\n]*\n)simple = \{[^}]*\}/, `$1simple = { limit = ${ACCOUNT_LIMIT}, period = 60 }`);
  if (!text.includes(`limit = ${NETWORK_LIMIT}, period = 60`) || !text.includes(`limit = ${ACCOUNT_LIMIT}, period = 60`))
    throw new Error('wrangler.toml no longer has the [[ratelimits]] this test rewrites');
  const path = join(folder, 'wrangler.toml');
  writeFileSync(path, text);
  return path;
}

let gate: LocalWorker;
let folder: string;
/** All the Worker's output (`gate.output()` keeps only its latest 200 KB, less than a thousand requests' lines). */
let output = '';
beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'hearth-abuse-'));
  gate = await startLocalWorker({
    config: configWithLimits(folder),
    envFile: '.dev.vars',
    vars: { METRICS_FLUSH_INTERVAL: 'PT0S', DECISION_LOG_SAMPLE: '1' },
    onOutput: (chunk) => void (output += chunk),
  });
}, 120_000);
afterAll(() => {
  gate?.stop();
  rmSync(folder, { recursive: true, force: true });
});

async function call(path: string, { token, ip = AWAY_IP, method = 'GET' }: { token?: string; ip?: string; method?: string } = {}) {
  const response = await fetch(`${gate.url}${path}`, {
    method,
    headers: { 'CF-Connecting-IP': ip, 'Hearth-Sim-Country': REGION, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** The Worker's log lines of one event since `from` (an offset into its output). */
const logLines = (from: number, event: string) =>
  output
    .slice(from)
    .split('\n')
    .filter((line) => line.includes(`{"event":"${event}"`));

/**
 * Waits for the next minute when this one is nearly over: `wrangler dev`'s limiters count in windows on the wall
 * clock, and a burst that straddles two of them would meet its limit later than the test expects.
 */
async function awayFromMinuteEdge(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 20_000) await new Promise((r) => setTimeout(r, left + 50));
}

const stats = async () => (await (await fetch(`${gate.url}/gate/dev/stats`)).json()) as Record<string, number>;

async function household(label: string) {
  const account = `abuse-${label}-${Date.now().toString(36)}`;
  const tv = await mintDeviceToken({ account, device: 'tv', type: 'tv' });
  const phone = await mintDeviceToken({ account, device: 'phone-ana', type: 'mobile' });
  expect((await call('/gate/v1/decision', { token: tv, ip: HOME_IP })).body.reason).toBe('HOUSEHOLD_ESTABLISHED');
  expect((await call('/gate/v1/decision', { token: phone, ip: HOME_IP })).body.reason).toBe('IN_HOUSEHOLD');
  return { account, tv, phone };
}

describe('requests that prove nothing', () => {
  beforeAll(async () => {
    const admin = await mintAdminToken({ scope: 'rollout:write', sub: 'abuse-test@ops', ttlSeconds: 600 });
    const rule = await fetch(`${gate.url}/admin/v1/rollout/${REGION}`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ mode: 'enforce', note: 'abuse test' }),
    });
    if (rule.status !== 200) throw new Error(`could not set the rule: ${rule.status}`);
  });

  it('meets 429 RATE_LIMITED past RATE_LIMIT_NETWORK from one network, while another network is served normally', async () => {
    await awayFromMinuteEdge();
    const statuses: number[] = [];
    for (let i = 0; i < NETWORK_LIMIT + 5; i++) statuses.push((await call(`/titles/1/seg-${i}.ts`, { token: `garbage-${i}`, ip: '192.0.2.60' })).status);
    expect(statuses.slice(0, NETWORK_LIMIT)).toEqual(Array(NETWORK_LIMIT).fill(401));
    expect(statuses.slice(NETWORK_LIMIT)).toEqual(Array(5).fill(429));
    const limited = await call('/gate/v1/decision', { token: 'garbage', ip: '192.0.2.61' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('Retry-After')).toBe('60');
    expect(limited.body).toMatchObject({ reason: 'RATE_LIMITED', limit: 'network' });

    const { tv } = await household('served');
    const served = await call('/titles/1/seg-1.ts', { token: tv, ip: HOME_IP });
    expect(served.status).toBe(200);
    expect(served.headers.get('Hearth-Decision')).toBe('allow; reason=IN_HOUSEHOLD');
  });

  it('logs a thousand bad tokens from ten networks in at most 3 lines per network and minute', async () => {
    const from = output.length;
    const started = Date.now();
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      const { status } = await call(`/titles/2/seg-${i}.ts`, { token: `forged-${i}`, ip: `198.18.${10 + (i % 10)}.7` });
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    const minutes = Math.floor(Date.now() / 60_000) - Math.floor(started / 60_000) + 1;
    await new Promise((r) => setTimeout(r, 500)); // the last lines reach wrangler's output
    const lines = logLines(from, 'decision').filter((line) => line.includes('"reason":"TOKEN_INVALID"'));
    expect(statuses.get(401)).toBeGreaterThanOrEqual(10 * NETWORK_LIMIT);
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(lines.length).toBeLessThanOrEqual(10 * LINES_PER_NETWORK_MINUTE * minutes);
    for (const line of lines) expect(line).toMatch(/"weight":\d/);
  }, 120_000);
});

describe('refused strangers', () => {
  it('never appear in the device list and cause no household write', async () => {
    const { tv } = await household('stranger');
    const account = JSON.parse(Buffer.from(tv.split('.')[1]!, 'base64url').toString()).sub as string;
    const before = await stats();
    const stranger = await mintDeviceToken({ account, device: 'stranger', type: 'mobile' });
    expect((await call('/gate/v1/decision', { token: stranger })).body.decision).toBe('challenge');
    for (let i = 0; i < 5; i++) expect((await call(`/titles/3/seg-${i}.ts`, { token: stranger })).status).toBe(403);
    await new Promise((r) => setTimeout(r, 300));
    expect((await stats()).visitWrites).toBe(before.visitWrites);
    const devices = (await call('/gate/v1/household/devices', { token: tv, ip: HOME_IP })).body.devices as Array<{ deviceId: string }>;
    expect(devices.map((device) => device.deviceId).toSorted()).toEqual(['phone-ana', 'tv']);
  });

  it('leave a trusted phone trusted: 201 of them from its own account', async () => {
    const { account, phone } = await household('evict');
    for (let i = 0; i < 201; i++) {
      const stranger = await mintDeviceToken({ account, device: `made-up-${i}`, type: 'mobile' });
      expect((await call(`/titles/4/seg-${i}.ts`, { token: stranger })).status).toBe(403);
    }
    const away = await call('/gate/v1/decision', { token: phone });
    expect(away.body).toMatchObject({ decision: 'allow', reason: 'TRUSTED_DEVICE' });
  }, 60_000);

  it('meet 429 RATE_LIMITED past RATE_LIMIT_ACCOUNT, while the household at home streams on', async () => {
    await awayFromMinuteEdge();
    // The TV and the phone joining (their first visits, each a new device entry) count against the account's limit too.
    const { account, tv } = await household('account');
    const cousin = await mintDeviceToken({ account, device: 'cousin', type: 'mobile' });
    const statuses: number[] = [];
    for (let i = 0; i < ACCOUNT_LIMIT + 3; i++) statuses.push((await call(`/titles/5/seg-${i}.ts`, { token: cousin })).status);
    expect(statuses.filter((status) => status === 403)).toHaveLength(ACCOUNT_LIMIT - 2);
    expect(statuses.slice(-3)).toEqual([429, 429, 429]);
    expect((await call('/titles/5/tv.ts', { token: tv, ip: HOME_IP })).status).toBe(200);
  }, 60_000);
});

describe('admin tokens', () => {
  it('refuses a token made to live ten years, and logs the failed sign-in without the token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const tenYears = await signWithDevelopmentKey(developmentKeys.admin[0]!, {
      iss: DEVELOPMENT_ADMIN_ISSUER,
      aud: 'hearth-admin',
      sub: 'abuse-test@ops',
      scope: 'rollout:read',
      iat: now,
      exp: now + 10 * 365 * 86_400,
    });
    const from = output.length;
    // A network of its own: 192.0.2.0/24 met its limit in the first test.
    const refused = await call('/admin/v1/rollout', { token: tenYears, ip: '198.18.99.9' });
    expect(refused.status).toBe(401);
    expect(refused.body.reason).toBe('TOKEN_INVALID');
    await new Promise((r) => setTimeout(r, 300));
    const lines = logLines(from, 'admin_auth_failed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/"reason":"TOKEN_INVALID","network":"n1\.[A-Za-z0-9_-]+","weight":1/);
    expect(lines[0]).not.toContain(tenYears.slice(0, 40));
    expect(lines[0]).not.toContain('198.18.99');
  });
});
