/**
 * The audit outbox of an account's Durable Object: an audit entry is stored
 * in the same storage batch as the change it records, then delivered to the
 * ControlStore's audit log — at once, and by the alarm until acknowledged.
 * Each entry carries an `origin` id the ControlStore inserts at most once,
 * so a delivery retried after a lost acknowledgement is not written twice.
 */
import { Backoff, wakeBy } from './alarm';
import type { AuditInput } from './control-store';

const OUTBOX_PREFIX = 'outbox:';

/** One audit entry on its way to the ControlStore. */
export interface AuditDelivery {
  /** Unique per entry: the ControlStore ignores a second delivery of the same origin. */
  origin: string;
  /** When the change was made (not when it was delivered). */
  at: string;
  entry: AuditInput;
  /**
   * Set on an account's erase entry: every earlier entry naming the account
   * is redacted to `pseudonym` when this one is appended.
   */
  redact?: { accountId: string; pseudonym: string };
}

export class AuditOutbox {
  #sequence = 0;
  readonly #backoff = new Backoff();

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly deliverOne: (delivery: AuditDelivery) => Promise<void>,
  ) {}

  /** Storage entries holding `entries`, in order; put them in the same batch as the change. */
  outboxEntries(entries: Array<Omit<AuditDelivery, 'origin' | 'at'>>, now: number): Record<string, AuditDelivery> {
    const batch: Record<string, AuditDelivery> = {};
    for (const entry of entries) {
      this.#sequence += 1;
      const key = `${OUTBOX_PREFIX}${String(now).padStart(15, '0')}:${String(this.#sequence).padStart(9, '0')}`;
      batch[key] = { ...entry, origin: crypto.randomUUID(), at: new Date(now).toISOString() };
    }
    return batch;
  }

  /** Entries not yet acknowledged, oldest first. */
  async pending(): Promise<Map<string, AuditDelivery>> {
    return this.storage.list<AuditDelivery>({ prefix: OUTBOX_PREFIX });
  }

  /**
   * Delivers every pending entry in order. Never throws: on a failure the
   * rest wait for the alarm. Returns true when the outbox is empty.
   */
  async deliver(now: number): Promise<boolean> {
    const pending = await this.pending();
    if (pending.size === 0) return true;
    await wakeBy(this.storage, now + this.#backoff.delayMs());
    for (const [key, delivery] of pending) {
      try {
        await this.deliverOne(delivery);
      } catch (error) {
        this.#backoff.failed();
        console.error(JSON.stringify({ event: 'audit_delivery_failed', attempt: this.#backoff.failures, error: error instanceof Error ? error.name : 'unknown' }));
        await wakeBy(this.storage, now + this.#backoff.delayMs());
        return false;
      }
      this.#backoff.succeeded();
      await this.storage.delete(key);
    }
    return true;
  }
}
