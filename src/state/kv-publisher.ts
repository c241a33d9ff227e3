/**
 * Writes a Durable Object's current document through to Workers KV so that
 * the last state always lands, without tripping KV's limit of one write per
 * second per key.
 *
 * KV is last-write-wins with no compare-and-set, so only the Durable Object
 * (the single writer of its key) publishes. The owner puts `pendingEntry()`
 * into the same storage batch as its change, so "KV owes this key the
 * current document" is durable the moment the change is. `publish()` then
 * tries at once (or, within a second of the last write, leaves it to the
 * alarm); a KV write that throws leaves the mark in place and the owner's
 * alarm retries with backoff until it lands. A change made while a write is
 * in flight replaces the mark, so the older write never clears it.
 *
 * A document that must not outlive a date (an erase floor) is written with
 * that date as its KV expiration, so KV drops it even if its owner never
 * writes again.
 */
import { Backoff, wakeBy } from './alarm';
import { logged } from '../version';

export const KV_MIN_WRITE_INTERVAL_MS = 1000;
/** KV refuses an expiration less than a minute ahead. */
const KV_MIN_EXPIRATION_TTL_SECONDS = 60;
const PENDING = 'kv:pending';
const LAST_PUBLISHED_AT = 'kv:lastPublishedAt';

interface PendingPublish {
  key: string;
  /** Identifies the change that set the mark; only a write started after it may clear it. */
  token: string;
}

export class KvPublisher {
  readonly #backoff = new Backoff();

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly kv: KVNamespace,
    /** The document to publish now; null deletes the key. */
    private readonly current: () => Promise<unknown | null>,
    /** When KV should drop the document by itself (epoch ms), if ever: a document that must not outlive a date. */
    private readonly expiresAt: (document: unknown) => number | null = () => null,
  ) {}

  /** Storage entries that mark `key` as owed to KV; put them in the same batch as the change. */
  pendingEntry(key: string): Record<string, PendingPublish> {
    return { [PENDING]: { key, token: crypto.randomUUID() } };
  }

  /** Whether KV still owes a write. */
  async isPending(): Promise<boolean> {
    return (await this.storage.get(PENDING)) !== undefined;
  }

  /**
   * Writes the owed document now, or schedules the alarm when the last write
   * was under a second ago or this one fails. Never throws: a failure is
   * logged and retried by the alarm.
   */
  async publish(now: number): Promise<void> {
    const pending = await this.storage.get<PendingPublish>(PENDING);
    if (!pending) return;
    const last = (await this.storage.get<number>(LAST_PUBLISHED_AT)) ?? 0;
    // The object's own clock, not only the caller's `now`: a caller may have read the clock before an await
    // during which another write landed. A last write still ahead of that (the clock set back) holds nothing
    // back: waiting for the clock to reach it could take any time.
    const clock = Math.max(now, Date.now());
    if (last <= clock && clock - last < KV_MIN_WRITE_INTERVAL_MS) {
      await wakeBy(this.storage, last + KV_MIN_WRITE_INTERVAL_MS);
      return;
    }
    // The safety net first: if this write fails or the object is evicted mid-write, the alarm retries.
    await wakeBy(this.storage, now + this.#backoff.delayMs());
    try {
      const document = await this.current();
      if (document === null) await this.kv.delete(pending.key);
      else await this.kv.put(pending.key, JSON.stringify(document), kvExpiry(this.expiresAt(document), now));
      this.#backoff.succeeded();
      const still = await this.storage.get<PendingPublish>(PENDING);
      if (still?.token === pending.token) await this.storage.delete(PENDING);
      await this.storage.put(LAST_PUBLISHED_AT, clock);
    } catch (error) {
      this.#backoff.failed();
      console.error(logged({ event: 'kv_publish_failed', attempt: this.#backoff.failures, error: error instanceof Error ? error.name : 'unknown' }));
      await wakeBy(this.storage, now + this.#backoff.delayMs());
    }
  }
}

/** KV's put options for a document that expires at `at` (epoch ms): never sooner than KV accepts. */
function kvExpiry(at: number | null, now: number): KVNamespacePutOptions {
  if (at === null) return {};
  return { expiration: Math.max(Math.ceil(at / 1000), Math.ceil(now / 1000) + KV_MIN_EXPIRATION_TTL_SECONDS) };
}
