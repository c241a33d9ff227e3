/**
 * A Durable Object has one alarm; several duties (the KV publisher, the audit
 * outbox) share it. Each asks to be woken by a time, and the alarm is moved
 * earlier, never later. Failed duties retry with exponential backoff.
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
