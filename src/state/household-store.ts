/**
 * HouseholdStore: one Durable Object per account, the single writer of that
 * household. Every change is serialised here, kept in the object's SQLite
 * storage, and written through to the KV read model. Counters that must be
 * exact (code attempts, travel grants, location changes) live here too.
 */
import { DurableObject } from 'cloudflare:workers';
import { applyVisit, emptyHousehold, type Household, type HouseholdLimits, type Visit } from '../household/household';
import { householdKey } from './kv-keys';
import { KvPublisher } from './kv-publisher';

const HOUSEHOLD = 'household';

export interface HouseholdStoreEnv {
  HEARTH_KV: KVNamespace;
}

export class HouseholdStore extends DurableObject<HouseholdStoreEnv> {
  #household: Household | null | undefined;
  readonly #publisher: KvPublisher;

  constructor(ctx: DurableObjectState, env: HouseholdStoreEnv) {
    super(ctx, env);
    this.#publisher = new KvPublisher(ctx.storage, env.HEARTH_KV);
  }

  /** The household as stored here (the source of truth), or null when nothing is known. */
  async household(): Promise<Household | null> {
    if (this.#household === undefined) {
      this.#household = (await this.ctx.storage.get<Household>(HOUSEHOLD)) ?? null;
    }
    return this.#household;
  }

  /** Remembers one playback request; returns the household after it. */
  async recordVisit(accountId: string, visit: Visit, limits: HouseholdLimits): Promise<Household> {
    const current = (await this.household()) ?? emptyHousehold(accountId, visit.at);
    return this.save(applyVisit(current, visit, limits));
  }

  protected async save(household: Household): Promise<Household> {
    this.#household = household;
    await this.ctx.storage.put(HOUSEHOLD, household);
    await this.#publisher.publish(householdKey(household.accountId), household, Date.now());
    return household;
  }

  override async alarm(): Promise<void> {
    const household = await this.household();
    if (household) await this.#publisher.flush(householdKey(household.accountId), household, Date.now());
  }
}
