/**
 * A per-isolate cache with a hard entry limit and a per-entry expiry.
 *
 * Least recently used entries leave first (a `Map` keeps insertion order, and
 * a hit re-inserts its key), so a million distinct tokens or accounts through
 * one instance cost at most `maxEntries` entries. Expiry is checked against
 * the caller's `now`, never a clock read here, so it stays testable and
 * follows workerd's request-time clock.
 */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAt: number }>();

  constructor(readonly maxEntries: number) {
    if (!(maxEntries >= 1)) throw new RangeError('maxEntries must be at least 1');
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value for `key` if present and not expired at `now`. */
  get(key: K, now: number): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: K, value: V, expiresAt: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt });
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
