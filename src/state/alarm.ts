/**
 * A Durable Object has one alarm; several duties (the KV publisher, the audit
 * outbox, a rule's next stage) share it. Each asks to be woken by a time, and
 * the alarm is moved earlier, never later. Failed duties retry with
 * exponential backoff: a duty that throws is never due again at once, so one
 * broken duty cannot make an object wake hundreds of times a second.
 */
export async function wakeBy(storage: DurableObjectStorage, at: number): Promise<void> {
  const scheduled = await storage.getAlarm();
  if (scheduled === null || scheduled > at) await storage.setAlarm(at);
}

/** Retry delays: 1 s, doubling per consecutive failure, at most a minute. */
export class Backoff {
  #failures = 0;

  constructor(
    readonly minMs = 1000,
    readonly maxMs = 60_000,
  ) {}

  get failures(): number {
    return this.#failures;
  }

  delayMs(): number {
    return Math.min(this.maxMs, this.minMs * 2 ** this.#failures);
  }

  failed(): void {
    this.#failures += 1;
  }

  succeeded(): void {
    this.#failures = 0;
  }
}

/**
 * Backoff per duty (say, one region's rule): when each may run again after
 * failing. Kept in memory: an object that is evicted starts again at the
 * shortest delay, which is still not "at once".
 */
export class RetrySchedule {
  readonly #backoffs = new Map<string, Backoff>();
  readonly #retryAt = new Map<string, number>();

  constructor(
    readonly minMs: number,
    readonly maxMs: number,
  ) {}

  /** Notes that `key` failed at `now`: its attempt number (1, 2, …) and when it may run again. */
  failed(key: string, now: number): { attempt: number; retryAt: number } {
    const backoff = this.#backoffs.get(key) ?? new Backoff(this.minMs, this.maxMs);
    this.#backoffs.set(key, backoff);
    const retryAt = now + backoff.delayMs();
    backoff.failed();
    this.#retryAt.set(key, retryAt);
    return { attempt: backoff.failures, retryAt };
  }

  /** `key` ran, or was replaced: its next failure starts at the shortest delay again. */
  succeeded(key: string): void {
    this.#backoffs.delete(key);
    this.#retryAt.delete(key);
  }

  /** When `key` may run again, or null when it has not failed since it last ran. */
  retryAt(key: string): number | null {
    return this.#retryAt.get(key) ?? null;
  }

  /** Every failing duty and when it may run again. */
  pending(): Array<[string, number]> {
    return [...this.#retryAt];
  }
}
