/**
 * Rollout changes in words (change-text.ts), as the console and the ops CLI
 * say them: when a previewed change applies, what a waiting change changes
 * from and to, an upcoming rule with its dates, and the refusals of approve
 * and reject with what to do next.
 */
import { describe, expect, it } from 'vitest';
import type { PendingChange, RolloutRule } from '../../../generated/admin-api';
import { describeApplies, describePendingChange, explainChangeRefusal, lengthWords, noticeWords, ruleWords, upcomingWords } from '../../../src/admin-client/change-text';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const HOUR_MS = 3_600_000;
const time = (instant: string) => `<${instant.slice(0, 16)}>`;

const waiting = (rule: PendingChange['rule'], extra: Partial<PendingChange> = {}): PendingChange => ({
  changeId: '5f0c1b9e-0000-4000-8000-000000000001',
  status: 'pending-approval',
  region: 'PE',
  rule,
  note: 'why',
  requestedBy: 'alice@ops',
  requestedAt: '2026-12-01T12:00:00.000Z',
  expiresAt: '2026-12-08T12:00:00.000Z',
  version: 3,
  ...extra,
});

describe('when a change applies', () => {
  it('says at once for a change that is not stricter, whatever the notice period', () => {
    expect(describeApplies({ at: new Date(NOW).toISOString(), stricter: false, approval: false }, NOW, time)).toBe('Applies at once.');
  });

  it('says the date after the notice on the public status page', () => {
    const at = new Date(NOW + 14 * 24 * HOUR_MS).toISOString();
    expect(describeApplies({ at, stricter: true, approval: false }, NOW, time)).toBe('Applies on <2026-12-15T12:00>, after 14 days on the public status page; the rule in force decides until then.');
  });

  it('says a second person approves first, then the notice, and the date if approved now', () => {
    const at = new Date(NOW + HOUR_MS).toISOString();
    expect(describeApplies({ at, stricter: true, approval: true }, NOW, time)).toBe(
      'Needs a second person’s approval first, then 1 hour on the public status page: it applies 1 hour after the approval (<2026-12-01T13:00> if approved now).',
    );
  });

  it('says a skipped notice applies at once — after the approval when one is needed', () => {
    const at = new Date(NOW + HOUR_MS).toISOString();
    expect(describeApplies({ at, stricter: true, approval: false }, NOW, time, { skipNotice: true })).toBe('Applies at once, without notice: audited, and the public status page says so.');
    expect(describeApplies({ at, stricter: true, approval: true }, NOW, time, { skipNotice: true })).toBe(
      'Needs a second person’s approval first: it applies as soon as another person with rollout:approve approves it.',
    );
  });
});

describe('a waiting change in words', () => {
  const rules: Record<string, RolloutRule> = {
    '*': { mode: 'monitor', percent: 100, failOpen: true },
    CL: { mode: 'challenge', percent: 10, failOpen: true, status: 'tripped' },
  };

  it('says what the region does now and what it would do', () => {
    expect(describePendingChange(waiting({ mode: 'enforce', percent: 100, failOpen: true }), rules)).toBe('PE: follows * (monitor) → enforce at 100 %');
    expect(describePendingChange(waiting({ mode: 'challenge', percent: 50, failOpen: true }, { region: 'CL' }), rules)).toBe(
      'CL: challenge at 10 % (tripped: monitor until resumed) → challenge at 50 %',
    );
    expect(describePendingChange(waiting({ mode: 'enforce', percent: 10, failOpen: true, stages: [{ percent: 10, hold: 'P1D' }, { percent: 100 }] }, { notice: 'skip' }), {})).toBe(
      'PE: follows * (no * rule: monitor) → enforce at 10 %, in stages 10 % for P1D, then 100 %, at once without notice once approved',
    );
  });

  it('says a deletion leaves the region following *', () => {
    expect(describePendingChange(waiting(null, { region: 'CL' }), { ...rules, '*': { mode: 'enforce', percent: 100, failOpen: true } })).toBe(
      'CL: challenge at 10 % (tripped: monitor until resumed) → its own rule deleted: follows * (enforce at 100 %)',
    );
  });
});

describe('an upcoming rule and its notice', () => {
  it('gives the date it applies, when it was announced, and who approved it', () => {
    const upcoming = { mode: 'enforce' as const, percent: 100, failOpen: true, effectiveAt: '2026-12-15T12:00:00.000Z', noticeFrom: '2026-12-01T12:00:00.000Z', approvedBy: 'bob@ops' };
    expect(upcomingWords(upcoming, time)).toBe('enforce at 100 % from <2026-12-15T12:00>, announced <2026-12-01T12:00>, approved by bob@ops');
    expect(upcomingWords({ ...upcoming, removes: true, approvedBy: undefined }, time)).toBe('its own rule removed (follows *) from <2026-12-15T12:00>, announced <2026-12-01T12:00>');
  });

  it('says a rule came without notice, and says nothing when none was needed', () => {
    expect(noticeWords('skipped')).toBe('without notice');
    expect(noticeWords('given')).toBe('after notice');
    expect(noticeWords('not-needed')).toBe('');
    expect(noticeWords(undefined)).toBe('');
  });

  it('writes modes that refuse nobody without a share, and lengths in words', () => {
    expect(ruleWords({ mode: 'monitor', percent: 100 })).toBe('monitor');
    expect(ruleWords({ mode: 'challenge', percent: 20 })).toBe('challenge at 20 %');
    expect([lengthWords(14 * 24 * HOUR_MS), lengthWords(HOUR_MS), lengthWords(90 * 60_000), lengthWords(60_000)]).toEqual(['14 days', '1 hour', '90 minutes', '1 minute']);
  });
});

describe('refusals of approve and reject', () => {
  it('says what happened and what to do next', () => {
    expect(explainChangeRefusal(403, { reason: 'SELF_APPROVAL' })).toBe('You asked for this change, so you cannot approve it: another person with the rollout:approve scope must. Nothing changed.');
    expect(explainChangeRefusal(409, { reason: 'CHANGE_OUTDATED', currentVersion: 9 })).toContain('(it is at version 9 now)');
    expect(explainChangeRefusal(409, { reason: 'CHANGE_OUTDATED', currentVersion: 9 })).toContain('its author asks for it again');
    expect(explainChangeRefusal(410, { reason: 'CHANGE_EXPIRED' })).toContain('Nobody approved this change within 7 days');
    expect(explainChangeRefusal(404, { reason: 'CHANGE_NOT_FOUND' })).toContain('someone approved or rejected it meanwhile');
  });

  it('leaves the refusals every answer shares (sign-in, scope) to the shared wording', () => {
    expect(explainChangeRefusal(403, { reason: 'SCOPE_REQUIRED', requiredScope: 'rollout:approve' })).toBeNull();
    expect(explainChangeRefusal(401, { reason: 'TOKEN_EXPIRED' })).toBeNull();
  });
});
