/**
 * An outbox in a Durable Object: a message is stored in the same storage
 * batch as the change it tells of, then delivered — at once, and by the
 * alarm with backoff until it lands (or, with `giveUpAfterMs`, until it is
 * that old; then it is dropped with a log line). Two outboxes use it:
 *
 *   - an account's audit entries on their way to the ControlStore's log
 *     (each carries an `origin` the ControlStore inserts at most once, so a
 *     delivery retried after a lost acknowledgement is not written twice);
 *   - the ControlStore's ops events on their way to OPS_NOTIFY_URL.
 */
import { Backoff, wakeBy } from './alarm';
import { logged } from '../version';

export interface OutboxOptions<T> {
  /** Storage key prefix of this outbox's messages. */
  prefix: string;
  /** The log event of a failed delivery. */
  failureEvent: string;
  deliverOne: (message: T) => Promise<void>;
  /** Drop a message this long after it was stored; kept until delivered otherwise. */
  giveUpAfterMs?: number;
}

export class Outbox<T extends { origin: string; at: string }> {
  #sequence = 0;
  readonly #backoff = new Backoff();

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly options: OutboxOptions<T>,
  ) {}

  /** Storage entries holding `messages`, in order; put them in the same batch as the change. */
  entries(messages: Array<Omit<T, 'origin' | 'at'>>, now: number): Record<string, T> {
    const batch: Record<string, T> = {};
    for (const message of messages) {
      this.#sequence += 1;
      const key = `${this.options.prefix}${String(now).padStart(15, '0')}:${String(this.#sequence).padStart(9, '0')}`;
      batch[key] = { ...message, origin: crypto.randomUUID(), at: new Date(now).toISOString() } as T;
    }
    return batch;
  }

  /** Messages not yet delivered, oldest first. */
  async pending(): Promise<Map<string, T>> {
    return this.storage.list<T>({ prefix: this.options.prefix });
  }

  /** The delivery under way, if any: deliveries run one at a time. */
  #delivering: Promise<boolean> = Promise.resolve(true);

  /**
   * Delivers every pending message in order. Never throws: on a failure the
   * rest wait for the alarm. Returns true when the outbox is empty.
   *
   * One delivery at a time: a change's delivery and the alarm's can overlap
   * (each awaits the network), and two that listed the same pending message
   * would both send it — an ops event arriving twice. A second call waits
   * for the first, then sends what is still pending.
   */
  deliver(now: number): Promise<boolean> {
    const run = () => this.#deliverPending(now);
    // After the one before, however it ended (a storage error must not stop every later delivery).
    this.#delivering = this.#delivering.then(run, run);
    return this.#delivering;
  }

  async #deliverPending(now: number): Promise<boolean> {
    const pending = await this.pending();
    if (pending.size === 0) return true;
    await wakeBy(this.storage, now + this.#backoff.delayMs());
    for (const [key, message] of pending) {
      try {
        await this.options.deliverOne(message);
      } catch (error) {
        const giveUp = this.options.giveUpAfterMs;
        if (giveUp !== undefined && now - Date.parse(message.at) >= giveUp) {
          console.error(logged({ event: `${this.options.failureEvent}_dropped`, origin: message.origin, storedAt: message.at }));
          await this.storage.delete(key);
          continue;
        }
        this.#backoff.failed();
        console.error(logged({ event: this.options.failureEvent, attempt: this.#backoff.failures, error: error instanceof Error ? error.name : 'unknown' }));
        await wakeBy(this.storage, now + this.#backoff.delayMs());
        return false;
      }
      this.#backoff.succeeded();
      await this.storage.delete(key);
    }
    return true;
  }
}
