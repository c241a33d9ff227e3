/**
 * The isolate's decision counters and their flush.
 *
 * Counting bumps a cell of the region's tally for the current minute (see
 * tally.ts). The first count after a flush schedules the next one through
 * the request's `waitUntil`: at once when the last flush is older than the
 * interval, else when it is — so an isolate flushes at most once per
 * interval, and within one interval of any decision even when traffic then
 * stops. A flush sends each region's minutes to that region's sink (its
 * Durable Object); what cannot be delivered is kept for the next flush, for
 * at most `OWED_MINUTES_KEPT` minutes.
 */
import { MS_PER_MINUTE } from '../time';
import {
  addRecord,
  mergeHouseholds,
  RegionTally,
  serialiseHouseholds,
  type CountedAnswer,
  type FunnelEvent,
  type HouseholdBytes,
  type Households,
  type ReplayBuckets,
  type TallyRecord,
} from './tally';
import type { HouseholdHash } from './household-sketch';
import type { Mode } from '../vocabulary';
import type { Rollout } from '../policy/rollout';

export interface MinuteCounts {
  /** Start of the minute, ms since the epoch. */
  minute: number;
  record: TallyRecord;
  /** The minute's household sketches (absent kinds: nobody counted). */
  households?: HouseholdBytes;
}

/** One minute of a region as a flush gathers it. */
interface OwedMinute {
  record: TallyRecord;
  households: Households;
}

/**
 * Where a region's counts go: additive (two flushes of the same minute sum).
 * Answers the storage rows written, and the rules in force when the counts
 * made the region's guard trip.
 */
export type MetricsSink = (region: string, minutes: MinuteCounts[]) => Promise<{ rowsWritten: number; rollout?: Rollout }>;

/** Counts a flush could not deliver are retried with the next flush, for at most this long. */
export const OWED_MINUTES_KEPT = 60;

export class DecisionCounter {
  readonly #current = new Map<string, RegionTally>();
  #sealed: RegionTally[] = [];
  #owed = new Map<string, Map<number, OwedMinute>>();
  #scheduled = false;
  #lastFlushAt = Number.NEGATIVE_INFINITY;
  /** What this isolate's flushes cost so far (the cost simulation reads it). */
  readonly usage = { flushes: 0, deliveries: 0, rowsWritten: 0 };

  constructor(
    readonly intervalMs: number,
    readonly sink: MetricsSink,
    /** Applies rules that changed because of these counts (a guard tripped) to this isolate at once. */
    readonly adopt: (rollout: Rollout) => void = () => {},
  ) {}

  /** The tally for `region` in the minute of `now`. */
  #tally(region: string, now: number): RegionTally {
    const minute = now - (now % MS_PER_MINUTE);
    let tally = this.#current.get(region);
    if (tally === undefined || tally.minute !== minute) {
      if (tally?.touched) this.#sealed.push(tally);
      tally = new RegionTally(region, minute);
      this.#current.set(region, tally);
    }
    return tally;
  }

  /** Counts one answer; `household` is the account's keyed hash (null: no valid token). */
  count(region: string, now: number, answer: CountedAnswer, buckets: ReplayBuckets | null, household: HouseholdHash | null = null): void {
    this.#tally(region, now).count(answer, buckets, household);
  }

  countFunnel(region: string, now: number, event: FunnelEvent, mode: Mode | null, household: HouseholdHash | null = null): void {
    this.#tally(region, now).countFunnel(event, mode, household);
  }

  /** Makes sure a flush is coming within the interval; the flush runs inside `waitUntil`. */
  scheduleFlush(now: number, waitUntil: (promise: Promise<unknown>) => void): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    const delay = Math.max(0, this.#lastFlushAt + this.intervalMs - now);
    waitUntil(
      (async () => {
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        this.#scheduled = false;
        await this.flush();
      })(),
    );
  }

  /** Sends everything counted so far; never throws (what fails is owed to the next flush). */
  async flush(): Promise<void> {
    this.#lastFlushAt = Date.now();
    this.usage.flushes += 1;
    const byRegion = this.#owed;
    this.#owed = new Map();
    const take = (tally: RegionTally) => {
      const minutes = byRegion.get(tally.region) ?? new Map<number, OwedMinute>();
      byRegion.set(tally.region, minutes);
      const owed = minutes.get(tally.minute) ?? { record: {}, households: {} };
      addRecord(owed.record, tally.record());
      mergeHouseholds(owed.households, tally.households);
      minutes.set(tally.minute, owed);
    };
    for (const tally of this.#sealed) take(tally);
    this.#sealed = [];
    for (const [region, tally] of this.#current) {
      if (!tally.touched) continue;
      take(tally);
      this.#current.delete(region);
    }
    await Promise.all(
      [...byRegion].map(async ([region, minutes]) => {
        try {
          const { rowsWritten, rollout } = await this.sink(
            region,
            [...minutes].map(([minute, { record, households }]) => {
              const bytes = serialiseHouseholds(households);
              return Object.keys(bytes).length > 0 ? { minute, record, households: bytes } : { minute, record };
            }),
          );
          this.usage.deliveries += 1;
          this.usage.rowsWritten += rowsWritten;
          if (rollout) this.adopt(rollout);
        } catch (error) {
          const kept = [...minutes].filter(([minute]) => minute > this.#lastFlushAt - OWED_MINUTES_KEPT * MS_PER_MINUTE);
          console.error(
            JSON.stringify({ event: 'metrics_flush_failed', region, minutesKept: kept.length, minutesDropped: minutes.size - kept.length, error: error instanceof Error ? error.name : 'unknown' }),
          );
          const owed = this.#owed.get(region) ?? new Map<number, OwedMinute>();
          for (const [minute, { record, households }] of kept) {
            const into = owed.get(minute) ?? { record: {}, households: {} };
            addRecord(into.record, record);
            mergeHouseholds(into.households, households);
            owed.set(minute, into);
          }
          this.#owed.set(region, owed);
        }
      }),
    );
  }
}
