/**
 * What abuse costs (contract §9), inside workerd: a refused stranger is
 * counted, never stored — no device entry, no write to the account's
 * object — so made-up ids cannot push a trusted phone out of its household;
 * past RATE_LIMIT_NETWORK or RATE_LIMIT_ACCOUNT a request is
 * `429 RATE_LIMITED` and leaves nothing but a counter; admin tokens live at
 * most ADMIN_TOKEN_MAX_AGE, and failed admin sign-ins are logged as a sample
 * per client network. (test/node/abuse.test.ts runs the same through HTTP
 * under `wrangler dev`, with wrangler's own rate limiters.)
 */
import { runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { signWithDevelopmentKey } from '../../dev/tokens';
import type { HouseholdStore } from '../../src/state/household-store';
import { anotherIsolate, callGate, newAccount, rateLimits, setRule, testEnv } from '../support/gate';
import { ADMIN_ISSUER, adminToken, deviceToken, developmentKeys } from '../support/tokens';

const REGION = 'BO';
const HOME_IP = '203.0.113.139';
const AWAY_IP = '198.51.100.139';

/** Everything the account's Durable Object holds, as its own storage lists it. */
const storageOf = (account: string) =>
  runInDurableObject(testEnv.HOUSEHOLDS.get(testEnv.HOUSEHOLDS.idFromName(account)), async (_: HouseholdStore, state) => JSON.stringify([...(await state.storage.list())]));

function captureLog(): string[] {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  return lines;
}

afterEach(() => vi.restoreAllMocks());

/** A household: its TV at home, and Ana's phone trusted (seen at home). */
async function household() {
  const account = newAccount('abuse');
  const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
  const phone = await deviceToken({ account, device: 'phone-ana' });
  expect((await callGate({ token: tv, ip: HOME_IP, country: REGION })).headers.get('Hearth-Decision')).toBe('allow; reason=HOUSEHOLD_ESTABLISHED');
  expect((await callGate({ token: phone, ip: HOME_IP, country: REGION })).headers.get('Hearth-Decision')).toBe('allow; reason=IN_HOUSEHOLD');
  return { account, tv, phone };
}

const listed = async (tv: string) =>
  ((await (await callGate({ path: '/gate/v1/household/devices', token: tv, ip: HOME_IP, country: REGION })).json()) as { devices: Array<{ deviceId: string }> }).devices.map((d) => d.deviceId);

describe('refused strangers are counted, never stored', () => {
  it('gives a refused stranger no device entry and costs its household no write, in enforce and in monitor', async () => {
    const { account, tv } = await household();
    for (const mode of ['enforce', 'monitor'] as const) {
      await setRule(REGION, mode);
      const before = await storageOf(account);
      const stranger = await deviceToken({ account, device: `stranger-${mode}` });
      for (const path of ['/gate/v1/decision', '/titles/1/seg-1.ts', '/titles/1/seg-2.ts']) {
        const answer = await callGate({ path, token: stranger, ip: AWAY_IP, country: REGION });
        expect(answer.headers.get('Hearth-Decision')).toBe(mode === 'enforce' ? 'challenge; reason=OUTSIDE_HOUSEHOLD' : 'allow; reason=OUTSIDE_HOUSEHOLD; would=challenge');
      }
      expect(await storageOf(account)).toBe(before);
      expect(await listed(tv)).not.toContain(`stranger-${mode}`);
    }
    // The same stranger at home joins: devices join where they belong.
    const guest = await deviceToken({ account, device: 'stranger-enforce' });
    await callGate({ token: guest, ip: HOME_IP, country: REGION });
    expect(await listed(tv)).toContain('stranger-enforce');
  });

  it('leaves a trusted phone trusted after 201 refused strangers from its own account', async () => {
    const { account, phone } = await household();
    await setRule(REGION, 'enforce');
    for (let i = 0; i < 201; i++) {
      const stranger = await deviceToken({ account, device: `made-up-${i}` });
      expect((await callGate({ path: `/seg-${i}.ts`, token: stranger, ip: AWAY_IP, country: REGION })).status).toBe(403);
    }
    const away = await callGate({ token: phone, ip: AWAY_IP, country: REGION });
    expect(away.headers.get('Hearth-Decision')).toBe('allow; reason=TRUSTED_DEVICE');
  }, 120_000);
});

/** A rate limiter that lets `limit` requests per key through, and counts what it was asked. */
function limiter(limit: number) {
  const seen = new Map<string, number>();
  return {
    keys: seen,
    limit: async ({ key }: { key: string }) => {
      seen.set(key, (seen.get(key) ?? 0) + 1);
      return { success: seen.get(key)! <= limit };
    },
  };
}

describe('Workers Rate Limiting', () => {
  it('answers a flood of bad tokens from one network 429 RATE_LIMITED past RATE_LIMIT_NETWORK, while another network is served', async () => {
    // wrangler.toml's own limiter, as miniflare runs it: 200 per 10 s, windows on the wall clock.
    const bindings = anotherIsolate();
    Object.assign(bindings, { RATE_LIMIT_NETWORK: rateLimits.RATE_LIMIT_NETWORK, DECISION_LOG_SAMPLE: '1' });
    const lines = captureLog();
    let limited: Response | undefined;
    const before: number[] = [];
    for (let i = 0; i < 420 && !limited; i++) {
      const answer = await callGate({ path: `/flood-${i}.ts`, token: `not-a-token-${i}`, ip: '192.0.2.139', country: REGION, bindings });
      if (answer.status === 429) limited = answer;
      else before.push(answer.status);
    }
    // 200 in a window of 10 s on the wall clock: at most two windows' worth pass before the first 429.
    expect(new Set(before)).toEqual(new Set([401]));
    expect(before.length).toBeGreaterThanOrEqual(200);
    expect(limited?.status).toBe(429);
    expect(limited!.headers.get('Retry-After')).toBe('60');
    expect(limited!.headers.get('Hearth-Decision')).toBe('deny; reason=RATE_LIMITED');
    expect(limited!.headers.get('Content-Type')).toBe('application/problem+json');
    expect(await limited!.json()).toMatchObject({ status: 429, reason: 'RATE_LIMITED', limit: 'network', retryAfterSeconds: 60, decision: 'deny' });
    const linesBefore = lines.length;
    const spanish = await callGate({ path: '/flood-more.ts', token: 'still-not-a-token', ip: '192.0.2.139', country: REGION, bindings, headers: { 'Accept-Language': 'es' } });
    expect(spanish.status).toBe(429);
    expect(((await spanish.json()) as { message: string }).message).toMatch(/Espera un minuto/);
    // Nothing recorded past the limit: no log line.
    expect(lines.length).toBe(linesBefore);

    // Another network: a bad token there is its ordinary 401, and a household streams on.
    expect((await callGate({ path: '/seg.ts', token: 'not-a-token', ip: '198.18.139.1', country: REGION, bindings })).status).toBe(401);
    const account = newAccount('abuse');
    const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
    expect((await callGate({ path: '/seg.ts', token: tv, ip: '198.18.140.1', country: REGION, bindings })).status).toBe(200);
  }, 60_000);

  it('stops a refused device’s flood at RATE_LIMIT_ACCOUNT, keyed by a hash and never the account id; allowed decisions never meet it', async () => {
    const { account, tv } = await household();
    await setRule(REGION, 'enforce');
    const accountLimit = limiter(5);
    const bindings = anotherIsolate();
    Object.assign(bindings, { RATE_LIMIT_ACCOUNT: accountLimit });
    const cousin = await deviceToken({ account, device: 'cousin' });
    const lines = captureLog();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await callGate({ path: `/seg-${i}.ts`, token: cousin, ip: AWAY_IP, country: REGION, bindings })).status);
    expect(statuses).toEqual([403, 403, 403, 403, 403, 429, 429, 429]);
    const decisionLines = () => lines.filter((line) => line.includes('"event":"decision"')).length;
    expect(decisionLines()).toBe(5);
    const session = await callGate({ token: cousin, ip: AWAY_IP, country: REGION, bindings });
    expect(session.status).toBe(429);
    expect(await session.json()).toMatchObject({ reason: 'RATE_LIMITED', limit: 'account', decision: 'deny' });
    // Device-API calls count too.
    const devices = await callGate({ path: '/gate/v1/household/devices', token: tv, ip: HOME_IP, country: REGION, bindings });
    expect(devices.status).toBe(429);
    expect(devices.headers.get('Hearth-Decision')).toBeNull();
    expect(decisionLines()).toBe(5);
    // The TV at home streams on: an allowed decision never asks the limiter.
    for (let i = 0; i < 10; i++) expect((await callGate({ path: `/tv-${i}.ts`, token: tv, ip: HOME_IP, country: REGION, bindings })).status).toBe(200);
    expect([...accountLimit.keys.keys()]).toEqual([expect.stringMatching(/^h\.[0-9a-f]{16}$/)]);
    expect(JSON.stringify([...accountLimit.keys.keys()])).not.toContain(account);
  });

  it('limits nothing when the bindings are not bound', async () => {
    const { account } = await household();
    await setRule(REGION, 'enforce');
    const cousin = await deviceToken({ account, device: 'cousin' });
    for (let i = 0; i < 30; i++) expect((await callGate({ path: `/seg-${i}.ts`, token: cousin, ip: AWAY_IP, country: REGION })).status).toBe(403);
  });

  it('lets a request through when the limiter fails, and says so at most once a minute', async () => {
    const failing = { limit: async () => Promise.reject(new Error('limiter down')) };
    const bindings = anotherIsolate();
    Object.assign(bindings, { RATE_LIMIT_NETWORK: failing });
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    for (let i = 0; i < 5; i++) expect((await callGate({ path: '/seg.ts', token: 'bad', ip: '192.0.2.149', country: REGION, bindings })).status).toBe(401);
    expect(errors.filter((line) => line.includes('rate_limiter_failed')).length).toBeLessThanOrEqual(1);
  });
});

