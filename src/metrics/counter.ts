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
import type { FeedbackSituation, Mode } from '../vocabulary';
import type { Rollout } from '../policy/rollout';
import { logged } from '../version';

export interface MinuteCounts {
  /** Start of the minute, ms since the epoch. */
  minute: number;
  /**
   * The rollout version these counts were decided under (absent: none, as
   * for token failures alone): a guard set by a person reads from its own
   * version on, so a minute decided under two versions is sent as two.
   */
  policyVersion?: number;
  record: TallyRecord;
  /** The minute's household sketches (absent kinds: nobody counted). */
  households?: HouseholdBytes;
}

/** One minute of a region, under one rollout version, as a flush gathers it. */
interface OwedMinute {
  minute: number;
  policyVersion: number | undefined;
  record: TallyRecord;
  households: Households;
}

/**
 * Where a region's counts go: additive (two flushes of the same minute sum).
 * Answers the storage rows written, and the rules in force when the counts
 * made the region's guard trip.
 */
export type MetricsSink = (region: string, minutes: MinuteCounts[]) => Promise<{ rowsWritten: number; rollout?: Rollout }>;

/**
 * Counts a flush could not deliver are retried with the next flush for at most this many minutes of the clock
 * (minutes older than that before the failed flush are dropped), however many rollout versions each minute holds.
 */
export const OWED_MINUTES_KEPT = 60;

export class DecisionCounter {
  readonly #current = new Map<string, RegionTally>();
  #sealed: RegionTally[] = [];
  /** By region, then by minute and rollout version (`owe`). */
  #owed = new Map<string, Map<string, OwedMinute>>();
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

  /**
   * The tally for `region` in the minute of `now`, under rollout
   * `policyVersion`: a new one when the minute or the version moves on
   * (counts with no version join the current one).
   */
  #tally(region: string, now: number, policyVersion: number | undefined): RegionTally {
    const minute = now - (now % MS_PER_MINUTE);
    let tally = this.#current.get(region);
    const otherVersion = policyVersion !== undefined && tally?.policyVersion !== undefined && tally.policyVersion !== policyVersion;
    if (tally === undefined || tally.minute !== minute || otherVersion) {
      if (tally?.touched) this.#sealed.push(tally);
      tally = new RegionTally(region, minute);
      this.#current.set(region, tally);
    }
    tally.policyVersion ??= policyVersion;
    return tally;
  }

  /** Counts one answer (decided under rollout `answer.policyVersion`); `household` is the account's keyed hash (null: no valid token). */
  count(region: string, now: number, answer: CountedAnswer, buckets: ReplayBuckets | null, household: HouseholdHash | null = null): void {
    this.#tally(region, now, answer.policyVersion).count(answer, buckets, household);
  }

  /** Counts one step of the verification funnel, under rollout `policyVersion`. */
  countFunnel(region: string, now: number, event: FunnelEvent, mode: Mode | null, household: HouseholdHash | null = null, policyVersion?: number): void {
    this.#tally(region, now, policyVersion).countFunnel(event, mode, household);
  }

  /** Counts one answer of a refused household's device to contract §8's question, under rollout `policyVersion`. */
  countFeedback(region: string, now: number, situation: FeedbackSituation, household: HouseholdHash, policyVersion?: number): void {
    this.#tally(region, now, policyVersion).countFeedback(situation, household);
  }

  /** Makes sure a flush is coming within the interval; the flush runs inside `waitUntil`. */
  scheduleFlush(now: number, waitUntil: (promise: Promise<unknown>) => void): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // Never longer than the interval: a clock behind the last flush (set back) must not hold the counts until it catches up.
    const delay = Math.min(this.intervalMs, Math.max(0, this.#lastFlushAt + this.intervalMs - now));
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
      const minutes = byRegion.get(tally.region) ?? new Map<string, OwedMinute>();
      byRegion.set(tally.region, minutes);
      owe(minutes, { minute: tally.minute, policyVersion: tally.policyVersion, record: tally.record(), households: tally.households });
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
            [...minutes.values()].map(({ minute, policyVersion, record, households }) => {
              const counts: MinuteCounts = { minute, record };
              if (policyVersion !== undefined) counts.policyVersion = policyVersion;
              const bytes = serialiseHouseholds(households);
              if (Object.keys(bytes).length > 0) counts.households = bytes;
              return counts;
            }),
          );
          this.usage.deliveries += 1;
          this.usage.rowsWritten += rowsWritten;
          if (rollout) this.adopt(rollout);
        } catch (error) {
          // Kept by age, in minutes of the clock: a minute decided under two rollout versions is two entries, one minute.
          const all = [...minutes.values()];
          const kept = all.filter(({ minute }) => minute > this.#lastFlushAt - OWED_MINUTES_KEPT * MS_PER_MINUTE);
          const distinct = (entries: OwedMinute[]) => new Set(entries.map(({ minute }) => minute)).size;
          const minutesKept = distinct(kept);
          console.error(
            logged({
              event: 'metrics_flush_failed',
              region,
              minutesKept,
              minutesDropped: distinct(all) - minutesKept,
              error: error instanceof Error ? error.name : 'unknown',
            }),
          );
          const owed = this.#owed.get(region) ?? new Map<string, OwedMinute>();
          for (const minute of kept) owe(owed, minute);
          this.#owed.set(region, owed);
        }
      }),
    );
  }
}

/** Adds one minute's counts to what is owed, beside those of the same minute and rollout version. */
function owe(owed: Map<string, OwedMinute>, { minute, policyVersion, record, households }: OwedMinute): void {
  const key = `${minute}:${policyVersion ?? ''}`;
  const into = owed.get(key) ?? { minute, policyVersion, record: {}, households: {} };
  addRecord(into.record, record);
  mergeHouseholds(into.households, households);
  owed.set(key, into);
}
