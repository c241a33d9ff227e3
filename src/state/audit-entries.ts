/**
 * The audit entries of an account's admin changes, as pure functions of the
 * change: what the HouseholdStore stores with the change (in its outbox, in
 * the same batch) on its way to the ControlStore's log (audit-log.ts).
 *
 * Every target names the account as `accounts/<accountId>/…`, which is what
 * an erase redacts — here for an entry still waiting in the outbox
 * (`redactedEntry`), in the log for one already delivered.
 */
import type { ExtraMember, SupportGrant } from '../household/household';
import type { AuditInput } from './audit-log';

/** Who made an admin change, and why. */
export interface AuditActor {
  actor: string;
  note?: string | null;
}

const MS_PER_DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A support grant given: for whom, for how many days, until when; the grant's reason as the note. */
export function grantCreated(accountId: string, grant: SupportGrant, by: AuditActor, now: number): AuditInput {
  return {
    actor: by.actor,
    action: 'grant.create',
    target: `accounts/${accountId}/grants/${grant.grantId}`,
    before: null,
    after: { deviceId: grant.deviceId, days: Math.round((grant.expiresAt - now) / MS_PER_DAY), expiresAt: iso(grant.expiresAt) },
    note: grant.reason,
  };
}

/** A support grant ended before its time: what it was. */
export function grantEnded(accountId: string, grant: SupportGrant, by: AuditActor): AuditInput {
  return {
    actor: by.actor,
    action: 'grant.end',
    target: `accounts/${accountId}/grants/${grant.grantId}`,
    before: { deviceId: grant.deviceId, expiresAt: iso(grant.expiresAt), reason: grant.reason },
    after: null,
    note: by.note ?? null,
  };
}

/** A device given an extra-member slot. */
export function extraMemberAdded(accountId: string, member: ExtraMember, by: AuditActor): AuditInput {
  return {
    actor: by.actor,
    action: 'extra-member.add',
    target: `accounts/${accountId}/extra-members/${member.deviceId}`,
    before: null,
    after: { deviceId: member.deviceId, label: member.label, addedAt: iso(member.addedAt) },
    note: by.note ?? null,
  };
}

/** A device's extra-member slot freed. */
export function extraMemberRemoved(accountId: string, deviceId: string, by: AuditActor): AuditInput {
  return { actor: by.actor, action: 'extra-member.remove', target: `accounts/${accountId}/extra-members/${deviceId}`, before: { deviceId }, after: null, note: by.note ?? null };
}

/** An account erased: under its pseudonym only, with how much was held (null: nothing was). */
export function accountErased(pseudonym: string, counts: Record<string, number> | null, by: AuditActor): AuditInput {
  return { actor: by.actor, action: 'account.erase', target: `accounts/${pseudonym}`, before: counts, after: null, note: by.note ?? null };
}

/** An entry as it may leave after its account was erased: one naming the account keeps its actor, action and time only. */
export function redactedEntry(entry: AuditInput, accountId: string, pseudonym: string): AuditInput {
  const names = entry.target === `accounts/${accountId}` || entry.target.startsWith(`accounts/${accountId}/`);
  if (!names) return entry;
  return { ...entry, target: `accounts/${pseudonym}`, before: null, after: null, note: null };
}

/** Away access the owner gave a device with their code (contract §6): the code is the evidence, so the actor is the owner. */
export function awayAccessGiven(accountId: string, deviceId: string, days: number, until: number): AuditInput {
  return { actor: 'account-owner (code)', action: 'away-access.give', target: `accounts/${accountId}/away-access/${deviceId}`, before: null, after: { deviceId, days, until: iso(until) }, note: null };
}

/** Away access support ended before its time. */
export function awayAccessEnded(accountId: string, deviceId: string, until: number, by: AuditActor): AuditInput {
  return { actor: by.actor, action: 'away-access.end', target: `accounts/${accountId}/away-access/${deviceId}`, before: { deviceId, until: iso(until) }, after: null, note: by.note ?? null };
}

/** A second home set or removed with the owner's code. */
export function secondHomeChanged(accountId: string, change: 'set' | 'remove', home: { homeId: string; anchorDeviceId: string | null }): AuditInput {
  const target = `accounts/${accountId}/second-homes/${home.homeId}`;
  return change === 'set'
    ? { actor: 'account-owner (code)', action: 'second-home.set', target, before: null, after: { anchorDeviceId: home.anchorDeviceId }, note: null }
    : { actor: 'account-owner (code)', action: 'second-home.remove', target, before: { anchorDeviceId: home.anchorDeviceId }, after: null, note: null };
}
