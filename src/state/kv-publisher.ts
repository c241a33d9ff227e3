/**
 * Writes a Durable Object's current document through to Workers KV without
 * tripping KV's limit of one write per second per key.
 *
 * KV is last-write-wins with no compare-and-set, so only the Durable Object
 * (the single writer of its key) publishes. Writes closer together than
 * KV_MIN_WRITE_INTERVAL_MS are coalesced: the newest document is written by
 * the object's alarm a moment later, so a burst of changes costs at most one
 * KV write per second and the last change is never lost.
 */
export const KV_MIN_WRITE_INTERVAL_MS = 1000;
const LAST_PUBLISHED_AT = 'kv:lastPublishedAt';

export class KvPublisher {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly kv: KVNamespace,
  ) {}

  /** Publishes now if the key was not written within the last second, else schedules it. */
  async publish(key: string, document: unknown | null, now: number): Promise<void> {
    const last = (await this.storage.get<number>(LAST_PUBLISHED_AT)) ?? 0;
    if (now - last >= KV_MIN_WRITE_INTERVAL_MS) {
      await this.write(key, document, now);
    } else if ((await this.storage.getAlarm()) === null) {
      await this.storage.setAlarm(last + KV_MIN_WRITE_INTERVAL_MS);
    }
  }

  /** Called from the object's alarm with its current document. */
  async flush(key: string, document: unknown | null, now: number): Promise<void> {
    await this.write(key, document, now);
  }

  private async write(key: string, document: unknown | null, now: number): Promise<void> {
    if (document === null) await this.kv.delete(key);
    else await this.kv.put(key, JSON.stringify(document));
    await this.storage.put(LAST_PUBLISHED_AT, now);
  }
}
