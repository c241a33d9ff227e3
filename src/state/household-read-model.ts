/**
 * The edge's view of households: the KV snapshot, cached per isolate for a
 * few seconds, with the account's Durable Object as the source of truth for
 * the rare answers that must not be stale (a challenge or a deny) and as the
 * destination of every write.
 *
 * KV can lag other locations by up to a minute. An allow from a stale
 * snapshot is safe to serve; a "no" is confirmed with the Durable Object
 * first. When this isolate writes, it keeps the snapshot the object returns,
 * so its own next request sees the change at once.
 */
import { BoundedCache } from '../cache/bounded-cache';
import { floorHousehold, isEraseFloorDocument, type EraseFloorDocument } from '../household/erase-floor';
import { fromHouseholdDocument, toHouseholdDocument, type Household, type HouseholdDocument, type HouseholdLimits, type Visit } from '../household/household';
import type { HouseholdStore, VisitPlace } from './household-store';
import { err, ok, type Ok, type Result } from '../result';
import { householdKey } from './kv-keys';
import { householdObjectName } from './object-names';

/**
 * How long an isolate reuses a household snapshot before reading KV again.
 * With KV's own propagation (up to about a minute), this bounds how long a
 * change made elsewhere (a sign-out, a grant's end) takes to reach this isolate.
 */
export const SNAPSHOT_CACHE_MS = 30_000;
const SNAPSHOT_CACHE_ENTRIES = 50_000;
/** The snapshots of one isolate hold at most this many bytes of JSON (isolates have 128 MB). */
export const SNAPSHOT_CACHE_BYTES = 24 * 1024 * 1024;
/** Weight of a remembered "no household" answer. */
const ABSENT_SNAPSHOT_BYTES = 64;
/**
 * A snapshot read straight from the Durable Object is taken as confirmed for
 * this long: a device refused moments ago is refused again from it without
 * another call to the object, so a flood of refused requests costs one
 * object call per account per isolate per this interval, not one per
 * request. The price: a code verified through another isolate reaches this
 * one's refusals up to this much later (the verifying isolate sees it at once).
 */
export const CONFIRMATION_REUSE_MS = 2_000;

export interface HouseholdBindings {
  HEARTH_KV: KVNamespace;
  HOUSEHOLDS: DurableObjectNamespace<HouseholdStore>;
}

/**
 * A household as the edge read it: the household (null: none yet), or
 * STATE_UNAVAILABLE when neither KV nor the account's Durable Object answered.
 */
export type HouseholdRead = Result<Household | null, { reason: 'STATE_UNAVAILABLE' }>;

const UNAVAILABLE: HouseholdRead = err({ reason: 'STATE_UNAVAILABLE' });

/**
 * What every store change answers with: a Result whose value carries the
 * household as the change left it (null: nothing changed), for `change()` to keep.
 */
export type HouseholdChange = Result<{ household: Household | null }, unknown>;

/**
 * The read model's own traffic since the isolate started: KV reads, Durable
 * Object reads and visit writes. Plain counts, kept always (an increment per
 * call); `GET /gate/dev/stats` shows them for the benchmark and the cost
 * simulation.
 */
export interface ReadModelTraffic {
  kvReads: number;
  visitWrites: number;
  /** Reads straight from the account's Durable Object (a "no" confirmed, or KV failing). */
  storeReads: number;
  /** Visits that made the account's Durable Object read a network's sharing count (one call to that network's object). */
  sharingReads: number;
  /** Visits written for the anchor TV's quarter-window throttle: the TV at home, or its address on a shared network. */
  anchorWrites: number;
}

export class HouseholdReadModel {
  readonly #snapshots = new BoundedCache<string, Ok<Household | null>>(SNAPSHOT_CACHE_ENTRIES, SNAPSHOT_CACHE_BYTES);
  /** Accounts whose cached snapshot came from the Durable Object within CONFIRMATION_REUSE_MS. */
  readonly #confirmed = new BoundedCache<string, true>(SNAPSHOT_CACHE_ENTRIES);
  readonly #traffic: ReadModelTraffic = { kvReads: 0, visitWrites: 0, storeReads: 0, sharingReads: 0, anchorWrites: 0 };

  constructor(private readonly bindings: HouseholdBindings) {}

