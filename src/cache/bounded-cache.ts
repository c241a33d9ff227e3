/**
 * A per-isolate cache with a hard entry limit, an optional weight limit
 * (bytes, say) and a per-entry expiry.
 *
 * Least recently used entries leave first (a `Map` keeps insertion order, and
 * a hit re-inserts its key), so a million distinct tokens or accounts through
 * one instance cost at most `maxEntries` entries and `maxWeight` in all.
 * Expiry is checked against the caller's `now`, never a clock read here, so
 * it stays testable and follows workerd's request-time clock.
 */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAt: number; weight: number }>();
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
      this.delete(key);
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Holds `value` until `expiresAt`. An entry heavier than `maxWeight` on its own is not held. */
  set(key: K, value: V, expiresAt: number, weight = 1): void {
    this.delete(key);
    if (weight > this.maxWeight) return;
    this.#entries.set(key, { value, expiresAt, weight });
    this.#weight += weight;
    while (this.#entries.size > this.maxEntries || this.#weight > this.maxWeight) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
  }

  delete(key: K): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#weight -= entry.weight;
  }

  clear(): void {
    this.#entries.clear();
    this.#weight = 0;
  }
}
