/**
 * A RegionMetrics object's rows (region-metrics.ts): the minute and hour
 * tables of its SQLite storage, each row a `TallyRecord` as JSON and the
 * household sketches as BLOB columns (household-sketch.ts; the `said-*`
 * kinds of v1.4 in columns `said_*`) — never an id or
 * an address. Counts are added to rows, and read back summed into steps,
 * next to the data; hour steps read the hour rows and, for the hours not yet
 * rolled up, their minutes.
 */
import {
  addRecord,
  HOUSEHOLD_KINDS,
  householdCounts,
  mergeHouseholds,
  serialiseHouseholds,
  sketchColumn,
  type HouseholdBytes,
  type HouseholdCounts,
  type Households,
  type TallyRecord,
} from '../metrics/tally';
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE } from '../time';

export const MINUTES_KEPT_MS = 49 * MS_PER_HOUR;
export const HOURS_KEPT_MS = 31 * MS_PER_DAY;
/** An hour is rolled up this long after it ends, when every isolate has flushed its last minutes. */
export const ROLLUP_DELAY_MS = MS_PER_MINUTE;

export type Resolution = 'minute' | 'hour';

export interface StepCounts {
  /** Start of the step, ms since the epoch. */
  at: number;
  record: TallyRecord;
  /** Distinct households of the step (estimates). */
  households: HouseholdCounts;
}

/** A metrics answer's counts: steps, and the households of the whole period (sketches merged, not steps summed). */
export interface CountSeries {
  steps: StepCounts[];
  households: HouseholdCounts;
}

/** A shard's part of a metrics answer: counts to sum, sketches to merge. */
export interface SketchSeries {
  steps: Array<{ at: number; record: TallyRecord; households: HouseholdBytes }>;
  households: HouseholdBytes;
}

/** A step of counts summed from rows, its households still sketches. */
export interface SummedStep {
  at: number;
  record: TallyRecord;
  households: Households;
}

/** A row's sketch columns, by column name (`sketchColumn`); a column of a kind nobody was counted in is NULL. */
export type SketchRow = Record<string, ArrayBuffer | null | number | string>;
export const SKETCH_COLUMNS = HOUSEHOLD_KINDS.map(sketchColumn).join(', ');
const ROW_PLACEHOLDERS = ['?', '?', ...HOUSEHOLD_KINDS.map(() => '?')].join(', ');

export const hourOf = (at: number) => at - (at % MS_PER_HOUR);

export function householdsOfRow(row: SketchRow): Households {
  const households: Households = {};
  for (const kind of HOUSEHOLD_KINDS) {
    const bytes = row[sketchColumn(kind)] as ArrayBuffer | null | undefined;
    if (bytes) mergeHouseholds(households, { [kind]: new Uint8Array(bytes) });
  }
  return households;
}

/** The column values of `households` (null: nobody counted). */
function sketchColumns(households: Households): Array<ArrayBuffer | null> {
  const bytes = serialiseHouseholds(households);
  return HOUSEHOLD_KINDS.map((kind) => (bytes[kind] ? bytes[kind].slice().buffer : null));
}

/** Steps with their households as estimates. */
export function estimated(steps: SummedStep[]): StepCounts[] {
  return steps.map(({ at, record, households }) => ({ at, record, households: householdCounts(households) }));
}

/** The minute and hour rows of one object. `rolledUpTo`: hours before this one (ms) are in the hour rows; null before the first roll-up. */
export class MetricRows {
  rolledUpTo: number | null = null;

  constructor(private readonly sql: SqlStorage) {}

  /** Adds counts and households to the row at `at`; returns the rows written. */
  add(table: Resolution, at: number, record: TallyRecord, households: Households): number {
    const existing = this.sql.exec<SketchRow & { counts: string }>(`SELECT counts, ${SKETCH_COLUMNS} FROM ${table} WHERE at = ?`, at).toArray()[0];
    const counts = existing ? addRecord(JSON.parse(existing.counts) as TallyRecord, record) : record;
    const merged = existing ? mergeHouseholds(householdsOfRow(existing), households) : households;
    return this.put(table, at, counts, merged);
  }

  /** Writes the row at `at` as given. */
  put(table: Resolution, at: number, record: TallyRecord, households: Households): number {
    return this.sql.exec(`INSERT OR REPLACE INTO ${table} (at, counts, ${SKETCH_COLUMNS}) VALUES (${ROW_PLACEHOLDERS})`, at, JSON.stringify(record), ...sketchColumns(households)).rowsWritten;
  }

  /** Whether anything was counted in [from, to), read at `resolution` — without reading the counts. */
  hasCounts(resolution: Resolution, from: number, to: number): boolean {
    const any = (table: Resolution, start: number, end: number) => start < end && this.sql.exec(`SELECT 1 FROM ${table} WHERE at >= ? AND at < ? LIMIT 1`, start, end).toArray().length > 0;
    return this.#ranges(resolution, from, to).some(([table, start, end]) => any(table, start, end));
  }

  /** Which table answers which part of [from, to): hour steps take the hours not yet rolled up from their minutes. */
  #ranges(resolution: Resolution, from: number, to: number): Array<[Resolution, number, number]> {
    if (resolution === 'minute') return [['minute', from, to]];
    const rolledUpTo = this.rolledUpTo ?? from;
    return [
      ['hour', from, Math.min(to, rolledUpTo)],
      ['minute', Math.max(from, rolledUpTo), to],
    ];
  }

  /**
   * The counts of [from, to) summed into steps of `stepMs` starting at `from`
   * (rows are read at `resolution`; `from` and `stepMs` are multiples of it),
   * each record passed through `keep`. Steps with nothing counted are left out.
   */
  series(resolution: Resolution, from: number, to: number, stepMs: number, keep: (record: TallyRecord) => TallyRecord): SummedStep[] {
    const steps = new Map<number, { record: TallyRecord; households: Households }>();
    for (const [table, start, end] of this.#ranges(resolution, from, to)) {
      if (start >= end) continue;
      const rows = this.sql.exec<SketchRow & { at: number; counts: string }>(`SELECT at, counts, ${SKETCH_COLUMNS} FROM ${table} WHERE at >= ? AND at < ? ORDER BY at`, start, end);
      for (const row of rows) {
        const at = from + Math.floor((row.at - from) / stepMs) * stepMs;
        const step = steps.get(at) ?? { record: {}, households: {} };
        addRecord(step.record, keep(JSON.parse(row.counts) as TallyRecord));
        mergeHouseholds(step.households, householdsOfRow(row));
        steps.set(at, step);
      }
    }
    return [...steps].toSorted(([a], [b]) => a - b).map(([at, { record, households }]) => ({ at, record, households }));
  }

  /** When the oldest row left passes keeping (plus the roll-up delay), or null when no row is left. */
  nextExpiry(): number | null {
    const oldest = (table: Resolution) => this.sql.exec<{ at: number | null }>(`SELECT MIN(at) AS at FROM ${table}`).toArray()[0]?.at ?? null;
    const minute = oldest('minute');
    const hour = oldest('hour');
    const expiries = [minute === null ? null : minute + MINUTES_KEPT_MS, hour === null ? null : hour + HOURS_KEPT_MS].filter((at): at is number => at !== null);
    return expiries.length === 0 ? null : Math.min(...expiries) + ROLLUP_DELAY_MS;
  }
}
