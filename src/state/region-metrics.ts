/**
 * RegionMetrics: a region's decision counts, in one Durable Object per
 * region or METRICS_SHARDS of them (docs/api.md, "Metrics and previews";
 * "Shards" below).
 *
 * Each isolate flushes at most every 10 s per region it served; each flush is
 * one call here that adds its minutes into the minute rows (kept 49 hours) —
 * one storage row written per flush. An hourly alarm rolls complete hours up
 * into hour rows (kept 31 days); counts that arrive for an hour already
 * rolled up are added to its row directly. Rows hold `TallyRecord`s as JSON —
 * outcome, reason, mode, device type and rollout-bucket counters, never an
 * id or an address — and household sketches (treated, refused, sent,
 * verified, and v1.4's refused households by what they said, `said-*`: BLOBs
 * of keyed hashes or HyperLogLog registers, household-sketch.ts),
 * merged like the counts are summed. Reads sum rows into steps here, next to the data, so a
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
 * Shards (docs/ops.md, "Metrics shards"): the object's load is the flush rate,
 * isolates serving the region ÷ 10 s, so a region's counts are spread over
 * METRICS_SHARDS objects — shard 0 named `region:<RR>` as before sharding
 * (its rows and guard marks stay readable), shard n ≥ 1 `region:<RR>#<n>`.
 * Each isolate flushes to one shard, picked at random when it starts. Every
 * shard registers itself with the ControlStore; readers sum the counts of
 * every registered shard and merge their household sketches (a household
 * seen by two shards counts once).
 *
 * The guard is read over all shards by shard 0, the coordinator: each shard
 * keeps its own part of the guard's window in memory (as one object did
 * alone), and a reading merges one sketch per kind from each shard — a pull
 * of at most four sketches per shard, whatever the window. A shard that
 * receives counts for a guarded region asks the coordinator for a reading at
 * most once per METRICS_FLUSH_INTERVAL, and the coordinator reads at most
 * once per interval, one reading at a time (`PacedCheck`): with N shards,
 * about 2N calls per interval per guarded region, against the thousands of
 * flushes a second sharding spreads. Readings are unions of sketches —
 * idempotent and order-free — so a reading racing a flush can only miss
 * that flush, which asks again and is read by the next reading; the rule is
 * tripped by the ControlStore alone, after it reads again and finds the rule
 * unchanged. With one shard a flush reads the guard on the spot, as before.
 */
import { DurableObject } from 'cloudflare:workers';
import { metricsSettingsOf, type ConfigBindings } from '../config/config';
import { addRecord, hasValidTokenCounts, householdCounts, mergeHouseholds, serialiseHouseholds, withoutReplay, type HouseholdBytes, type Households, type TallyRecord } from '../metrics/tally';
import type { MinuteCounts } from '../metrics/counter';
import { MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND } from '../time';
import { Backoff, wakeBy } from './alarm';
import { controlStoreApi, type ControlStoreApi } from './control-api';
import type { Guard, GuardReading, Rollout } from '../policy/rollout';
import { readGuard } from '../metrics/guard-reading';
import { PacedCheck } from './paced-check';
import { regionObjectName } from './object-names';
import { METRICS_MIGRATIONS, SqlSchema } from './sql-schema';
import { GuardWindows, type GuardCost } from './guard-window';
import { estimated, hourOf, HOURS_KEPT_MS, MetricRows, MINUTES_KEPT_MS, ROLLUP_DELAY_MS, type CountSeries, type Resolution, type SketchSeries, type StepCounts } from './metric-rows';
import { logged, noteVersion } from '../version';

export { HOURS_KEPT_MS, MINUTES_KEPT_MS, ROLLUP_DELAY_MS, type CountSeries, type Resolution, type SketchSeries, type StepCounts } from './metric-rows';

export interface RegionMetricsEnv extends ConfigBindings {
  CONTROL: DurableObjectNamespace<ControlStoreApi>;
  METRICS: DurableObjectNamespace<RegionMetrics>;
}

/** Shard `shard` of `region` (shard 0, the default, reads the guard over all shards). */
export function regionMetrics(bindings: { METRICS: DurableObjectNamespace<RegionMetrics> }, region: string, shard = 0): DurableObjectStub<RegionMetrics> {
  return bindings.METRICS.get(bindings.METRICS.idFromName(regionObjectName(region, shard)));
}

