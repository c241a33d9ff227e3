/**
 * RegionMetrics: one Durable Object per region holding its decision counts
 * (docs/api.md, "Metrics and previews").
 *
 * Each isolate flushes at most every 10 s per region it served; each flush is
 * one call here that adds its minutes into two rows: the minute's (kept 49
 * hours) and the hour's (kept 31 days). Rows hold `TallyRecord`s as JSON —
 * outcome, reason, mode, device type and rollout-bucket counters, never an
 * id or an address. Reads sum rows into steps here, next to the data, so a
 * day of minutes travels as one answer of a few steps.
 *
 * Scale: the object's load is the flush rate, isolates serving the region ÷
 * 10 s. Should one region ever approach a few hundred flushes a second,
 * shard it: name the objects `<region>#<n>` with n = hash(isolate) mod N,
 * and sum the N answers on read (README, "Metrics at scale").
 */
import { DurableObject } from 'cloudflare:workers';
import { addRecord, type TallyRecord } from '../metrics/tally';
import type { MinuteCounts } from '../metrics/counter';
import { MS_PER_DAY, MS_PER_HOUR } from '../time';
import { controlStore, type ControlStore } from './control-store';

export const MINUTES_KEPT_MS = 49 * MS_PER_HOUR;
export const HOURS_KEPT_MS = 31 * MS_PER_DAY;
/** Old rows are pruned at most this often, by the write that finds them due. */
const PRUNE_EVERY_MS = MS_PER_HOUR;

export type Resolution = 'minute' | 'hour';

export interface RegionMetricsEnv {
  CONTROL: DurableObjectNamespace<ControlStore>;
}

export interface StepCounts {
  /** Start of the step, ms since the epoch. */
  at: number;
  record: TallyRecord;
}

export function regionMetrics(bindings: { METRICS: DurableObjectNamespace<RegionMetrics> }, region: string): DurableObjectStub<RegionMetrics> {
  return bindings.METRICS.get(bindings.METRICS.idFromName(`region:${region}`));
}

export class RegionMetrics extends DurableObject<RegionMetricsEnv> {
  #prunedAt = 0;
  #registered = false;

  constructor(ctx: DurableObjectState, env: RegionMetricsEnv) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS minute (at INTEGER PRIMARY KEY, counts TEXT NOT NULL)');
      ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS hour (at INTEGER PRIMARY KEY, counts TEXT NOT NULL)');
      ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
      this.#registered = ctx.storage.sql.exec('SELECT 1 FROM meta WHERE key = ?', 'registered').toArray().length > 0;
    });
  }

  /** Adds an isolate's counts for `region`; returns the storage rows it wrote. */
  async add(region: string, minutes: MinuteCounts[]): Promise<{ rowsWritten: number }> {
    if (!this.#registered) {
      await controlStore(this.env).noteMetricsRegion(region);
      this.ctx.storage.sql.exec('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)', 'registered', region);
      this.#registered = true;
    }
    let rowsWritten = 0;
    const hours = new Map<number, TallyRecord>();
    // Synchronous statements with no await between them commit as one transaction.
    for (const { minute, record } of minutes) {
      rowsWritten += this.#addRow('minute', minute, record);
      const hour = minute - (minute % MS_PER_HOUR);
      hours.set(hour, addRecord(hours.get(hour) ?? {}, record));
    }
    for (const [hour, record] of hours) rowsWritten += this.#addRow('hour', hour, record);
    const now = Date.now();
    if (now - this.#prunedAt >= PRUNE_EVERY_MS) {
      this.#prunedAt = now;
      rowsWritten += this.ctx.storage.sql.exec('DELETE FROM minute WHERE at < ?', now - MINUTES_KEPT_MS).rowsWritten;
      rowsWritten += this.ctx.storage.sql.exec('DELETE FROM hour WHERE at < ?', now - HOURS_KEPT_MS).rowsWritten;
    }
    return { rowsWritten };
  }

  #addRow(table: Resolution, at: number, record: TallyRecord): number {
    const existing = this.ctx.storage.sql.exec<{ counts: string }>(`SELECT counts FROM ${table} WHERE at = ?`, at).toArray()[0];
    const counts = existing ? addRecord(JSON.parse(existing.counts) as TallyRecord, record) : record;
    return this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO ${table} (at, counts) VALUES (?, ?)`, at, JSON.stringify(counts)).rowsWritten;
  }

  /**
   * The counts of [from, to) summed into steps of `stepMs` starting at `from`
   * (rows are read at `resolution`; `from` and `stepMs` are multiples of it).
   * Steps with nothing counted are left out.
   */
  series(resolution: Resolution, from: number, to: number, stepMs: number): StepCounts[] {
    const steps = new Map<number, TallyRecord>();
    const rows = this.ctx.storage.sql.exec<{ at: number; counts: string }>(`SELECT at, counts FROM ${resolution} WHERE at >= ? AND at < ? ORDER BY at`, from, to);
    for (const row of rows) {
      const at = from + Math.floor((row.at - from) / stepMs) * stepMs;
      steps.set(at, addRecord(steps.get(at) ?? {}, JSON.parse(row.counts) as TallyRecord));
    }
    return [...steps].map(([at, record]) => ({ at, record }));
  }
}
