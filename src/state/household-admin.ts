/**
 * What support does to one household through the admin API: support grants,
 * extra members, ending away access early, and erasing the account. Every
 * change is saved with its audit entry in the same batch (household-record.ts);
 * an erase leaves only the erase floor and redacts the account's entries
 * still waiting to leave.
 */
import { emptyHousehold, type Household, type HouseholdLimits, type SupportGrant } from '../household/household';
import { addExtraMember, addSupportGrant, endSupportGrant, removeExtraMember, type ExtraMemberChange } from '../household/transitions';
import { eraseFloor } from '../household/erase-floor';
import { formerNetworksWithin, type FormerNetwork } from '../household/former-networks';
import { endAwayAccess } from '../household/away-access';
import { CLOCK_SKEW_SECONDS } from '../identity/jwt-verifier';
import type { HolderId, NetworkId } from '../network/network-id';
import { MS_PER_SECOND } from '../time';
import { err, ok, type Ok, type Result } from '../result';
import { accountErased, awayAccessEnded, extraMemberAdded, extraMemberRemoved, grantCreated, grantEnded, type AuditActor } from './audit-entries';
import type { HouseholdEvents } from './household-events';
import type { HouseholdFeedback } from './household-feedback';
import { redactDelivery, type HouseholdPublishing } from './household-publishing';
import { ERASE_FLOOR, type HouseholdRecord } from './household-record';
import type { AuditDelivery, ExtraMemberRemoval, SupportGrantChange } from './household-store-api';
import type { HouseholdStoreEnv } from './household-store-env';
import { networkSharing } from './network-sharing';
import type { ProofLedger } from './proof-ledger';
import type { SqlSchema } from './sql-schema';
import { logged } from '../version';

/** How long after its `iat` a device token is still accepted: its maximum age and the clock skew tolerated (whole seconds, rounded up). */
function tokenLifetimeMs(limits: Pick<HouseholdLimits, 'tokenMaxAgeMs'>): number {
  return limits.tokenMaxAgeMs + (CLOCK_SKEW_SECONDS + 1) * MS_PER_SECOND;
}

/** The parts of the object support's changes work with. */
export interface AdminParts {
  storage: DurableObjectStorage;
  env: HouseholdStoreEnv;
  record: HouseholdRecord;
  publishing: HouseholdPublishing;
  events: HouseholdEvents;
  proofs: ProofLedger;
  /** What refused devices said (contract §8): an erase removes it. */
  feedback: HouseholdFeedback;
  schema: SqlSchema;
}

export class HouseholdAdmin {
  readonly #parts: AdminParts;

  constructor(parts: AdminParts) {
    this.#parts = parts;
  }

  /** Adds a support grant, audited with the change. */
  async addSupportGrant(accountId: string, grant: Omit<SupportGrant, 'grantId' | 'createdAt' | 'actor'>, by: AuditActor): Promise<Ok<SupportGrantChange>> {
    const { record } = this.#parts;
    const now = Date.now();
    const current = (await record.household()) ?? emptyHousehold(accountId, now);
    const full: SupportGrant = { ...grant, actor: by.actor, grantId: crypto.randomUUID(), createdAt: now };
    const audit = grantCreated(accountId, full, by, now);
    return ok({ grant: full, household: await record.save(addSupportGrant(current, full, now), [{ entry: audit }]) });
  }

  /** Ends a support grant, audited with the change; GRANT_NOT_FOUND when the account holds no such grant. */
  async endSupportGrant(grantId: string, by: AuditActor): Promise<Result<SupportGrantChange, { reason: 'GRANT_NOT_FOUND' }>> {
    const { record } = this.#parts;
    const current = await record.household();
    const grant = current?.supportGrants.find((g) => g.grantId === grantId);
    const next = current && endSupportGrant(current, grantId, Date.now());
    if (!current || !grant || !next) return err({ reason: 'GRANT_NOT_FOUND' });
    const audit = grantEnded(current.accountId, grant, by);
    return ok({ grant, household: await record.save(next, [{ entry: audit }]) });
  }

  /** Gives a device an extra-member slot, audited with the change. Adding a member again changes nothing. */
  async addExtraMember(accountId: string, deviceId: string, label: string | null, slots: number, by: AuditActor): Promise<ExtraMemberChange> {
    const { record } = this.#parts;
    const now = Date.now();
    const change = addExtraMember((await record.household()) ?? emptyHousehold(accountId, now), deviceId, label, slots, now);
    if (change.ok && change.value.added) {
      await record.save(change.value.household, [{ entry: extraMemberAdded(accountId, change.value.household.extraMembers.get(deviceId)!, by) }]);
    }
    return change;
  }

