/**
 * NetworkSharing: one Durable Object per network id, counting how many
 * households held that network as home within the trust window (contract §3,
 * "shared networks"). A network held by more than `SHARED_NETWORK_HOUSEHOLDS`
 * households is shared: a carrier-grade NAT pool, a campus, a hotel.
 *
 * What it holds: one row per household, `(holder, held_at)`, where the holder
 * is a keyed hash of the network id and the account id (`h1.…`, computed at
 * the edge with the network hash key). No account id, device id or address
 * reaches this object, and the same household has unrelated holder ids on two
 * networks, so no two objects can be joined. Rows older than the trust
 * window are deleted on every call and by the alarm; an object nobody holds
 * any more empties itself.
 *
 * Who calls it: an account's HouseholdStore, when a visit adds or confirms a
 * home network whose count is due (at most once per `seenWriteIntervalMs` — a
 * day at production settings — per household and network), and on erase.
 *
 * Scale: one call and one row write per household-network-day. A /24 behind a
 * carrier-grade NAT pool that 10 000 households call home costs 10 000 calls a
 * day (about one every 9 s) and 10 000 rows of about 40 bytes — far below what
 * one object serves. The count is a `COUNT(*)` over an indexed table.
 */
import { DurableObject } from 'cloudflare:workers';
import { noteVersion } from '../version';
import { HOLDER_ID, type HolderId, type NetworkId } from '../network/network-id';
import { networkObjectName } from './object-names';
import { NETWORK_MIGRATIONS, SqlSchema } from './sql-schema';

export function networkSharing(bindings: { NETWORKS: DurableObjectNamespace<NetworkSharing> }, networkId: NetworkId): DurableObjectStub<NetworkSharing> {
  return bindings.NETWORKS.get(bindings.NETWORKS.idFromName(networkObjectName(networkId)));
}

export class NetworkSharing extends DurableObject<Record<string, unknown>> {
  readonly #sql: SqlStorage;
  /**
   * Whether the tables exist. An object that empties itself (`deleteAll`)
   * drops them while it stays in memory: a later call must neither fail on a
   * missing table nor, when it only reads, create storage again.
   */
  #tables = false;
  readonly #schema: SqlSchema;

  constructor(ctx: DurableObjectState, env: Record<string, unknown>) {
    super(ctx, env);
    noteVersion(env);
    this.#sql = ctx.storage.sql;
    this.#schema = new SqlSchema(ctx.storage, NETWORK_MIGRATIONS);
    // A network nobody has held is left without storage until its first hold (storage-schema.md).
    ctx.blockConcurrencyWhile(async () => {
      this.#tables = this.#schema.open({ whenEmpty: 'wait' }) > 0;
    });
  }

  /** Creates the tables before a write. */
  #writable(): void {
    if (this.#tables) return;
    this.#schema.ensure();
    this.#tables = true;
  }

  /** Deletes everything this object holds, its alarm included. */
  async #empty(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.#schema.emptied();
    this.#tables = false;
  }

  /**
   * This household holds the network as home now. Answers how many distinct
   * households held it within `trustWindowMs`, this one included.
   */
  async hold(holderId: HolderId, trustWindowMs: number): Promise<number> {
    if (!HOLDER_ID.test(holderId)) throw new TypeError('a holder id is h1. and 22 base64url characters');
    if (!Number.isSafeInteger(trustWindowMs) || trustWindowMs <= 0) throw new RangeError('the trust window is a positive number of ms');
    const now = Date.now();
    this.#writable();
    // Written only when it changes: a call costs its holder's row, not a settings row too.
    this.#sql.exec('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value WHERE value != excluded.value', 'trustWindowMs', trustWindowMs);
    this.#sql.exec('DELETE FROM holders WHERE held_at <= ?', now - trustWindowMs);
    this.#sql.exec('INSERT INTO holders (holder, held_at) VALUES (?, ?) ON CONFLICT (holder) DO UPDATE SET held_at = excluded.held_at', holderId, now);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now + trustWindowMs);
    return this.households();
  }

  /** The household no longer holds the network (its account was erased). */
  async release(holderId: HolderId): Promise<void> {
    if (!this.#tables) return;
    this.#sql.exec('DELETE FROM holders WHERE holder = ?', holderId);
    if (this.households() === 0) await this.#empty();
  }

  /** Households holding the network now (rows inside the trust window; older ones are pruned before every count). */
  households(): number {
    if (!this.#tables) return 0;
    return this.#sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM holders').one().n;
  }

  /** Prunes rows past the trust window; wakes again when the oldest left expires, or empties the object. */
  override async alarm(): Promise<void> {
    const window = this.#tables ? this.#sql.exec<{ value: number }>("SELECT value FROM settings WHERE name = 'trustWindowMs'").toArray()[0]?.value : undefined;
    if (window === undefined) return this.#empty();
    const now = Date.now();
    this.#sql.exec('DELETE FROM holders WHERE held_at <= ?', now - window);
    const oldest = this.#sql.exec<{ at: number | null }>('SELECT MIN(held_at) AS at FROM holders').one().at;
    if (oldest === null) await this.#empty();
    else await this.ctx.storage.setAlarm(oldest + window);
  }
}
