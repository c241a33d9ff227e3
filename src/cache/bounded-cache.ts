/**
 * A per-isolate cache with a hard entry limit, an optional weight limit
 * (bytes, say) and a per-entry expiry.
 *
 * Least recently used entries leave first, so a million distinct tokens or
 * accounts through one instance cost at most `maxEntries` entries and
 * `maxWeight` in all. Expiry is checked against the caller's `now`, never a
 * clock read here, so it stays testable and follows workerd's request-time
 * clock.
 *
 * The order of use is a list threaded through the entries, so a hit moves
 * its entry by relinking it and leaves the `Map` alone. A hit used to delete
 * and re-insert its key in the `Map` (which keeps insertion order): in V8
 * each re-insert leaves a deleted slot in the key's hash chain until the
 * table is rebuilt, and the next insert of the same key walks every one of
 * them — on a cache of 20,000 tokens a hit on one token cost 80–150 µs,
 * growing with the cache (docs/performance.md, "token, seen before").
 */
interface Entry<K, V> {
  readonly key: K;
  value: V;
  expiresAt: number;
  weight: number;
  /** The entry used just before this one (toward the least recent end); null for the least recently used. */
  older: Entry<K, V> | null;
  /** The entry used just after this one; null for the most recently used. */
  newer: Entry<K, V> | null;
}

export class BoundedCache<K, V> {
  readonly #entries = new Map<K, Entry<K, V>>();
  /** The least recently used entry: the first to leave. */
  #oldest: Entry<K, V> | null = null;
  /** The most recently used entry. */
  #newest: Entry<K, V> | null = null;
  #weight = 0;

  constructor(
    readonly maxEntries: number,
    readonly maxWeight = Number.POSITIVE_INFINITY,
  ) {
    if (!(maxEntries >= 1)) throw new RangeError('maxEntries must be at least 1');
    if (!(maxWeight > 0)) throw new RangeError('maxWeight must be positive');
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The sum of the weights of the entries held. */
  get weight(): number {
    return this.#weight;
  }

  /** The value for `key` if present and not expired at `now`. */
  get(key: K, now: number): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.#remove(entry);
      return undefined;
    }
    if (entry !== this.#newest) {
      this.#unlink(entry);
      this.#linkNewest(entry);
    }
    return entry.value;
  }

  /** Holds `value` until `expiresAt`. An entry heavier than `maxWeight` on its own is not held. */
  set(key: K, value: V, expiresAt: number, weight = 1): void {
    this.delete(key);
    if (weight > this.maxWeight) return;
    const entry: Entry<K, V> = { key, value, expiresAt, weight, older: null, newer: null };
    this.#entries.set(key, entry);
    this.#linkNewest(entry);
    this.#weight += weight;
    while ((this.#entries.size > this.maxEntries || this.#weight > this.maxWeight) && this.#oldest) this.#remove(this.#oldest);
  }

  delete(key: K): void {
    const entry = this.#entries.get(key);
    if (entry) this.#remove(entry);
  }

  clear(): void {
    this.#entries.clear();
    this.#oldest = null;
    this.#newest = null;
    this.#weight = 0;
  }

  #remove(entry: Entry<K, V>): void {
    this.#entries.delete(entry.key);
    this.#unlink(entry);
    this.#weight -= entry.weight;
  }

  #unlink(entry: Entry<K, V>): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.#oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.#newest = entry.older;
    entry.older = null;
    entry.newer = null;
  }

  #linkNewest(entry: Entry<K, V>): void {
    entry.older = this.#newest;
    if (this.#newest) this.#newest.newer = entry;
    else this.#oldest = entry;
    this.#newest = entry;
  }
}