export class RegionMetrics extends DurableObject<RegionMetricsEnv> {
  #registered = false;
  /** Which shard of its region this object is (0 until counts say otherwise; kept in meta). */
  #shard = 0;
  /** Readings of the guard over all shards asked for after counts arrived (made on first use: the region is then known). */
  #guardCheck: PacedCheck<Rollout> | null = null;
  /** The guard of the region's own rule, if any: read here after every flush; the ControlStore is called only when it reads unhealthy. */
  #guard: Guard | null = null;
  /** The guard's part of the window, in memory (guard-window.ts). */
  readonly #windows = new GuardWindows(this.ctx.storage.sql);
  /** The minute and hour rows. */
  readonly #rows = new MetricRows(this.ctx.storage.sql);
  #rollupScheduled = false;
  readonly #forgetBackoff = new Backoff(5 * MS_PER_SECOND, 10 * MS_PER_MINUTE);

  constructor(ctx: DurableObjectState, env: RegionMetricsEnv) {
    super(ctx, env);
    noteVersion(env);
    ctx.blockConcurrencyWhile(async () => {
      // Counts by minute and hour, and the marks (storage-schema.md): only the steps the stored version lacks.
      new SqlSchema(ctx.storage, METRICS_MIGRATIONS).open();
      this.#registered = this.#meta('registered') !== null;
      this.#shard = Number(this.#meta('shard') ?? 0);
      const guard = this.#meta('guard');
      this.#guard = guard ? (JSON.parse(guard) as Guard) : null;
      this.#windows.open();
      const rolledUpTo = this.#meta('rolledUpTo');
      this.#rows.rolledUpTo = rolledUpTo === null ? null : Number(rolledUpTo);
      // An object registered before pruning existed may have let its alarm lapse: wake it to prune.
      if (this.#registered && (await ctx.storage.getAlarm()) === null) await ctx.storage.setAlarm(Date.now() + ROLLUP_DELAY_MS);
    });
  }

  /** What the guard has read from storage and merged since the object started (tests check a flush reads no rows). */
  get guardCost(): GuardCost {
    return this.#windows.cost;
  }

  #meta(key: string): string | null {
    return this.ctx.storage.sql.exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', key).toArray()[0]?.value ?? null;
  }

  /**
   * The ControlStore hands over the guard of the region's rule (null: none, or
   * tripped) whenever that changes. `setBy`: a person set the rule at `at`,
   * making rollout `version`, so the guard reads from then on (a stage
   * advance keeps reading on); a call with an older version than the mark
   * held arrived late, and is ignored.
   */
  setGuard(guard: Guard | null, setBy?: { at: number; version?: number }): void {
    // An earlier change's call, overtaken in flight by a later change's (rollout versions only grow): nothing of it is taken.
    const held = this.#windows.version;
    if (setBy?.version !== undefined && held !== undefined && setBy.version < held) return;
    this.#guard = guard;
    this.#windows.reset();
    this.ctx.storage.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', 'guard', guard ? JSON.stringify(guard) : '');
    if (guard && setBy) {
      // Every shard is given the same moment, so their parts of the window start together.
      // Its first minute holds only what arrives from then on and was decided under it: households counted before are not the rule's.
      this.#windows.startAt(setBy.at, setBy.version);
    }
  }