  /** Frees an extra-member slot, audited with the change; EXTRA_MEMBER_NOT_FOUND when the device held none. */
  async removeExtraMember(deviceId: string, by: AuditActor): Promise<ExtraMemberRemoval> {
    const { record } = this.#parts;
    const current = await record.household();
    const next = current && removeExtraMember(current, deviceId, Date.now());
    if (!current || !next) return err({ reason: 'EXTRA_MEMBER_NOT_FOUND' });
    const audit = extraMemberRemoved(current.accountId, deviceId, by);
    return ok({ household: await record.save(next, [{ entry: audit }]) });
  }

  /** Support ends a device's away access early, audited with the change; AWAY_ACCESS_NOT_FOUND when it holds none. */
  async endAwayAccess(deviceId: string, by: AuditActor): Promise<Result<{ household: Household }, { reason: 'AWAY_ACCESS_NOT_FOUND' }>> {
    const { record } = this.#parts;
    const now = Date.now();
    const current = await record.household();
    const until = current?.devices.get(deviceId)?.awayAccessUntil ?? null;
    const next = current && endAwayAccess(current, deviceId, now);
    if (!current || !next || until === null) return err({ reason: 'AWAY_ACCESS_NOT_FOUND' });
    return ok({ household: await record.save(next, [{ entry: awayAccessEnded(current.accountId, deviceId, until, by) }]) });
  }

  /** Erases everything held about the account but the erase floor (HouseholdStore.erase says what and why). */
  async erase(accountId: string, by: AuditActor, limits: Pick<HouseholdLimits, 'tokenMaxAgeMs' | 'trustWindowMs'>): Promise<{ existed: boolean; counts: Record<string, number> | null }> {
    const { storage, record, publishing, events, proofs, feedback, schema } = this.#parts;
    const before = await record.household();
    const former = await record.formerNetworks();
    const earlierFloor = await record.eraseFloor();
    const now = Date.now();
    const floor = eraseFloor(now, tokenLifetimeMs(limits), Math.max(before?.revision ?? 0, earlierFloor?.revision ?? 0));
    const pseudonym = `erased-${crypto.randomUUID().slice(0, 8)}`;
    const counts = before ? { devices: before.devices.size, homeNetworks: before.homeNetworks.length, grants: before.supportGrants.length, extraMembers: before.extraMembers.size } : null;
    const waiting = await publishing.waitingAudit();
    const keys = [...(await storage.list()).keys()].filter((key) => !waiting.has(key) && key !== ERASE_FLOOR);
    const redacted: Record<string, AuditDelivery> = {};
    for (const [key, delivery] of waiting) redacted[key] = redactDelivery(delivery, accountId, pseudonym);
    // The KV mark for the floor, and the erase's own audit entry (redacting the account's earlier entries).
    const owed = publishing.owed(accountId, [{ entry: accountErased(pseudonym, counts, by), redact: { accountId, pseudonym } }], now);
    schema.ensure();
    // One batch (no await in between): everything goes but the floor; the KV write (the floor) and the audit entry are owed.
    for (let i = 0; i < keys.length; i += 128) void storage.delete(keys.slice(i, i + 128));
    await storage.put({ ...redacted, ...owed, [ERASE_FLOOR]: floor });
    record.erased(floor);
    if (publishing.proofsStored()) proofs.clear();
    feedback.clear();
    events.forget();
    await publishing.afterChange(now);
    // After the erase has landed, so a slow network object never holds it up.
    await this.#releaseNetworks(before, formerNetworksWithin(former, limits.trustWindowMs, now));
    return { existed: before !== null, counts };
  }

  /**
   * Takes the household out of the sharing counts of its home networks and of
   * the networks it left within the trust window (erase). Best effort: a count
   * not reached forgets the household by itself once the trust window has
   * passed, and never held its account id.
   */
  async #releaseNetworks(household: Household | null, former: readonly FormerNetwork[]): Promise<void> {
    const holders = new Map<HolderId, NetworkId>();
    for (const network of former) holders.set(network.holderId, network.networkId);
    for (const network of household?.homeNetworks ?? []) if (network.holderId !== undefined) holders.set(network.holderId, network.networkId);
    const results = await Promise.allSettled([...holders].map(([holderId, networkId]) => networkSharing(this.#parts.env, networkId).release(holderId)));
    if (results.some((result) => result.status === 'rejected')) console.error(logged({ event: 'network_sharing_release_failed' }));
  }
}
