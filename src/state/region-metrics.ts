/**
 * RegionMetrics: one Durable Object per region holding its decision counts
 * (docs/api.md, "Metrics and previews").
 *
 * Each isolate flushes at most every 10 s per region it served; each flush is
 * one call here that adds its minutes into the minute rows (kept 49 hours) —
 * one storage row written per flush. An hourly alarm rolls complete hours up
 * into hour rows (kept 31 days); counts that arrive for an hour already
 * rolled up are added to its row directly. Rows hold `TallyRecord`s as JSON —
 * outcome, reason, mode, device type and rollout-bucket counters, never an
 * id or an address. Reads sum rows into steps here, next to the data, so a
 * day of minutes travels as one answer of a few steps; hour steps read the
 * hour rows and, for the hour not yet rolled up, its minutes.
 *
 * Which regions metrics list (v1.3): the object notes its region with the
 * ControlStore only when counts arrive that needed a valid token (a decision
 * answered under a rule, or a verification step). Until then it stores
 * nothing: token failures claiming a country no signed-in device was counted
 * in are dropped here (they stay in the log and the Analytics Engine
 * dataset), so forged or missing tokens cannot add regions. Once every row
 * has expired the object forgets its region again; while any row is left its
 * alarm keeps waking to prune, even after counts stop.
 *
 * Scale: the object's load is the flush rate, isolates serving the region ÷
 * 10 s. Should one region ever approach a few hundred flushes a second,
 * shard it: name the objects `<region>#<n>` with n = hash(isolate) mod N,
 * and sum the N answers on read (README, "Metrics at scale").
 */
import { DurableObject } from 'cloudflare:workers';
import { addRecord, hasValidTokenCounts, subtractRecord, withoutReplay, type TallyRecord } from '../metrics/tally';
import type { MinuteCounts } from '../metrics/counter';
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND } from '../time';
import { Backoff, wakeBy } from './alarm';
import { controlStoreApi, type ControlStoreApi } from './control-api';
import type { Guard, GuardReading, Rollout } from '../policy/rollout';
import { readGuard } from '../metrics/guard-reading';
import { guardWindowMs } from '../policy/staged-rule';

export const MINUTES_KEPT_MS = 49 * MS_PER_HOUR;
export const HOURS_KEPT_MS = 31 * MS_PER_DAY;
/** An hour is rolled up this long after it ends, when every isolate has flushed its last minutes. */
export const ROLLUP_DELAY_MS = MS_PER_MINUTE;

export type Resolution = 'minute' | 'hour';

export interface RegionMetricsEnv {
  CONTROL: DurableObjectNamespace<ControlStoreApi>;
}

export interface StepCounts {
  /** Start of the step, ms since the epoch. */
  at: number;
  record: TallyRecord;
}

export function regionMetrics(bindings: { METRICS: DurableObjectNamespace<RegionMetrics> }, region: string): DurableObjectStub<RegionMetrics> {
  return bindings.METRICS.get(bindings.METRICS.idFromName(`region:${region}`));
}

const hourOf = (at: number) => at - (at % MS_PER_HOUR);

export class RegionMetrics extends DurableObject<RegionMetricsEnv> {
  #registered = false;
  /** The guard of the region's own rule, if any: read here after every flush; the ControlStore is called only when it reads unhealthy. */
  #guard: Guard | null = null;
  /**
   * Where the guard starts reading: the moment a person last set the rule
   * (a resume included), and the counts its minute already held then. A
   * guard reads only what its rule produced, so a resumed rule is not tripped
   * again by the very counts that tripped it.
   */
  #guardFrom: { at: number; minute: number; before: TallyRecord } | null = null;
  /** Hours before this one (ms) are in the hour rows; null before the first roll-up. */
  #rolledUpTo: number | null = null;
  #rollupScheduled = false;
  readonly #forgetBackoff = new Backoff(5 * MS_PER_SECOND, 10 * MS_PER_MINUTE);

