/**
 * Contract §8 under production's defaults (NOTICE_PERIOD=P14D,
 * ROLLOUT_APPROVAL=stricter): a stricter rule waits for a second person,
 * then for its notice on the status page, deciding by the rule before it
 * until then at every edge; loosening applies at once; a skipped notice
 * needs its scope and says so; pending changes refuse their author, a moved
 * rollout, and expire after 7 days. Every step is audited and told to ops.
 */
import { env, runDurableObjectAlarm } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { controlStore } from '../../src/state/control-store';
import { admin, ALL_SCOPES } from '../admin/admin-support';
import { passTime } from '../support/clock';
import { callGate, newAccount } from '../support/gate';
import { adminToken, deviceToken } from '../support/tokens';
import { opsEvents } from '../support/webhook';
import { MS_PER_DAY } from '../../src/time';

const ALICE = 'alice@ops.test';
const BOB = 'bob@ops.test';

/** An admin call as `sub`, with every scope unless `scope` says otherwise. */
async function as(sub: string, method: string, path: string, options: { body?: unknown; scope?: string; headers?: Record<string, string> } = {}) {
  return admin(method, path, { ...options, token: await adminToken(options.scope ?? ALL_SCOPES, sub) });
}

/** The mode and rollout version a fresh account's request in `country` is decided under. */
async function decisionIn(country: string) {
  const token = await deviceToken({ account: newAccount('notice'), device: 'phone' });
  const response = await callGate({ token, country });
  return (await response.json()) as { mode: string; decision: string; policyVersion: number };
}

async function auditActions(region: string): Promise<Array<{ action: string; actor: string; note: string | null }>> {
  const { body } = await admin('GET', '/admin/v1/audit?limit=200');
  return (body.entries as Array<{ action: string; actor: string; target: string; note: string | null }>).filter((entry) => entry.target === `rollout/${region}`);
}

