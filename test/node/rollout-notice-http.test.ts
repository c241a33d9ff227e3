/**
 * Notice and four eyes (contract v1.4 §8) through the admin API of a real
 * `wrangler dev` with production's rules and a short notice
 * (ROLLOUT_APPROVAL=stricter, NOTICE_PERIOD=PT4S): a stricter change waits
 * for another `sub`, its author is refused, a moved rollout refuses it, a
 * skipped notice needs its scope and a note, and an approved change decides
 * requests only once its notice is over. (Seven days of expiry are in
 * test/defaults/notice-and-approval.test.ts, on a clock that can move.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAdminToken, mintDeviceToken } from '../../dev/tokens.ts';
import { startLocalWorker, type LocalWorker } from '../../scripts/local-worker.ts';

let gate: LocalWorker;
const ALL = 'rollout:read rollout:write rollout:approve rollout:skip-notice';

beforeAll(async () => {
  gate = await startLocalWorker({ envFile: '.dev.vars', vars: { ROLLOUT_APPROVAL: 'stricter', NOTICE_PERIOD: 'PT4S' } });
}, 120_000);

afterAll(() => gate?.stop());

async function as(sub: string, method: string, path: string, body?: unknown, scope = ALL) {
  const token = await mintAdminToken({ scope, sub });
  const response = await fetch(`${gate.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
}

async function modeIn(country: string): Promise<string> {
  const token = await mintDeviceToken({ account: `acct-notice-${Math.random().toString(36).slice(2)}`, device: 'phone', type: 'mobile' });
  const response = await fetch(`${gate.url}/gate/v1/decision`, { headers: { Authorization: `Bearer ${token}`, 'Hearth-Sim-Country': country } });
  return ((await response.json()) as { mode: string }).mode;
}

describe('a stricter change over HTTP', () => {
  it('waits for a second sub, refuses its author, then applies once its notice is over', async () => {
    const asked = await as('ana@ops', 'PUT', '/admin/v1/rollout/PE', { mode: 'challenge', note: 'Peru: codes' });
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ status: 'pending-approval', requestedBy: 'ana@ops' });
    expect((await as('ana@ops', 'POST', `/admin/v1/rollout/changes/${asked.body.changeId}/approve`, {})).body.reason).toBe('SELF_APPROVAL');
    const approved = await as('ben@ops', 'POST', `/admin/v1/rollout/changes/${asked.body.changeId}/approve`, { note: 'ok' });
    expect(approved.status).toBe(200);
    const effectiveAt = Date.parse(approved.body.regions.PE.upcoming.effectiveAt);
    expect(await modeIn('PE')).toBe('monitor');
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, effectiveAt - Date.now()) + 500));
    expect(await modeIn('PE')).toBe('challenge');
  });

  it('refuses to approve once the rollout moved (409 CHANGE_OUTDATED), and rejects', async () => {
    const asked = await as('ana@ops', 'PUT', '/admin/v1/rollout/CL', { mode: 'enforce', note: 'Chile' });
    expect((await as('ben@ops', 'PUT', '/admin/v1/rollout/CO', { mode: 'off', note: 'Colombia off' })).status).toBe(200);
    const moved = await as('ben@ops', 'POST', `/admin/v1/rollout/changes/${asked.body.changeId}/approve`, {});
    expect(moved.status).toBe(409);
    expect(moved.body).toMatchObject({ reason: 'CHANGE_OUTDATED', type: expect.any(String), message: expect.any(String) });
    const rejected = await as('ben@ops', 'POST', `/admin/v1/rollout/changes/${asked.body.changeId}/reject`, { note: 'ask again' });
    expect(rejected.body).toEqual({ changeId: asked.body.changeId, status: 'rejected' });
    expect((await as('ben@ops', 'GET', '/admin/v1/rollout/changes')).body.changes).toEqual([]);
  });

  it('a skipped notice needs rollout:skip-notice and a note, and then applies at once once approved', async () => {
    const unscoped = await as('ana@ops', 'PUT', '/admin/v1/rollout/BO', { mode: 'enforce', notice: 'skip', note: 'now' }, 'rollout:read rollout:write');
    expect(unscoped).toMatchObject({ status: 403, body: { reason: 'SCOPE_REQUIRED', requiredScope: 'rollout:skip-notice' } });
    expect((await as('ana@ops', 'PUT', '/admin/v1/rollout/BO', { mode: 'enforce', notice: 'skip' })).status).toBe(400);
    const asked = await as('ana@ops', 'PUT', '/admin/v1/rollout/BO', { mode: 'enforce', notice: 'skip', note: 'court order' });
    const approved = await as('ben@ops', 'POST', `/admin/v1/rollout/changes/${asked.body.changeId}/approve`, {});
    expect(approved.body.regions.BO).toMatchObject({ mode: 'enforce', notice: 'skipped' });
    expect(await modeIn('BO')).toBe('enforce');
  });

  it('a loosening applies at once, with nobody to approve it', async () => {
    const off = await as('ana@ops', 'PUT', '/admin/v1/rollout/BO', { mode: 'off', note: 'Bolivia: stop' });
    expect(off.status).toBe(200);
    expect(await modeIn('BO')).toBe('off');
  });
});
