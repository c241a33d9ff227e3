/**
 * A RegionMetrics shard's part of its region's guard window, in memory
 * (region-metrics.ts): the households of each minute and hour since the
 * guard started reading, so that a flush reads no rows, and the mark of
 * where the guard reads from (kept in the object's `meta` table).
 *
 * A guard reads only what its rule produced: from the moment a person last
 * set the rule (a resume included), under the rollout version that made, so
 * a resumed rule is not tripped again by the very counts that tripped it.
 */
import { mergeHouseholds, serialiseHouseholds, type HouseholdBytes, type Households } from '../metrics/tally';
import type { Guard } from '../policy/rollout';
import { guardWindowMs } from '../policy/staged-rule';
import { MS_PER_HOUR, MS_PER_MINUTE } from '../time';
import { hourOf, householdsOfRow, SKETCH_COLUMNS, type SketchRow } from './metric-rows';

/** Where a guard starts reading. */
interface GuardFrom {
  at: number;
  minute: number;
  /** The rollout version the person's change made: counts decided under an older one are not the rule's (absent in marks from before it was kept). */
  version?: number;
  /** The households counted in the rule's first minute after it was set (absent in marks from before v1.3). */
  first?: HouseholdBytes;
}

/** The guard's households in memory: by minute and by hour, from `since` on. */
interface GuardWindow {
  since: number;
  minutes: Map<number, Households>;
  hours: Map<number, Households>;
  /**
   * The union of the window's settled part — every minute from `since` up
   * to `before` (the current hour, or the current minute while the window
   * starts in the current hour) — merged once per minute at most; counts
   * arriving late for it are merged in (a union only grows). A reading then
   * merges this and the part still growing: two or three parts, whatever
   * the window.
   */
  settled: { since: number; before: number; households: Households } | null;
}

/** What the guard has read from storage and merged, since the object started: rows and merges (tests check a flush reads no rows). */
export interface GuardCost {
  rowsRead: number;
  merges: number;
}

/** A guard's mark as `#save` stored it: JSON, its first minute's households as byte arrays (`before` of marks from before v1.3 is dropped). */
interface StoredGuardFrom {
  at: number;
  minute: number;
  version?: number;
  first?: Record<string, number[]>;
}

function guardFromOf(stored: StoredGuardFrom): GuardFrom {
  const first = stored.first && (Object.fromEntries(Object.entries(stored.first).map(([kind, bytes]) => [kind, Uint8Array.from(bytes)])) as HouseholdBytes);
  return { at: stored.at, minute: stored.minute, ...(stored.version === undefined ? {} : { version: stored.version }), ...(first ? { first } : {}) };
}

/** Whether counts decided under rollout `policyVersion` belong to the rule the mark was set for (unknown either way: they do, as before versions were kept). */
function decidedUnder(from: GuardFrom, policyVersion: number | undefined): boolean {
  return from.version === undefined || policyVersion === undefined || policyVersion >= from.version;
}

const META_KEY = 'guardFrom';

/** The guard window of one shard, over its SQL storage's minute rows and `meta` table. */
export class GuardWindows {
  /**
   * Where the guard starts reading: the moment a person last set the rule,
   * the rollout version that made, and the households of its first minute
   * counted since then under that version.
   */
  #from: GuardFrom | null = null;
  /**
   * The guard's households by minute and by hour since it started reading:
   * counts arriving are merged into their minute and its hour (a union only
   * grows, so late counts merge in too). A reading merges the union of the
   * window's settled part (kept, merged again from whole hours and at most
   * 59 minutes only when the window moves on, once a minute) with the part
   * still growing: two or three parts per flush, the same at PT15M as at
   * PT6H. Loaded from the rows once (null: not loaded, or the guard changed).
   */
  #window: GuardWindow | null = null;
  readonly cost: GuardCost = { rowsRead: 0, merges: 0 };

  constructor(private readonly sql: SqlStorage) {}

  /** Reads the mark kept (once the object's schema is open). */
  open(): void {
    const stored = this.sql.exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', META_KEY).toArray()[0]?.value;
    this.#from = stored ? guardFromOf(JSON.parse(stored) as StoredGuardFrom) : null;
  }

  /** When the rule the mark was set for was set (null: no mark). */
  get markedAt(): number | null {
    return this.#from?.at ?? null;
  }

  /** The rollout version of the mark held (undefined: none, or a mark from before versions were kept). */
  get version(): number | undefined {
    return this.#from?.version;
  }

  /** The guard changed: the window is loaded again on the next reading. */
  reset(): void {
    this.#window = null;
  }

  /** A person set the rule at `at`, making rollout `version`: the guard reads from then on; its first minute holds only what arrives from now. */
  startAt(at: number, version: number | undefined): void {
    this.#from = { at, minute: at - (at % MS_PER_MINUTE), ...(version === undefined ? {} : { version }), first: {} };
    this.#save();
  }

