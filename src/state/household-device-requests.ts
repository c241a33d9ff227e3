/**
 * What a HouseholdStore does for a device's own requests: remembers a
 * playback visit (reading the network's sharing count when it is due),
 * accepts a DPoP proof once, and tells the owner of a token that came with
 * another key. A token the household refuses (signed out, another key)
 * changes nothing. Codes, moves and sign-outs are household-codes.ts's.
 */
import { isOtherKey, isSignedOut } from '../household/devices';
import { emptyHousehold, type Household, type HouseholdLimits, type SharingReading, type Visit } from '../household/household';
import { eventsOfChange, type HouseholdEventFinding } from '../household/events';
import { applyVisit, sharingCheckDue } from '../household/visits';
import type { HolderId, NetworkId } from '../network/network-id';
import { err, ok } from '../result';
import type { EventContext, HouseholdEventRecord, HouseholdEvents } from './household-events';
import type { HouseholdPublishing } from './household-publishing';
import type { HouseholdRecord } from './household-record';
import type { ProofAcceptance, ProofPresentation, VisitPlace } from './household-store-api';
import type { HouseholdStoreEnv } from './household-store-env';
import { networkSharing } from './network-sharing';
import type { ProofLedger } from './proof-ledger';
import type { SqlSchema } from './sql-schema';
import { logged } from '../version';

/** The legacy list of accepted `jti`s (v1.3, one per account): dropped once, the proof ledger replaces it. */
const LEGACY_PROOF_JTIS = 'proofs:jti';

/**
 * Reports this household on a network and reads back how many hold it.
 * A failure is logged and answered null: the visit is still recorded, the
 * network keeps its last answer, and the count is read at its next confirmation.
 */
export async function readSharing(env: HouseholdStoreEnv, networkId: NetworkId | null, holderId: HolderId | null, limits: HouseholdLimits): Promise<SharingReading | null> {
  if (networkId === null || holderId === null) return null;
  try {
    return { networkId, holderId, households: await networkSharing(env, networkId).hold(holderId, limits.trustWindowMs) };
  } catch (error) {
    console.error(logged({ event: 'network_sharing_unavailable', error: error instanceof Error ? error.name : 'unknown' }));
    return null;
  }
}

/** The parts of the object a device's requests work with. */
export interface DeviceRequestParts {
  storage: DurableObjectStorage;
  env: HouseholdStoreEnv;
  record: HouseholdRecord;
  publishing: HouseholdPublishing;
  events: HouseholdEvents;
  proofs: ProofLedger;
  schema: SqlSchema;
}

export class DeviceRequests {
  readonly #parts: DeviceRequestParts;
  #legacyJtisDropped = false;

  constructor(parts: DeviceRequestParts) {
    this.#parts = parts;
  }

  /**
   * Remembers one playback request; returns the household after it. When the
   * visit adds or confirms a home network whose sharing count is due, the
   * network's count is read first and kept with the network. A visit by a
   * token the household refuses changes nothing (see `VisitPlace`).
   */
  async recordVisit(accountId: string, visit: Visit, limits: HouseholdLimits, place: VisitPlace): Promise<Household> {
    const { record, events, env } = this.#parts;
    const refusing = await this.#refusing(accountId, visit.deviceId, place.issuedAtSeconds, place.keyThumbprint);
    if (refusing) return refusing;
    const before = (await record.household()) ?? emptyHousehold(accountId, visit.at);
    const reading = sharingCheckDue(before, visit, limits) ? await readSharing(env, visit.networkId, place.holderId, limits) : null;
    // Read again after the call out: another visit, a sign-out or an erase may have been saved meanwhile.
    const refusingNow = await this.#refusing(accountId, visit.deviceId, place.issuedAtSeconds, place.keyThumbprint);
    if (refusingNow) return refusingNow;
    const stored = await record.household();
    const current = stored ?? emptyHousehold(accountId, visit.at);
    const next = applyVisit(current, { ...visit, keyThumbprint: place.keyThumbprint ?? null }, limits, reading);
    // A visit that may not write (a stranger to the id, or no room in a full list) leaves nothing behind.
    if (next === current) return current;
    const staged = place.context ? await events.stage(accountId, eventsOfChange(stored, next), place.context, visit.at) : {};
    return record.save(next, [], staged, limits.trustWindowMs);
  }

  /**
   * The household (or erase floor) when it refuses a token issued at
   * `issuedAtSeconds` and bound to `keyThumbprint` for this device (signed
   * out, or the device is bound to another key); null when it does not, or
   * neither was given.
   */
  async #refusing(accountId: string, deviceId: string, issuedAtSeconds: number | undefined, keyThumbprint?: string | null): Promise<Household | null> {
    if (issuedAtSeconds === undefined && keyThumbprint === undefined) return null;
    const current = await this.#parts.record.snapshot(accountId);
    if (!current) return null;
    const signedOut = issuedAtSeconds !== undefined && isSignedOut(current, deviceId, issuedAtSeconds);
    const otherKey = keyThumbprint !== undefined && isOtherKey(current, deviceId, keyThumbprint);
    return signedOut || otherKey ? current : null;
  }

  /** Accepts a DPoP proof once for its device (HouseholdStore.acceptProof says why here). */
  async acceptProof(accountId: string, presented: ProofPresentation, now: number): Promise<ProofAcceptance> {
    const current = await this.#parts.record.snapshot(accountId);
    if (isSignedOut(current, presented.deviceId, presented.issuedAtSeconds)) return err({ reason: 'revoked' });
    if (isOtherKey(current, presented.deviceId, presented.keyThumbprint)) {
      if (presented.context) await this.noteKeyRefused(accountId, presented.deviceId, presented.context, now);
      return err({ reason: 'other-key' });
    }
    this.#dropLegacyJtis();
    const accepted = this.#parts.proofs.accept(presented.keyThumbprint, presented.deviceId, presented.jti, now);
    if (!accepted.ok) return accepted;
    await this.#parts.publishing.wakeForProofs();
    return ok({ household: null });
  }

  /**
   * A token for a bound device id came with another key or none (contract
   * §6): the owner hears of it, at most once per device and day. Nothing
   * else is written; a device not listed is not told of.
   */
  async noteKeyRefused(accountId: string, deviceId: string, context: EventContext, now: number): Promise<void> {
    const device = (await this.#parts.record.household())?.devices.get(deviceId);
    if (!device || device.keyThumbprint === null) return;
    await this.#saveEvents(accountId, [{ event: 'device_key_refused', deviceId, deviceType: device.type }], context, now);
  }

  /** The account's recent household events, newest first (support's account summary). */
  recentEvents(now: number): Promise<HouseholdEventRecord[]> {
    return this.#parts.events.recent(now);
  }

  /** Stores events that change nothing else, then sends them. */
  async #saveEvents(accountId: string, findings: HouseholdEventFinding[], context: EventContext, now: number): Promise<void> {
    const { events, schema, storage, publishing } = this.#parts;
    const entries = await events.stage(accountId, findings, context, now);
    if (Object.keys(entries).length === 0) return;
    schema.ensure();
    await storage.put(entries);
    await publishing.afterChange(now);
  }

  #dropLegacyJtis(): void {
    if (this.#legacyJtisDropped) return;
    this.#legacyJtisDropped = true;
    void this.#parts.storage.delete(LEGACY_PROOF_JTIS);
  }
}
