/**
 * The household as a HouseholdStore keeps it: the household document (the
 * source of truth), after an erase the erase floor in its place, and the
 * networks the household left while its row in their sharing count may
 * remain. `save` is the one way a change is stored: the household, what KV
 * and the audit log are owed, and any extra records go in one atomic batch,
 * then publishing pays what is owed (household-publishing.ts).
 */
import { fromHouseholdDocument, toHouseholdDocument, type Household, type HouseholdDocument, type LegacyHouseholdDocument } from '../household/household';
import { carryEraseFloor, floorHousehold, type EraseFloor } from '../household/erase-floor';
import { formerNetworksWithin, noteFormerNetworks, type FormerNetwork } from '../household/former-networks';
import type { HouseholdPublishing, HouseholdView } from './household-publishing';
import type { AuditDelivery } from './household-store-api';
import type { SqlSchema } from './sql-schema';

const HOUSEHOLD = 'household';
/** After an erase, the floor against the account's older tokens (household/erase-floor.ts); nothing else is kept. */
export const ERASE_FLOOR = 'erase:floor';
/** Networks the household held and left while its row in their sharing count may remain (household/former-networks.ts). */
const FORMER_NETWORKS = 'networks:former';

export class HouseholdRecord implements HouseholdView {
  #household: Household | null | undefined;
  #floor: EraseFloor | null | undefined;
  #formerNetworks: readonly FormerNetwork[] | undefined;
  readonly #storage: DurableObjectStorage;
  readonly #schema: SqlSchema;
  readonly #publishing: () => HouseholdPublishing;

  constructor(storage: DurableObjectStorage, schema: SqlSchema, publishing: () => HouseholdPublishing) {
    this.#storage = storage;
    this.#schema = schema;
    this.#publishing = publishing;
  }

  /** The household as stored here (the source of truth), or null when nothing is known (or the account was erased). */
  async household(): Promise<Household | null> {
    if (this.#household === undefined) {
      const stored = await this.#storage.get<HouseholdDocument | LegacyHouseholdDocument>(HOUSEHOLD);
      this.#household = stored ? fromHouseholdDocument(stored) : null;
    }
    return this.#household;
  }

  /**
   * What the edge decides on: the household, or after an erase its floor (a
   * household with nothing in it but `signedOutBefore`), or null.
   */
  async snapshot(accountId: string): Promise<Household | null> {
    const household = await this.household();
    if (household) return household;
    const floor = await this.eraseFloor();
    return floor && floorHousehold(accountId, floor);
  }

  /** The erase floor kept in place of an erased household, or null. */
  async eraseFloor(): Promise<EraseFloor | null> {
    if (this.#floor === undefined) this.#floor = (await this.#storage.get<EraseFloor>(ERASE_FLOOR)) ?? null;
    return this.#floor;
  }

  /** The networks the household left that may still count it. */
  async formerNetworks(): Promise<readonly FormerNetwork[]> {
    this.#formerNetworks ??= (await this.#storage.get<FormerNetwork[]>(FORMER_NETWORKS)) ?? [];
    return this.#formerNetworks;
  }

  /**
   * Stores the household, the mark that KV owes it, its audit entries and any
   * `extra` records as one atomic batch; then publishes and delivers.
   *
   * A household made after an erase takes in the erase floor (in place, so
   * the caller's copy is the one stored), and the floor's own record goes in
   * the same batch. Home networks the change drops are noted as former
   * networks; given the trust window, those older than it are let go.
   */
  async save(household: Household, audit: Array<Omit<AuditDelivery, 'origin' | 'at'>> = [], extra: Record<string, unknown> = {}, trustWindowMs?: number): Promise<Household> {
    const now = Date.now();
    const floor = await this.eraseFloor();
    if (floor) carryEraseFloor(household, floor);
    const formerBefore = await this.formerNetworks();
    const noted = noteFormerNetworks(formerBefore, await this.household(), household);
    const former = trustWindowMs === undefined ? noted : formerNetworksWithin(noted, trustWindowMs, now);
    this.#schema.ensure();
    if (floor) void this.#storage.delete(ERASE_FLOOR);
    await this.#storage.put({
      ...extra,
      [HOUSEHOLD]: toHouseholdDocument(household),
      ...(former === formerBefore ? {} : { [FORMER_NETWORKS]: former }),
      ...this.#publishing().owed(household.accountId, audit, now),
    });
    this.#household = household;
    this.#floor = null;
    this.#formerNetworks = former;
    await this.#publishing().afterChange(now);
    return household;
  }

  /** The account was erased: the floor stands in for the household, which left no former networks behind. */
  erased(floor: EraseFloor): void {
    this.#household = null;
    this.#floor = floor;
    this.#formerNetworks = [];
  }

  emptied(): void {
    this.#floor = null;
    this.#formerNetworks = [];
  }
}
