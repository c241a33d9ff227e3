/**
 * The owner's household events (contract §6) in the account's Durable
 * Object: which were sent today (at most one per event, device and day), the
 * recent ones support sees, and their delivery to NOTIFY_URL — signed like a
 * code, stored in the same batch as the change they tell of, retried with
 * backoff for up to a day, and never awaited by the request that caused them.
 *
 * Storage (storage-schema.md): `events:recent` (the last RECENT_EVENTS_KEPT
 * within RECENT_EVENTS_MS) and the outbox under `event:`.
 */
import { postSigned, type NotifyTarget } from '../challenges/notify';
import type { HouseholdEventFinding, HouseholdEventName, SignOutAuthority } from '../household/events';
import type { Locale } from '../messages/catalog';
import { householdEventText } from '../messages/household-events';
import { MS_PER_DAY } from '../time';
import type { DeviceType } from '../vocabulary';
import { Outbox } from './outbox';
import { wakeBy } from './alarm';
import { logged } from '../version';

/** When the alarm sends events a delivery behind an answer did not (it was cut short). */
const RETRY_AFTER_MS = 10_000;

const RECENT_KEY = 'events:recent';
export const EVENT_OUTBOX_PREFIX = 'event:';
/** Support sees this many of an account's latest events, and at most this many are sent a day (so a day's are all here to dedupe against)… */
export const RECENT_EVENTS_KEPT = 100;
/** …of at most this age. */
export const RECENT_EVENTS_MS = 31 * MS_PER_DAY;

/** One event as support sees it on the account: no address, no key. */
export interface HouseholdEventRecord {
  event: HouseholdEventName;
  deviceId: string;
  deviceType: DeviceType;
  region: string;
  at: string;
  by?: SignOutAuthority;
}

/** The webhook's body (contract §6). */
export interface HouseholdEventMessage extends HouseholdEventRecord {
  type: 'household_event';
  accountId: string;
  /** The language the owner's text is in (the requester's, as for codes). */
  locale: Locale;
  /** What happened and what the owner can do, in `locale`. */
  message: string;
}

interface EventDelivery {
  origin: string;
  at: string;
  message: HouseholdEventMessage;
}

/** Where and in what language the change that made the events was asked. */
export interface EventContext {
  region: string;
  locale: Locale;
}

export class HouseholdEvents {
  #recent: HouseholdEventRecord[] | undefined;
  readonly #outbox: Outbox<EventDelivery>;

  constructor(
    private readonly storage: DurableObjectStorage,
    /** The code webhook, or null (development: the event is logged instead). */
    target: () => NotifyTarget | null,
  ) {
    this.#outbox = new Outbox<EventDelivery>(storage, {
      prefix: EVENT_OUTBOX_PREFIX,
      failureEvent: 'household_event_delivery_failed',
      giveUpAfterMs: MS_PER_DAY,
      deliverOne: async ({ message }) => {
        const to = target();
        if (to) await postSigned(to, JSON.stringify(message), Date.now());
        else console.log(logged({ ...message, event: 'household_event_development_delivery', householdEvent: message.event }));
      },
    });
  }

  /** The account's recent events, newest first. */
  async recent(now: number): Promise<HouseholdEventRecord[]> {
    this.#recent ??= (await this.storage.get<HouseholdEventRecord[]>(RECENT_KEY)) ?? [];
    return this.#recent.filter((record) => Date.parse(record.at) > now - RECENT_EVENTS_MS);
  }

  /**
   * The storage entries that record and send `findings` — those not sent for
   * the same event and device within a day — to put in the same batch as the
   * change they tell of. Empty when there is nothing new.
   */
  async stage(accountId: string, findings: readonly HouseholdEventFinding[], context: EventContext, now: number): Promise<Record<string, unknown>> {
    if (findings.length === 0) return {};
    const recent = await this.recent(now);
    const fresh = findings.filter(
      (finding, index) =>
        findings.findIndex((other) => other.event === finding.event && other.deviceId === finding.deviceId) === index &&
        !recent.some((record) => record.event === finding.event && record.deviceId === finding.deviceId && Date.parse(record.at) > now - MS_PER_DAY),
    );
    // At most RECENT_EVENTS_KEPT a day: then every event of the last day is still in `recent`, so none is told twice
    // that day, however many ids a sharer mints; past it, an event is logged, not sent (no owner is flooded).
    const today = recent.filter((record) => Date.parse(record.at) > now - MS_PER_DAY).length;
    const room = Math.max(0, RECENT_EVENTS_KEPT - today);
    if (fresh.length > room) console.log(logged({ event: 'household_events_capped', dropped: fresh.length - room }));
    fresh.splice(room);
    if (fresh.length === 0) return {};
    const at = new Date(now).toISOString();
    const records = fresh.map((finding): HouseholdEventRecord => Object.assign({ region: context.region, at }, finding));
    this.#recent = [...records, ...recent].slice(0, RECENT_EVENTS_KEPT);
    const messages = records.map((record) => ({
      message: { ...record, type: 'household_event' as const, accountId, locale: context.locale, message: householdEventText(record.event, context.locale, record.deviceId, record.by) },
    }));
    return { [RECENT_KEY]: this.#recent, ...this.#outbox.entries(messages, now) };
  }

  /** Sends what is owed; true when nothing is left (the rest waits for the alarm). */
  deliver(now: number): Promise<boolean> {
    return this.#outbox.deliver(now);
  }

  /**
   * Starts sending what is owed without waiting for it: the alarm is set
   * first (so a delivery cut short is sent again), then the webhook is
   * called behind the caller's back. Answers whether anything was owed.
   */
  async sendBehind(now: number): Promise<boolean> {
    if (!(await this.pending())) return false;
    await wakeBy(this.storage, now + RETRY_AFTER_MS);
    void this.deliver(now);
    return true;
  }

  /** Whether any event still waits to be sent. */
  async pending(): Promise<boolean> {
    return (await this.#outbox.pending()).size > 0;
  }

  /** Forgets what is held in memory (an erase emptied the storage). */
  forget(): void {
    this.#recent = undefined;
  }
}