  /**
   * Which guard this shard holds and from when it reads (v1.4): the ControlStore asks every shard after a
   * person's change, so a mark that failed on one shard only is sent again (#tendRegion).
   */
  guardMark(): { guarded: boolean; at: number | null } {
    return { guarded: this.#guard !== null, at: this.#windows.markedAt };
  }

  /**
   * Adds an isolate's counts for `region` (this object being its shard
   * `shard`); returns the storage rows it wrote, and — when the region's
   * guard read them and tripped — the rules now in force, for the isolate to
   * apply at once.
   */
  async add(region: string, minutes: MinuteCounts[], shard = 0): Promise<{ rowsWritten: number; rollout?: Rollout }> {
    if (shard !== this.#shard) {
      this.#shard = shard;
      this.ctx.storage.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', 'shard', String(shard));
    }
    if (!this.#registered) {
      // A region is known once a count needed a valid token; token failures alone leave no trace here.
      if (!minutes.some(({ record }) => hasValidTokenCounts(record))) return { rowsWritten: 0 };
      await controlStoreApi(this.env).noteMetricsRegion(region, shard);
      this.ctx.storage.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', 'registered', region);
      this.#registered = true;
    }
    let rowsWritten = 0;
    // A minute decided under two rollout versions arrives as two parts: each for the guard, one row write.
    const rows = new Map<number, { record: TallyRecord; households: Households }>();
    for (const { minute, record, households, policyVersion } of minutes) {
      const row = rows.get(minute) ?? { record: {}, households: {} };
      addRecord(row.record, record);
      rows.set(minute, row);
      if (!households) continue;
      const live = mergeHouseholds({}, households);
      mergeHouseholds(row.households, live);
      this.#windows.counted(minute, live, policyVersion, this.#guard !== null);
    }
    // Synchronous statements with no await between them commit as one transaction.
    for (const [minute, { record, households }] of rows) {
      rowsWritten += this.#rows.add('minute', minute, record, households);
      // Late counts for an hour already rolled up go to its row as well.
      const rolledUpTo = this.#rows.rolledUpTo;
      if (rolledUpTo !== null && minute < rolledUpTo) rowsWritten += this.#rows.add('hour', hourOf(minute), record, households);
    }
    if (!this.#rollupScheduled) {
      await wakeBy(this.ctx.storage, hourOf(Date.now()) + MS_PER_HOUR + ROLLUP_DELAY_MS);
      this.#rollupScheduled = true;
    }
    if (this.#guard) {
      // The counts are stored: a failed reading is logged, not thrown (the isolate would send them again), and read again within a minute.
      const rollout = await this.#guardAfterCounts(region, this.#guard).catch((error: unknown) => {
        console.error(logged({ event: 'metrics_guard_check_failed', region, shard: this.#shard, error: error instanceof Error ? error.name : 'unknown' }));
        return null;
      });
      if (rollout) return { rowsWritten, rollout };
    }
    return { rowsWritten };
  }

  /**
   * New counts for a guarded region. One shard: read the guard here, next to
   * them; only an unhealthy reading costs a call to the one ControlStore.
   * Several: ask for a reading over all shards (paced, see the module header).
   */
  async #guardAfterCounts(region: string, guard: Guard): Promise<Rollout | null> {
    const { shards, flushIntervalMs } = metricsSettingsOf(this.env);
    if (shards === 1 && this.#shard === 0) return this.#readGuard(guard, Date.now()).unhealthy ? controlStoreApi(this.env).countsArrived(region) : null;
    this.#guardCheck ??= new PacedCheck<Rollout>(
      flushIntervalMs,
      () => (this.#shard === 0 ? this.#checkAllShards(region) : regionMetrics(this.env, region, 0).guardCheck(region)),
      (error) => console.error(logged({ event: 'metrics_guard_check_failed', region, shard: this.#shard, error: error instanceof Error ? error.name : 'unknown' })),
    );
    return this.#guardCheck.request();
  }

  /** Shard 0, asked by a shard that received counts: a reading over all shards, paced (null: none now, or healthy). */
  async guardCheck(region: string): Promise<Rollout | null> {
    this.#shard = 0;
    return this.#guard ? this.#guardAfterCounts(region, this.#guard) : null;
  }

  /** The coordinator's reading over every shard; unhealthy, the ControlStore reads again and trips the rule. */
  async #checkAllShards(region: string): Promise<Rollout | null> {
    const guard = this.#guard;
    if (!guard || !(await this.guardReading(guard, region)).unhealthy) return null;
    return controlStoreApi(this.env).countsArrived(region);
  }

  /**
   * What `guard` reads over this region's counts now (the ControlStore asks
   * shard 0, with the guard of the rule it holds): with several shards, this
   * shard's households merged with every other shard's part of the window.
   */
  async guardReading(guard: Guard, region?: string): Promise<GuardReading> {
    const now = Date.now();
    const { shards } = metricsSettingsOf(this.env);
    if (shards === 1 || region === undefined) return this.#readGuard(guard, now);
    const { since, label } = this.#windows.since(guard, now);
    const households = this.#windows.households(since, now);
    const parts = await Promise.all(Array.from({ length: shards - 1 }, (_, n) => regionMetrics(this.env, region, n + 1).guardHouseholds(since)));
    for (const part of parts) mergeHouseholds(households, part);
    return readGuard(guard, householdCounts(households), label, now);
  }

  /** This shard's households of the guard's window from `since` on (the coordinator merges them), from memory. */
  guardHouseholds(since: number): HouseholdBytes {
    return serialiseHouseholds(this.#windows.households(since, Date.now()));
  }

  #readGuard(guard: Guard, now: number): GuardReading {
    const { since, label } = this.#windows.since(guard, now);
    return readGuard(guard, householdCounts(this.#windows.households(since, now)), label, now);
  }

  /** Rolls every complete hour up into its hour row, prunes what is past keeping, and wakes again next hour. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const complete = hourOf(now - ROLLUP_DELAY_MS);
    const first = this.#rows.rolledUpTo ?? this.ctx.storage.sql.exec<{ at: number | null }>('SELECT MIN(at) AS at FROM minute').toArray()[0]?.at ?? null;
    if (first !== null) {
      for (let hour = hourOf(first); hour < complete; hour += MS_PER_HOUR) {
        const [summed] = this.#rows.series('minute', hour, hour + MS_PER_HOUR, MS_PER_HOUR, (record) => record);
        if (summed) this.#rows.put('hour', hour, summed.record, summed.households);
      }
    }
    this.#rows.rolledUpTo = complete;
    this.ctx.storage.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', 'rolledUpTo', String(complete));
    this.ctx.storage.sql.exec('DELETE FROM minute WHERE at < ?', now - MINUTES_KEPT_MS);
    this.ctx.storage.sql.exec('DELETE FROM hour WHERE at < ?', now - HOURS_KEPT_MS);
    // Wake again next hour while counts keep coming; once they stop, when the oldest row left expires.
    const recent = this.ctx.storage.sql.exec('SELECT 1 FROM minute WHERE at >= ? LIMIT 1', complete).toArray().length > 0;
    this.#rollupScheduled = recent;
    if (recent) return this.ctx.storage.setAlarm(complete + MS_PER_HOUR + ROLLUP_DELAY_MS);
    const expiry = this.#rows.nextExpiry();
    if (expiry !== null) return this.ctx.storage.setAlarm(Math.max(expiry, now + ROLLUP_DELAY_MS));
    await this.#forget();
  }

  /**
   * Nothing is left: this shard leaves the ControlStore's list (the region
   * with its last shard) until a valid count arrives again. The mark goes first, so counts arriving while the
   * ControlStore is asked register the region again themselves; should that
   * note reach it before this forget, the region is noted once more after.
   */
  async #forget(): Promise<void> {
    const region = this.#meta('registered');
    if (!this.#registered || region === null) return;
    this.#registered = false;
    this.ctx.storage.sql.exec('DELETE FROM meta WHERE key = ?', 'registered');
    try {
      await controlStoreApi(this.env).forgetMetricsRegion(region, this.#shard);
      if (this.#registered) await controlStoreApi(this.env).noteMetricsRegion(region, this.#shard);
      this.#forgetBackoff.succeeded();
    } catch (error) {
      // Tried again later, not at once: the mark comes back so the next alarm forgets the region again.
      if (!this.#registered) {
        this.ctx.storage.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', 'registered', region);
        this.#registered = true;
      }
      const retryInMs = this.#forgetBackoff.delayMs();
      this.#forgetBackoff.failed();
      console.error(logged({ event: 'metrics_region_forget_failed', region, attempt: this.#forgetBackoff.failures, retryInMs, error: error instanceof Error ? error.name : 'unknown' }));
      await wakeBy(this.ctx.storage, Date.now() + retryInMs);
    }
  }

  /**
   * The counts of [from, to) summed into steps of `stepMs` starting at `from`
   * (rows are read at `resolution`; `from` and `stepMs` are multiples of it).
   * Hour steps take the hours not yet rolled up from their minutes. Steps
   * with nothing counted are left out.
   */
  series(resolution: Resolution, from: number, to: number, stepMs: number): StepCounts[] {
    return estimated(this.#rows.series(resolution, from, to, stepMs, (record) => record));
  }

  /**
   * As `series`, without the replay counters: what a metrics answer reads
   * (previews read `series`); with the households of the whole period, its
   * steps' sketches merged.
   */
  countSeries(resolution: Resolution, from: number, to: number, stepMs: number): CountSeries {
    const steps = this.#rows.series(resolution, from, to, stepMs, withoutReplay);
    const period: Households = {};
    for (const step of steps) mergeHouseholds(period, step.households);
    return { steps: estimated(steps), households: householdCounts(period) };
  }

  /**
   * As `countSeries`, with the households as sketches (serialised), for a
   * reader that merges several shards: a household two shards saw counts
   * once, so sketches are merged, never their estimates summed.
   */
  countSeriesSketches(resolution: Resolution, from: number, to: number, stepMs: number): SketchSeries {
    const steps = this.#rows.series(resolution, from, to, stepMs, withoutReplay);
    const period: Households = {};
    for (const step of steps) mergeHouseholds(period, step.households);
    return { steps: steps.map(({ at, record, households }) => ({ at, record, households: serialiseHouseholds(households) })), households: serialiseHouseholds(period) };
  }

  /** Whether anything was counted in [from, to), read at `resolution` — without reading the counts. */
  hasCounts(resolution: Resolution, from: number, to: number): boolean {
    return this.#rows.hasCounts(resolution, from, to);
  }
}