  constructor(ctx: DurableObjectState, env: RegionMetricsEnv) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS minute (at INTEGER PRIMARY KEY, counts TEXT NOT NULL)');
      ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS hour (at INTEGER PRIMARY KEY, counts TEXT NOT NULL)');
      ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
      this.#registered = this.#meta('registered') !== null;
      const guard = this.#meta('guard');
      this.#guard = guard ? (JSON.parse(guard) as Guard) : null;
      const guardFrom = this.#meta('guardFrom');
      this.#guardFrom = guardFrom ? (JSON.parse(guardFrom) as { at: number; minute: number; before: TallyRecord }) : null;
      const rolledUpTo = this.#meta('rolledUpTo');
      this.#rolledUpTo = rolledUpTo === null ? null : Number(rolledUpTo);
      // An object registered before pruning existed may have let its alarm lapse: wake it to prune.
      if (this.#registered && (await ctx.storage.getAlarm()) === null) await ctx.storage.setAlarm(Date.now() + ROLLUP_DELAY_MS);
    });
  }

  #meta(key: string): string | null {
    return this.ctx.storage.sql.exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', key).toArray()[0]?.value ?? null;
  }

  /**
   * The ControlStore hands over the guard of the region's rule (null: none, or
   * tripped) whenever that changes. `restart`: a person set the rule, so the
   * guard reads from now on (a stage advance keeps reading on).
   */
  setGuard(guard: Guard | null, restart = false): void {
    this.#guard = guard;
    this.ctx.storage.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', 'guard', guard ? JSON.stringify(guard) : '');
    if (guard && restart) {
      const at = Date.now();
      const minute = at - (at % MS_PER_MINUTE);
      const before = this.ctx.storage.sql.exec<{ counts: string }>('SELECT counts FROM minute WHERE at = ?', minute).toArray()[0]?.counts;
      this.#guardFrom = { at, minute, before: before ? (JSON.parse(before) as TallyRecord) : {} };
      this.ctx.storage.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', 'guardFrom', JSON.stringify(this.#guardFrom));
    }
  }

  /**
   * Adds an isolate's counts for `region`; returns the storage rows it wrote,
   * and — when the region's guard read them and tripped — the rules now in
   * force, for the isolate to apply at once.
   */
  async add(region: string, minutes: MinuteCounts[]): Promise<{ rowsWritten: number; rollout?: Rollout }> {
    if (!this.#registered) {
      // A region is known once a count needed a valid token; token failures alone leave no trace here.
      if (!minutes.some(({ record }) => hasValidTokenCounts(record))) return { rowsWritten: 0 };
      await controlStoreApi(this.env).noteMetricsRegion(region);
      this.ctx.storage.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', 'registered', region);
      this.#registered = true;
    }
    let rowsWritten = 0;
    // Synchronous statements with no await between them commit as one transaction.
    for (const { minute, record } of minutes) {
      rowsWritten += this.#addRow('minute', minute, record);
      // Late counts for an hour already rolled up go to its row as well.
      if (this.#rolledUpTo !== null && minute < this.#rolledUpTo) rowsWritten += this.#addRow('hour', hourOf(minute), record);
    }
    if (!this.#rollupScheduled) {
      await wakeBy(this.ctx.storage, hourOf(Date.now()) + MS_PER_HOUR + ROLLUP_DELAY_MS);
      this.#rollupScheduled = true;
    }
    // New counts: read the guard here, next to them; only an unhealthy reading costs a call to the one ControlStore.
    if (this.#guard && this.#readGuard(this.#guard, Date.now()).unhealthy) {
      const rollout = await controlStoreApi(this.env).countsArrived(region);
      if (rollout) return { rowsWritten, rollout };
    }
    return { rowsWritten };
  }

  /** What `guard` reads over this region's counts now (the ControlStore asks, with the guard of the rule it holds). */
  guardReading(guard: Guard): GuardReading {
    return this.#readGuard(guard, Date.now());
  }

  #readGuard(guard: Guard, now: number): GuardReading {
    const windowMs = guardWindowMs(guard);
    const windowStart = now - windowMs - ((now - windowMs) % MS_PER_MINUTE);
    const from = this.#guardFrom;
    const since = from && from.minute >= windowStart ? from.minute : windowStart;
    const [summed] = this.series('minute', since, now + 1, now + 1 - since);
    const record = summed?.record ?? {};
    // The rule's first minute held counts from before it was set: they are not the rule's.
    if (from && from.minute === since) subtractRecord(record, from.before);
    return readGuard(guard, record, from && from.minute === since ? from.at : since, now);
  }

  /** Rolls every complete hour up into its hour row, prunes what is past keeping, and wakes again next hour. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const complete = hourOf(now - ROLLUP_DELAY_MS);
    const first = this.#rolledUpTo ?? this.ctx.storage.sql.exec<{ at: number | null }>('SELECT MIN(at) AS at FROM minute').toArray()[0]?.at ?? null;
    if (first !== null) {
      for (let hour = hourOf(first); hour < complete; hour += MS_PER_HOUR) {
        const [summed] = this.series('minute', hour, hour + MS_PER_HOUR, MS_PER_HOUR);
        if (summed) this.ctx.storage.sql.exec('INSERT OR REPLACE INTO hour (at, counts) VALUES (?, ?)', hour, JSON.stringify(summed.record));
      }
    }
    this.#rolledUpTo = complete;
    this.ctx.storage.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', 'rolledUpTo', String(complete));
    this.ctx.storage.sql.exec('DELETE FROM minute WHERE at < ?', now - MINUTES_KEPT_MS);
    this.ctx.storage.sql.exec('DELETE FROM hour WHERE at < ?', now - HOURS_KEPT_MS);
    // Wake again next hour while counts keep coming; once they stop, when the oldest row left expires.
    const recent = this.ctx.storage.sql.exec('SELECT 1 FROM minute WHERE at >= ? LIMIT 1', complete).toArray().length > 0;
    this.#rollupScheduled = recent;
    if (recent) return this.ctx.storage.setAlarm(complete + MS_PER_HOUR + ROLLUP_DELAY_MS);
    const expiry = this.#nextExpiry();
    if (expiry !== null) return this.ctx.storage.setAlarm(Math.max(expiry, now + ROLLUP_DELAY_MS));
    await this.#forget();
  }

  /** When the oldest row left passes keeping (plus a minute), or null when no row is left. */
  #nextExpiry(): number | null {
    const oldest = (table: Resolution) => this.ctx.storage.sql.exec<{ at: number | null }>(`SELECT MIN(at) AS at FROM ${table}`).toArray()[0]?.at ?? null;
    const minute = oldest('minute');
    const hour = oldest('hour');
    const expiries = [minute === null ? null : minute + MINUTES_KEPT_MS, hour === null ? null : hour + HOURS_KEPT_MS].filter((at): at is number => at !== null);
    return expiries.length === 0 ? null : Math.min(...expiries) + ROLLUP_DELAY_MS;
  }

  /**
   * Nothing is left: the region leaves the ControlStore's list until a valid
   * count arrives again. The mark goes first, so counts arriving while the
   * ControlStore is asked register the region again themselves; should that
   * note reach it before this forget, the region is noted once more after.
   */
  async #forget(): Promise<void> {
    const region = this.#meta('registered');
    if (!this.#registered || region === null) return;
    this.#registered = false;
    this.ctx.storage.sql.exec('DELETE FROM meta WHERE key = ?', 'registered');
    try {
      await controlStoreApi(this.env).forgetMetricsRegion(region);
      if (this.#registered) await controlStoreApi(this.env).noteMetricsRegion(region);
      this.#forgetBackoff.succeeded();
    } catch (error) {
      // Tried again later, not at once: the mark comes back so the next alarm forgets the region again.
      if (!this.#registered) {
        this.ctx.storage.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', 'registered', region);
        this.#registered = true;
      }
      const retryInMs = this.#forgetBackoff.delayMs();
      this.#forgetBackoff.failed();
      console.error(JSON.stringify({ event: 'metrics_region_forget_failed', region, attempt: this.#forgetBackoff.failures, retryInMs, error: error instanceof Error ? error.name : 'unknown' }));
      await wakeBy(this.ctx.storage, Date.now() + retryInMs);
    }
  }

  #addRow(table: Resolution, at: number, record: TallyRecord): number {
    const existing = this.ctx.storage.sql.exec<{ counts: string }>(`SELECT counts FROM ${table} WHERE at = ?`, at).toArray()[0];
    const counts = existing ? addRecord(JSON.parse(existing.counts) as TallyRecord, record) : record;
    return this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO ${table} (at, counts) VALUES (?, ?)`, at, JSON.stringify(counts)).rowsWritten;
  }

  /**
   * The counts of [from, to) summed into steps of `stepMs` starting at `from`
   * (rows are read at `resolution`; `from` and `stepMs` are multiples of it).
   * Hour steps take the hours not yet rolled up from their minutes. Steps
   * with nothing counted are left out.
   */
  series(resolution: Resolution, from: number, to: number, stepMs: number): StepCounts[] {
    return this.#series(resolution, from, to, stepMs, (record) => record);
  }

  /** As `series`, without the replay counters: what a metrics answer reads (previews and guards read `series`). */
  countSeries(resolution: Resolution, from: number, to: number, stepMs: number): StepCounts[] {
    return this.#series(resolution, from, to, stepMs, withoutReplay);
  }

  /** Whether anything was counted in [from, to), read at `resolution` — without reading the counts. */
  hasCounts(resolution: Resolution, from: number, to: number): boolean {
    const any = (table: Resolution, start: number, end: number) => start < end && this.ctx.storage.sql.exec(`SELECT 1 FROM ${table} WHERE at >= ? AND at < ? LIMIT 1`, start, end).toArray().length > 0;
    return this.#ranges(resolution, from, to).some(([table, start, end]) => any(table, start, end));
  }

  /** Which table answers which part of [from, to): hour steps take the hours not yet rolled up from their minutes. */
  #ranges(resolution: Resolution, from: number, to: number): Array<[Resolution, number, number]> {
    if (resolution === 'minute') return [['minute', from, to]];
    const rolledUpTo = this.#rolledUpTo ?? from;
    return [
      ['hour', from, Math.min(to, rolledUpTo)],
      ['minute', Math.max(from, rolledUpTo), to],
    ];
  }

  #series(resolution: Resolution, from: number, to: number, stepMs: number, keep: (record: TallyRecord) => TallyRecord): StepCounts[] {
    const steps = new Map<number, TallyRecord>();
    for (const [table, start, end] of this.#ranges(resolution, from, to)) {
      if (start >= end) continue;
      const rows = this.ctx.storage.sql.exec<{ at: number; counts: string }>(`SELECT at, counts FROM ${table} WHERE at >= ? AND at < ? ORDER BY at`, start, end);
      for (const row of rows) {
        const at = from + Math.floor((row.at - from) / stepMs) * stepMs;
        steps.set(at, addRecord(steps.get(at) ?? {}, keep(JSON.parse(row.counts) as TallyRecord)));
      }
    }
    return [...steps].toSorted(([a], [b]) => a - b).map(([at, record]) => ({ at, record }));
  }
}