  /** This isolate's read-model traffic so far (a copy). */
  get traffic(): ReadModelTraffic {
    return { ...this.#traffic };
  }

  get cachedHouseholds(): number {
    return this.#snapshots.size;
  }

  /** Bytes of JSON the cached snapshots stand for. */
  get cachedBytes(): number {
    return this.#snapshots.weight;
  }

  store(accountId: string): DurableObjectStub<HouseholdStore> {
    return this.bindings.HOUSEHOLDS.get(this.bindings.HOUSEHOLDS.idFromName(householdObjectName(accountId)));
  }

  /** The snapshot for the hot path: cache, else KV, else (KV failing) the Durable Object. */
  async read(accountId: string, now: number): Promise<HouseholdRead> {
    const cached = this.#snapshots.get(accountId, now);
    if (cached !== undefined) return cached;
    try {
      this.#traffic.kvReads += 1;
      const text = await this.bindings.HEARTH_KV.get(householdKey(accountId), 'text');
      const snapshot = text === null ? null : fromSnapshotDocument(accountId, JSON.parse(text) as HouseholdDocument | EraseFloorDocument);
      this.remember(accountId, snapshot, now, false, text?.length);
      return ok(snapshot);
    } catch {
      return this.confirm(accountId, now);
    }
  }

  /** Whether this isolate's snapshot of the account came from its Durable Object within CONFIRMATION_REUSE_MS. */
  recentlyConfirmed(accountId: string, now: number): boolean {
    return this.#confirmed.get(accountId, now) !== undefined;
  }

  /** The household (or an erased account's floor) from its Durable Object, bypassing KV and the cache. */
  async confirm(accountId: string, now: number): Promise<HouseholdRead> {
    try {
      this.#traffic.storeReads += 1;
      const household = await this.store(accountId).snapshot(accountId);
      this.remember(accountId, household, now, true);
      return ok(household);
    } catch {
      return UNAVAILABLE;
    }
  }

  /**
   * The one way a route changes a household: runs `operation` on the account's
   * Durable Object and keeps the household a successful answer carries (its
   * `value.household`; null when nothing changed), so this isolate's next
   * request decides on the change at once rather than on a snapshot from before it.
   */
  async change<Answer extends HouseholdChange>(accountId: string, operation: (store: DurableObjectStub<HouseholdStore>) => Promise<Answer>): Promise<Answer> {
    const answer = await operation(this.store(accountId));
    if (answer.ok && answer.value.household) this.remember(accountId, answer.value.household, Date.now(), true);
    return answer;
  }

  /** Sends a visit to the account's Durable Object and keeps what it returns. */
  async recordVisit(accountId: string, visit: Visit, limits: HouseholdLimits, place: VisitPlace): Promise<void> {
    this.#traffic.visitWrites += 1;
    const household = await this.store(accountId).recordVisit(accountId, visit, limits, place);
    this.remember(accountId, household, Date.now(), true);
    // What the write did, read off its result (the network's check and the TV's address carry the visit's time).
    const network = household.homeNetworks.find((home) => home.networkId === visit.networkId);
    if (network?.checkedAt === visit.at) this.#traffic.sharingReads += 1;
    const tvAtHome = visit.deviceType === 'tv' && household.anchorDeviceId === visit.deviceId && household.devices.get(visit.deviceId)?.lastHomeSeenAt === visit.at;
    if (tvAtHome || network?.anchorAddresses.some((address) => address.lastSeenAt === visit.at)) this.#traffic.anchorWrites += 1;
  }

  /**
   * Keeps `household` unless a newer revision is already cached. `authoritative`
   * snapshots (straight from the Durable Object) always replace what is held.
   */
  remember(accountId: string, household: Household | null, now: number, authoritative = false, bytes?: number): void {
    if (!authoritative) {
      const held = this.#snapshots.get(accountId, now);
      if (held?.value && (!household || held.value.revision > household.revision)) return;
    }
    const weight = bytes ?? (household ? JSON.stringify(toHouseholdDocument(household)).length : ABSENT_SNAPSHOT_BYTES);
    this.#snapshots.set(accountId, ok(household), now + SNAPSHOT_CACHE_MS, Math.max(weight, ABSENT_SNAPSHOT_BYTES));
    if (authoritative) this.#confirmed.set(accountId, true, now + CONFIRMATION_REUSE_MS);
    else this.#confirmed.delete(accountId);
  }

  forget(accountId: string): void {
    this.#snapshots.delete(accountId);
    this.#confirmed.delete(accountId);
  }
}

/** What KV holds under an account's household key: its household, or after an erase the floor alone (read as a household with nothing in it). */
function fromSnapshotDocument(accountId: string, document: HouseholdDocument | EraseFloorDocument): Household {
  return isEraseFloorDocument(document) ? floorHousehold(accountId, document.eraseFloor) : fromHouseholdDocument(document);
}