describe('four eyes on a stricter change', () => {
  it('waits for another person: 202 and nothing changes; the author cannot approve it; another person applies it with its notice', async () => {
    const asked = await as(ALICE, 'PUT', '/admin/v1/rollout/PE', { body: { mode: 'enforce', note: 'Peru: enforce' } });
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ status: 'pending-approval', region: 'PE', requestedBy: ALICE, rule: { mode: 'enforce', percent: 100 }, note: 'Peru: enforce' });
    expect(asked.headers.get('Location')).toBe(`/admin/v1/rollout/changes/${asked.body.changeId}`);
    expect(Date.parse(asked.body.expiresAt) - Date.parse(asked.body.requestedAt)).toBe(7 * MS_PER_DAY);
    expect((await admin('GET', '/admin/v1/rollout')).body.regions.PE).toBeUndefined();
    expect((await decisionIn('PE')).mode).toBe('monitor');

    const listed = await admin('GET', '/admin/v1/rollout/changes', { scope: 'rollout:read' });
    expect(listed.body.changes).toContainEqual(expect.objectContaining({ changeId: asked.body.changeId, region: 'PE' }));

    const self = await as(ALICE, 'POST', `/admin/v1/rollout/changes/${asked.body.changeId}/approve`, { body: {} });
    expect(self.status).toBe(403);
    expect(self.body).toMatchObject({ reason: 'SELF_APPROVAL' });
    const unscoped = await as(BOB, 'POST', `/admin/v1/rollout/changes/${asked.body.changeId}/approve`, { body: {}, scope: 'rollout:read rollout:write' });
    expect(unscoped.body).toMatchObject({ reason: 'SCOPE_REQUIRED', requiredScope: 'rollout:approve' });

    const approved = await as(BOB, 'POST', `/admin/v1/rollout/changes/${asked.body.changeId}/approve`, { body: { note: 'looks right' } });
    expect(approved.status).toBe(200);
    const upcoming = approved.body.regions.PE.upcoming;
    expect(upcoming).toMatchObject({ mode: 'enforce', percent: 100, approvedBy: BOB, updatedBy: ALICE, notice: 'given' });
    expect(Date.parse(upcoming.effectiveAt) - Date.parse(upcoming.noticeFrom)).toBe(14 * MS_PER_DAY);
    expect(approved.body.regions.PE.follows).toBe('*');
    expect((await admin('GET', '/admin/v1/rollout/changes')).body.changes.map((c: { changeId: string }) => c.changeId)).not.toContain(asked.body.changeId);

    const actions = await auditActions('PE');
    expect(actions.map((entry) => entry.action)).toEqual(expect.arrayContaining(['rollout.change_requested', 'rollout.change_approved']));
    const approval = actions.find((entry) => entry.action === 'rollout.change_approved')!;
    expect(approval.actor).toBe(BOB);
    expect(approval.note).toContain(ALICE);
    const events = (await opsEvents('PE')).map((delivery) => delivery.message);
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'rollout_change_requested', requestedBy: ALICE, changeId: asked.body.changeId }),
        expect.objectContaining({ type: 'rollout_change_approved', requestedBy: ALICE, approvedBy: BOB }),
      ]),
    );
  });

  it('refuses a change once the rollout moved (409), rejects and expires changes', async () => {
    const asked = await as(ALICE, 'PUT', '/admin/v1/rollout/CL', { body: { mode: 'challenge', note: 'Chile: codes' } });
    expect(asked.status).toBe(202);
    // Loosening needs nobody: it applies at once (and moves the version).
    const loosened = await as(ALICE, 'PUT', '/admin/v1/rollout/CO', { body: { mode: 'off', note: 'Colombia: off' } });
    expect(loosened.status).toBe(200);
    const moved = await as(BOB, 'POST', `/admin/v1/rollout/changes/${asked.body.changeId}/approve`, { body: {} });
    expect(moved.status).toBe(409);
    expect(moved.body).toMatchObject({ reason: 'CHANGE_OUTDATED', currentVersion: loosened.body.version });

    const rejected = await as(BOB, 'POST', `/admin/v1/rollout/changes/${asked.body.changeId}/reject`, { body: { note: 'not yet' } });
    expect(rejected.body).toEqual({ changeId: asked.body.changeId, status: 'rejected' });
    expect((await as(BOB, 'POST', `/admin/v1/rollout/changes/${asked.body.changeId}/approve`, { body: {} })).body.reason).toBe('CHANGE_NOT_FOUND');
    expect((await auditActions('CL')).map((entry) => entry.action)).toContain('rollout.change_rejected');

    const later = await as(ALICE, 'PUT', '/admin/v1/rollout/CL', { body: { mode: 'challenge', note: 'Chile: codes, again' } });
    passTime(7 * MS_PER_DAY + 1000);
    const expired = await as(BOB, 'POST', `/admin/v1/rollout/changes/${later.body.changeId}/approve`, { body: {} });
    expect(expired.status).toBe(410);
    expect(expired.body.reason).toBe('CHANGE_EXPIRED');
    expect((await admin('GET', '/admin/v1/rollout/changes')).body.changes.map((c: { changeId: string }) => c.changeId)).not.toContain(later.body.changeId);
    expect((await auditActions('CL')).map((entry) => entry.action)).toContain('rollout.change_expired');
  });

  it('one person asking again for the same region replaces their own waiting change', async () => {
    const first = await as(ALICE, 'PUT', '/admin/v1/rollout/UY', { body: { mode: 'challenge', percent: 10, note: 'Uruguay: 10%' } });
    const second = await as(ALICE, 'PUT', '/admin/v1/rollout/UY', { body: { mode: 'challenge', percent: 20, note: 'Uruguay: 20%' } });
    const waiting = (await admin('GET', '/admin/v1/rollout/changes')).body.changes.filter((change: { region: string }) => change.region === 'UY');
    expect(waiting.map((change: { changeId: string }) => change.changeId)).toEqual([second.body.changeId]);
    expect(first.body.changeId).not.toBe(second.body.changeId);
  });
});

