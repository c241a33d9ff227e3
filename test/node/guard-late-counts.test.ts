/**
 * A guard set by a person reads only what was decided under it, even when an
 * instance sends older counts afterwards: `wrangler dev` with counts flushed
 * every 4 s (production: 10 s), so a refusal decided under the old rule a
 * moment before the new one is set arrives after it, in the same minute.
 * The workerd suites flush at once and cannot hold a count back; this is the
 * case that made docs/ops.md's local guard walkthrough read 4 households
 * instead of 3 one run in many.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAdminToken, mintDeviceToken } from '../../dev/tokens.ts';
import { startLocalWorker, type LocalWorker } from '../../scripts/local-worker.ts';

const FLUSH_MS = 4_000;
const REGION = 'PE';

let gate: LocalWorker;
let adminToken: string;

beforeAll(async () => {
  gate = await startLocalWorker({ envFile: '.dev.vars', vars: { METRICS_FLUSH_INTERVAL: `PT${FLUSH_MS / 1000}S` } });
  adminToken = await mintAdminToken({ scope: 'rollout:read rollout:write', sub: 'guard-test@ops' });
}, 120_000);

afterAll(() => gate?.stop());

async function setRule(rule: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${gate.url}/admin/v1/rollout/${REGION}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(rule),
  });
  if (response.status !== 200) throw new Error(`PUT ${REGION}: ${response.status} ${await response.text()}`);
}

async function ruleNow(): Promise<Record<string, any>> {
  const response = await fetch(`${gate.url}/admin/v1/rollout`, { headers: { Authorization: `Bearer ${adminToken}` } });
  return ((await response.json()) as { regions: Record<string, Record<string, any>> }).regions[REGION]!;
}

/** One decision; its answer's `decision`. */
async function decide(account: string, device: 'tv' | 'phone', ip: string): Promise<string> {
  const token = await mintDeviceToken({ account, device, type: device === 'tv' ? 'tv' : 'mobile', ttlSeconds: 600 });
  const response = await fetch(`${gate.url}/gate/v1/decision`, { headers: { Authorization: `Bearer ${token}`, 'CF-Connecting-IP': ip, 'Hearth-Sim-Country': REGION } });
  return ((await response.json()) as { decision: string }).decision;
}

describe('a guard set by a person', () => {
  it('leaves out a refusal decided under the rule before it, though its count arrives after the guard was set', async () => {
    await setRule({ mode: 'challenge', note: 'before the guard' });
    // Far enough from the minute's end that everything below falls in one minute (the rule's first).
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 35_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 500));
    const run = Date.now();
    // A flush goes at once after a quiet spell: the TV's. The phone's refusal then waits up to FLUSH_MS for the next.
    expect(await decide(`acct-before-${run}`, 'tv', '203.0.113.140')).toBe('allow');
    expect(await decide(`acct-before-${run}`, 'phone', '198.51.100.140')).toBe('challenge');
    const refusedAt = Date.now();
    await setRule({ mode: 'enforce', guard: { maxRefusalRate: 0.5, minHouseholds: 10, window: 'PT5M' }, note: 'the guard' });
    // Still inside the interval: the refusal from before was not sent yet (else this run proves nothing).
    expect(Date.now() - refusedAt).toBeLessThan(FLUSH_MS);
    for (let i = 1; i <= 3; i++) {
      expect(await decide(`acct-after-${run}-${i}`, 'tv', `203.0.113.${140 + i}`)).toBe('allow');
      expect(await decide(`acct-after-${run}-${i}`, 'phone', `198.51.100.${140 + i}`)).toBe('challenge');
    }
    // Every count above arrives within an interval or two of its decision; then the guard has read all of them.
    await expect.poll(async () => (await ruleNow()).reading?.households.treated ?? 0, { timeout: 3 * FLUSH_MS + 5_000, interval: 500 }).toBeGreaterThanOrEqual(3);
    await new Promise((resolve) => setTimeout(resolve, FLUSH_MS + 1_000));
    expect((await ruleNow()).reading).toMatchObject({ households: { treated: 3, refused: 3 } });
  }, 120_000);
});