  #save(): void {
    const { at, minute, version, first } = this.#from!;
    const stored: StoredGuardFrom = { at, minute, ...(version === undefined ? {} : { version }) };
    if (first) stored.first = Object.fromEntries(Object.entries(first).map(([kind, bytes]) => [kind, [...bytes]]));
    this.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', META_KEY, JSON.stringify(stored));
  }

  /** Where the guard's window starts now (a minute), and the instant a reading says it reads since. */
  since(guard: Guard, now: number): { since: number; label: number } {
    const windowMs = guardWindowMs(guard);
    const windowStart = now - windowMs - ((now - windowMs) % MS_PER_MINUTE);
    const from = this.#from;
    const since = from && from.minute >= windowStart ? from.minute : windowStart;
    return { since, label: from && from.minute === since ? from.at : since };
  }

  /**
   * The households of the guard's window from `since` on, from memory: the
   * settled part's union (merged again only when the window moved on, at
   * most once a minute) and the parts still growing — the current hour, or
   * the current minute while the window starts in the current hour.
   */
  households(since: number, now: number): Households {
    const window = this.#load(since);
    // Whole hours from the first hour that starts inside the window; the minutes before it one by one.
    const firstWholeHour = hourOf(since) === since ? since : hourOf(since) + MS_PER_HOUR;
    const currentMinute = now - (now % MS_PER_MINUTE);
    const before = Math.max(since, hourOf(currentMinute) >= firstWholeHour ? hourOf(currentMinute) : currentMinute);
    // What is past the window is let go (a reading reaching further back loads the rows again).
    for (const minute of window.minutes.keys()) if (minute < since) window.minutes.delete(minute);
    for (const hour of window.hours.keys()) if (hour + MS_PER_HOUR <= since) window.hours.delete(hour);
    window.since = since;
    const merge = (into: Households, part: Households) => {
      mergeHouseholds(into, part);
      this.cost.merges += 1;
    };
    if (window.settled?.since !== since || window.settled.before !== before) {
      const settled: Households = {};
      for (const [minute, part] of window.minutes) if (minute >= since && minute < Math.min(firstWholeHour, before)) merge(settled, part);
      for (const [hour, part] of window.hours) if (hour >= firstWholeHour && hour < before) merge(settled, part);
      window.settled = { since, before, households: settled };
    }
    const households: Households = {};
    merge(households, window.settled.households);
    for (const [minute, part] of window.minutes) if (minute >= before && minute < firstWholeHour) merge(households, part);
    for (const [hour, part] of window.hours) if (hour >= Math.max(firstWholeHour, before)) merge(households, part);
    return households;
  }

  /** The guard's households in memory, read from the minute rows since `since` once. */
  #load(since: number): GuardWindow {
    if (this.#window && this.#window.since <= since) return this.#window;
    const window: GuardWindow = { since, minutes: new Map(), hours: new Map(), settled: null };
    this.#window = window;
    const from = this.#from;
    const rows = this.sql.exec<SketchRow & { at: number }>(`SELECT at, ${SKETCH_COLUMNS} FROM minute WHERE at >= ? ORDER BY at`, since);
    for (const row of rows) {
      this.cost.rowsRead += 1;
      // The rule's first minute: only what arrived after it was set (marks from before v1.3 kept no households: the whole row).
      const households = from && row.at === from.minute && from.first ? mergeHouseholds({}, from.first) : householdsOfRow(row);
      this.#remember(window, row.at, households);
    }
    return window;
  }

  /**
   * New households for `minute`, decided under rollout `policyVersion`: into
   * the guard's window, and the first minute's mark (kept across restarts)
   * while a guard is `guarded`. The first minute takes only what was decided
   * under the rule: an isolate flushes up to METRICS_FLUSH_INTERVAL after it
   * decided, so counts of the old rule can arrive after the new one was set.
   * Later minutes take every treated household, as their rows (and a window
   * read again from them) do.
   */
  counted(minute: number, households: Households, policyVersion: number | undefined, guarded: boolean): void {
    const from = this.#from;
    if (from && (minute < from.minute || (minute === from.minute && !decidedUnder(from, policyVersion)))) return;
    if (guarded && from && minute === from.minute && from.first) {
      from.first = serialiseHouseholds(mergeHouseholds(mergeHouseholds({}, from.first), households));
      this.#save();
    }
    if (this.#window) this.#remember(this.#window, minute, households);
  }

  #remember(window: GuardWindow, minute: number, households: Households): void {
    if (minute < window.since) return;
    const settled = window.settled;
    if (settled && minute >= settled.since && minute < settled.before) mergeHouseholds(settled.households, households);
    window.minutes.set(minute, mergeHouseholds(window.minutes.get(minute) ?? {}, households));
    window.hours.set(hourOf(minute), mergeHouseholds(window.hours.get(hourOf(minute)) ?? {}, households));
  }
}