describe('notice before a stricter rule', () => {
  it('decides by the rule in force until effectiveAt, then by the new one at every edge without a write; the alarm writes it in, audited and recorded', async () => {
    const asked = await as(ALICE, 'PUT', '/admin/v1/rollout/AR', { body: { mode: 'enforce', note: 'Argentina: enforce' } });
    const approved = await as(BOB, 'POST', `/admin/v1/rollout/changes/${asked.body.changeId}/approve`, { body: {} });
    const { effectiveAt } = approved.body.regions.AR.upcoming;
    expect((await decisionIn('AR')).mode).toBe('monitor');
    passTime(Date.parse(effectiveAt) - Date.now() - 60_000);
    expect((await decisionIn('AR')).mode).toBe('monitor');
    passTime(61_000);
    // Past effectiveAt: the gate reads the upcoming rule as in force before anything is written (read-time).
    const decided = await decisionIn('AR');
    expect(decided).toMatchObject({ mode: 'enforce', policyVersion: approved.body.version });
    expect((await admin('GET', '/admin/v1/rollout')).body.regions.AR.upcoming).toBeDefined();

    await runDurableObjectAlarm(controlStore(env));
    const written = (await admin('GET', '/admin/v1/rollout')).body;
    expect(written.regions.AR).toMatchObject({ mode: 'enforce', percent: 100, notice: 'given', updatedAt: effectiveAt, updatedBy: ALICE });
    expect(written.regions.AR.upcoming).toBeUndefined();
    expect(written.regions.AR.follows).toBeUndefined();
    expect(written.changes.AR[0]).toEqual({ at: effectiveAt, mode: 'enforce', percent: 100, notice: 'given', announcedAt: approved.body.regions.AR.upcoming.noticeFrom });
    expect((await auditActions('AR')).find((entry) => entry.action === 'rollout.notice_applied')).toMatchObject({ actor: 'hearth-notice' });
    expect((await opsEvents('AR')).map((delivery) => delivery.message.type)).toContain('rollout_change_applied');
  });

  it('loosening applies at once and replaces the upcoming rule; a later stricter change starts its own notice', async () => {
    const asked = await as(ALICE, 'PUT', '/admin/v1/rollout/BR', { body: { mode: 'challenge', percent: 50, note: 'Brazil: half' } });
    const approved = await as(BOB, 'POST', `/admin/v1/rollout/changes/${asked.body.changeId}/approve`, { body: {} });
    expect(approved.body.regions.BR.upcoming).toMatchObject({ mode: 'challenge', percent: 50 });
    const loosened = await as(ALICE, 'PUT', '/admin/v1/rollout/BR', { body: { mode: 'off', note: 'Brazil: stop' } });
    expect(loosened.status).toBe(200);
    expect(loosened.body.regions.BR).toMatchObject({ mode: 'off', notice: 'not-needed' });
    expect(loosened.body.regions.BR.upcoming).toBeUndefined();
    expect((await decisionIn('BR')).mode).toBe('off');

    passTime(MS_PER_DAY);
    const again = await as(ALICE, 'PUT', '/admin/v1/rollout/BR', { body: { mode: 'monitor', note: 'Brazil: watch' } });
    expect(again.status).toBe(202);
    const watched = await as(BOB, 'POST', `/admin/v1/rollout/changes/${again.body.changeId}/approve`, { body: {} });
    expect(Date.parse(watched.body.regions.BR.upcoming.effectiveAt) - Date.now()).toBeGreaterThan(14 * MS_PER_DAY - 60_000);
    expect(watched.body.regions.BR).toMatchObject({ mode: 'off' });
  });

  it('a staged, guarded rule waits as a whole: each stage from its earliest time; the preview tells the date', async () => {
    const stages = [{ percent: 10, hold: 'P1D' }, { percent: 100 }];
    const guard = { maxRefusalRate: 0.5, minHouseholds: 100, window: 'PT15M' };
    const asked = await as(ALICE, 'PUT', '/admin/v1/rollout/EC', { body: { mode: 'enforce', stages, guard, note: 'Ecuador, staged' } });
    const approved = await as(BOB, 'POST', `/admin/v1/rollout/changes/${asked.body.changeId}/approve`, { body: {} });
    const { upcoming } = approved.body.regions.EC;
    expect(upcoming).toMatchObject({ percent: 10, stage: 0, status: 'advancing', stageStartedAt: upcoming.effectiveAt });
    expect(Date.parse(upcoming.nextAdvanceAt) - Date.parse(upcoming.effectiveAt)).toBe(MS_PER_DAY);

    const preview = await admin('POST', '/admin/v1/rollout/EC/preview', { body: { mode: 'enforce', percent: 100 } });
    expect(preview.body.applies).toMatchObject({ stricter: true, approval: true });
    expect(Date.parse(preview.body.applies.at) - Date.now()).toBeGreaterThan(14 * MS_PER_DAY - 60_000);
    const looser = await admin('POST', '/admin/v1/rollout/EC/preview', { body: { mode: 'off' } });
    expect(looser.body.applies).toMatchObject({ stricter: false, approval: false });
  });

  it('a stricter deletion (the region would follow a stricter *) waits too', async () => {
    const star = await as(ALICE, 'PUT', '/admin/v1/rollout/*', { body: { mode: 'challenge', percent: 100, notice: 'skip', note: 'everywhere: codes' } });
    expect(star.status).toBe(202);
    expect((await as(BOB, 'POST', `/admin/v1/rollout/changes/${star.body.changeId}/approve`, { body: {} })).status).toBe(200);
    expect((await as(ALICE, 'PUT', '/admin/v1/rollout/PY', { body: { mode: 'off', note: 'Paraguay: off' } })).status).toBe(200);
    const deleted = await as(ALICE, 'DELETE', '/admin/v1/rollout/PY');
    expect(deleted.status).toBe(202);
    expect(deleted.body.rule).toBeNull();
    const approved = await as(BOB, 'POST', `/admin/v1/rollout/changes/${deleted.body.changeId}/approve`, { body: {} });
    expect(approved.body.regions.PY).toMatchObject({ mode: 'off', upcoming: { removes: true, mode: 'challenge' } });
    expect((await decisionIn('PY')).mode).toBe('off');
    // Back to what every other file expects of *.
    expect((await as(ALICE, 'DELETE', '/admin/v1/rollout/*')).status).toBe(200);
  });
});