describe('admin tokens', () => {
  const mint = (lifetimeSeconds: number) => {
    const now = Math.floor(Date.now() / 1000);
    return signWithDevelopmentKey(developmentKeys.admin[0]!, { iss: ADMIN_ISSUER, aud: 'hearth-admin', sub: 'ops@hearth.test', scope: 'rollout:read', iat: now, exp: now + lifetimeSeconds });
  };

  it('refuses a token made to live longer than ADMIN_TOKEN_MAX_AGE (PT12H), however valid its signature', async () => {
    const tenYears = await callGate({ path: '/admin/v1/rollout', token: await mint(10 * 365 * 86_400) });
    expect(tenYears.status).toBe(401);
    expect(await tenYears.json()).toMatchObject({ reason: 'TOKEN_INVALID' });
    expect((await callGate({ path: '/admin/v1/rollout', token: await mint(12 * 3600 + 1) })).status).toBe(401);
    expect((await callGate({ path: '/admin/v1/rollout', token: await mint(12 * 3600) })).status).toBe(200);
    // A shorter maximum, configured.
    expect((await callGate({ path: '/admin/v1/rollout', token: await mint(3600), env: { ADMIN_TOKEN_MAX_AGE: 'PT30M' } })).status).toBe(401);
    expect((await callGate({ path: '/admin/v1/rollout', token: await mint(1800), env: { ADMIN_TOKEN_MAX_AGE: 'PT30M' } })).status).toBe(200);
  });

  it('logs a failed admin sign-in with its network’s keyed id and weight, never the token; at most 3 a minute per network', async () => {
    const lines = captureLog();
    const env = { DECISION_LOG_SAMPLE: '1' };
    const forged = `${(await adminToken('rollout:read')).slice(0, -4)}AAAA`;
    for (let i = 0; i < 10; i++) expect((await callGate({ path: '/admin/v1/rollout', token: forged, ip: '192.0.2.159', env })).status).toBe(401);
    const failed = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.event === 'admin_auth_failed');
    expect(failed).toHaveLength(3);
    expect(failed[0]).toMatchObject({ reason: 'TOKEN_INVALID', network: expect.stringMatching(/^n1\./), weight: 1 });
    expect(JSON.stringify(failed)).not.toContain(forged.slice(0, 40));
    expect(JSON.stringify(failed)).not.toContain('192.0.2');
  });
});

describe('paths that are nobody’s', () => {
  it('answers them without a log line', async () => {
    const lines = captureLog();
    for (const path of ['/gate/nothing', '/admin/v2/anything', '/gate/v1/nope']) expect((await callGate({ path })).status).toBe(404);
    expect(lines).toEqual([]);
  });
});
