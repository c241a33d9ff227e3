/**
 * The audit entries of an account's admin changes (src/state/audit-entries.ts):
 * each names the account under `accounts/<id>/…` (what an erase redacts),
 * says what changed, and carries the actor's note; an erase's own entry
 * names only the pseudonym.
 */
import { describe, expect, it } from 'vitest';
import type { SupportGrant } from '../../../src/household/household';
import { accountErased, extraMemberAdded, extraMemberRemoved, grantCreated, grantEnded, redactedEntry } from '../../../src/state/audit-entries';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const grant: SupportGrant = { grantId: 'g-1', deviceId: 'tv', reason: 'moving house', actor: 'support@example.com', createdAt: T0, expiresAt: T0 + 7 * DAY };

describe('audit entries', () => {
  it('a grant given: its device, whole days and end, with its reason as the note', () => {
    expect(grantCreated('acct', grant, { actor: 'support@example.com', note: 'ignored' }, T0)).toEqual({
      actor: 'support@example.com',
      action: 'grant.create',
      target: 'accounts/acct/grants/g-1',
      before: null,
      after: { deviceId: 'tv', days: 7, expiresAt: '2026-01-08T00:00:00.000Z' },
      note: 'moving house',
    });
    // Days are rounded: a grant given a little after it was asked for still reads as its whole days.
    expect(grantCreated('acct', grant, { actor: 'a' }, T0 + 60_000).after).toMatchObject({ days: 7 });
  });

  it('a grant ended: what it was, and the note given (none: null)', () => {
    expect(grantEnded('acct', grant, { actor: 'ops@example.com' })).toEqual({
      actor: 'ops@example.com',
      action: 'grant.end',
      target: 'accounts/acct/grants/g-1',
      before: { deviceId: 'tv', expiresAt: '2026-01-08T00:00:00.000Z', reason: 'moving house' },
      after: null,
      note: null,
    });
    expect(grantEnded('acct', grant, { actor: 'ops@example.com', note: 'done early' }).note).toBe('done early');
  });

  it('an extra member added and removed', () => {
    expect(extraMemberAdded('acct', { deviceId: 'phone-2', label: 'Grandma', addedAt: T0 }, { actor: 'support', note: 'ticket 12' })).toEqual({
      actor: 'support',
      action: 'extra-member.add',
      target: 'accounts/acct/extra-members/phone-2',
      before: null,
      after: { deviceId: 'phone-2', label: 'Grandma', addedAt: '2026-01-01T00:00:00.000Z' },
      note: 'ticket 12',
    });
    expect(extraMemberRemoved('acct', 'phone-2', { actor: 'support' })).toEqual({
      actor: 'support',
      action: 'extra-member.remove',
      target: 'accounts/acct/extra-members/phone-2',
      before: { deviceId: 'phone-2' },
      after: null,
      note: null,
    });
  });

  it('an erase names the pseudonym only, with how much was held', () => {
    const entry = accountErased('erased-1a2b3c4d', { devices: 2, homeNetworks: 1, grants: 0, extraMembers: 0 }, { actor: 'privacy@example.com', note: 'request 7' });
    expect(entry).toEqual({
      actor: 'privacy@example.com',
      action: 'account.erase',
      target: 'accounts/erased-1a2b3c4d',
      before: { devices: 2, homeNetworks: 1, grants: 0, extraMembers: 0 },
      after: null,
      note: 'request 7',
    });
    expect(JSON.stringify(entry)).not.toContain('acct');
    expect(accountErased('erased-1a2b3c4d', null, { actor: 'a' }).before).toBeNull();
  });
});

describe('redactedEntry', () => {
  it('keeps only actor and action of an entry naming the account, under the pseudonym', () => {
    const entry = grantCreated('acct', grant, { actor: 'support@example.com' }, T0);
    expect(redactedEntry(entry, 'acct', 'erased-x')).toEqual({ actor: 'support@example.com', action: 'grant.create', target: 'accounts/erased-x', before: null, after: null, note: null });
    expect(redactedEntry({ ...entry, target: 'accounts/acct' }, 'acct', 'erased-x').target).toBe('accounts/erased-x');
  });

  it('leaves an entry about anything else as it is: another account whose id starts the same, a rule', () => {
    const other = grantCreated('acct-2', grant, { actor: 'a' }, T0);
    expect(redactedEntry(other, 'acct', 'erased-x')).toBe(other);
    const rule = { actor: 'a', action: 'rollout.set', target: 'rollout/PE', before: null, after: null, note: 'accounts/acct' };
    expect(redactedEntry(rule, 'acct', 'erased-x')).toBe(rule);
  });
});