describe('skipping the notice', () => {
  it('needs rollout:skip-notice and a note; applies at once once approved; the history says it came without notice', async () => {
    const unscoped = await as(ALICE, 'PUT', '/admin/v1/rollout/VE', { body: { mode: 'enforce', notice: 'skip', note: 'urgent' }, scope: 'rollout:write rollout:read' });
    expect(unscoped.status).toBe(403);
    expect(unscoped.body).toMatchObject({ reason: 'SCOPE_REQUIRED', requiredScope: 'rollout:skip-notice' });
    const noNote = await as(ALICE, 'PUT', '/admin/v1/rollout/VE', { body: { mode: 'enforce', notice: 'skip' } });
    expect(noNote.status).toBe(400);
    expect(noNote.body.detail).toContain('note');

    const asked = await as(ALICE, 'PUT', '/admin/v1/rollout/VE', { body: { mode: 'enforce', notice: 'skip', note: 'court order' } });
    expect(asked.body).toMatchObject({ status: 'pending-approval', notice: 'skip' });
    const approved = await as(BOB, 'POST', `/admin/v1/rollout/changes/${asked.body.changeId}/approve`, { body: {} });
    expect(approved.body.regions.VE).toMatchObject({ mode: 'enforce', notice: 'skipped' });
    expect(approved.body.regions.VE.upcoming).toBeUndefined();
    expect(approved.body.changes.VE[0]).toMatchObject({ mode: 'enforce', notice: 'skipped' });
    expect((await decisionIn('VE')).mode).toBe('enforce');
  });
});
