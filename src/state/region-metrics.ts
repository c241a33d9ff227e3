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
 * id or an address — and four household sketches (treated, refused, sent,
 * verified: BLOBs of keyed hashes or HyperLogLog registers, household-sketch.ts),
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
import {
  addRecord,
  hasValidTokenCounts,
  HOUSEHOLD_KINDS,
  householdCounts,
  mergeHouseholds,
  serialiseHouseholds,
  withoutReplay,
  type HouseholdBytes,
  type HouseholdCounts,
  type Households,
  type TallyRecord,
} from '../metrics/tally';
import type { MinuteCounts } from '../metrics/counter';
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND } from '../time';
import { Backoff, wakeBy } from './alarm';
import { controlStoreApi, type ControlStoreApi } from './control-api';
import type { Guard, GuardReading, Rollout } from '../policy/rollout';
import { readGuard } from '../metrics/guard-reading';
import { guardWindowMs } from '../policy/staged-rule';
import { PacedCheck } from './paced-check';
import { regionObjectName } from './object-names';
import { METRICS_MIGRATIONS, SqlSchema } from './sql-schema';

export const MINUTES_KEPT_MS = 49 * MS_PER_HOUR;
export const HOURS_KEPT_MS = 31 * MS_PER_DAY;
/** An hour is rolled up this long after it ends, when every isolate has flushed its last minutes. */
export const ROLLUP_DELAY_MS = MS_PER_MINUTE;

export type Resolution = 'minute' | 'hour';

export interface RegionMetricsEnv extends ConfigBindings {
  CONTROL: DurableObjectNamespace<ControlStoreApi>;
  METRICS: DurableObjectNamespace<RegionMetrics>;
}

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

/**
 * A metrics answer over the shards of a region that hold counts: one shard
 * answers as it is; several are summed step by step, their household
 * sketches merged per step and over the period.
 */
export async function shardedCountSeries(
  bindings: { METRICS: DurableObjectNamespace<RegionMetrics> },
  region: string,
  shards: readonly number[],
  resolution: Resolution,
  from: number,
  to: number,
  stepMs: number,
): Promise<CountSeries> {
  if (shards.length === 1) return regionMetrics(bindings, region, shards[0]).countSeries(resolution, from, to, stepMs);
  const parts = await Promise.all(shards.map((shard) => regionMetrics(bindings, region, shard).countSeriesSketches(resolution, from, to, stepMs)));
  const steps = new Map<number, { record: TallyRecord; households: Households }>();
  const period: Households = {};
  for (const part of parts) {
    mergeHouseholds(period, part.households);
    for (const { at, record, households } of part.steps) {
      const step = steps.get(at) ?? { record: {}, households: {} };
      addRecord(step.record, record);
      mergeHouseholds(step.households, households);
      steps.set(at, step);
    }
  }
  return {
    steps: [...steps].toSorted(([a], [b]) => a - b).map(([at, { record, households }]) => ({ at, record, households: householdCounts(households) })),
    households: householdCounts(period),
  };
}

/** Whether any shard of `region` counted anything in [from, to). */
export async function shardsHaveCounts(
  bindings: { METRICS: DurableObjectNamespace<RegionMetrics> },
  region: string,
  shards: readonly number[],
  resolution: Resolution,
  from: number,
  to: number,
): Promise<boolean> {
  const counted = await Promise.all(shards.map((shard) => regionMetrics(bindings, region, shard).hasCounts(resolution, from, to)));
  return counted.includes(true);
}

/** The replay counters of [from, to) over the shards of `region`, summed (previews read the records only). */
export async function shardedRecord(bindings: { METRICS: DurableObjectNamespace<RegionMetrics> }, region: string, shards: readonly number[], from: number, to: number): Promise<TallyRecord> {
  const parts = await Promise.all(shards.map((shard) => regionMetrics(bindings, region, shard).series('minute', from, to, to - from)));
  const record: TallyRecord = {};
  for (const [summed] of parts) if (summed) addRecord(record, summed.record);
  return record;
}

/** Where a guard starts reading (see `#guardFrom`). */
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

type SketchRow = { [kind in (typeof HOUSEHOLD_KINDS)[number]]: ArrayBuffer | null };
const SKETCH_COLUMNS = HOUSEHOLD_KINDS.join(', ');

function householdsOfRow(row: SketchRow): Households {
  const households: Households = {};
  for (const kind of HOUSEHOLD_KINDS) {
    const bytes = row[kind];
    if (bytes) mergeHouseholds(households, { [kind]: new Uint8Array(bytes) });
  }
  return households;
}

/** The column values of `households` (null: nobody counted). */
function sketchColumns(households: Households): Array<ArrayBuffer | null> {
  const bytes = serialiseHouseholds(households);
  return HOUSEHOLD_KINDS.map((kind) => (bytes[kind] ? bytes[kind].slice().buffer : null));
}

/** Shard `shard` of `region` (shard 0, the default, reads the guard over all shards). */
export function regionMetrics(bindings: { METRICS: DurableObjectNamespace<RegionMetrics> }, region: string, shard = 0): DurableObjectStub<RegionMetrics> {
  return bindings.METRICS.get(bindings.METRICS.idFromName(regionObjectName(region, shard)));
}

const hourOf = (at: number) => at - (at % MS_PER_HOUR);

/** A guard's mark as `#saveGuardFrom` stored it: JSON, its first minute's households as byte arrays (`before` of marks from before v1.3 is dropped). */
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

export class RegionMetrics extends DurableObject<RegionMetricsEnv> {
  #registered = false;
  /** Which shard of its region this object is (0 until counts say otherwise; kept in meta). */
  #shard = 0;
  /** Readings of the guard over all shards asked for after counts arrived (made on first use: the region is then known). */
  #guardCheck: PacedCheck<Rollout> | null = null;
  /** The guard of the region's own rule, if any: read here after every flush; the ControlStore is called only when it reads unhealthy. */
  #guard: Guard | null = null;
  /**
   * Where the guard starts reading: the moment a person last set the rule
   * (a resume included), the rollout version that made, and the households
   * of its first minute counted since then under that version. A guard
   * reads only what its rule produced, so a resumed rule is not tripped
   * again by the very counts that tripped it.
   */
  #guardFrom: GuardFrom | null = null;
  /**
   * The guard's households by minute and by hour since it started reading,
   * kept in memory so a flush reads no rows: counts arriving are merged into
   * their minute and its hour (a union only grows, so late counts merge in
   * too). A reading merges the union of the window's settled part (kept,
   * merged again from whole hours and at most 59 minutes only when the
   * window moves on, once a minute) with the part still growing: two or
   * three parts per flush, the same at PT15M as at PT6H. Loaded from the
   * rows once (null: not loaded, or the guard changed).
   */
  #guardWindow: GuardWindow | null = null;
  readonly guardCost: GuardCost = { rowsRead: 0, merges: 0 };
  /** Hours before this one (ms) are in the hour rows; null before the first roll-up. */
  #rolledUpTo: number | null = null;
  #rollupScheduled = false;
  readonly #forgetBackoff = new Backoff(5 * MS_PER_SECOND, 10 * MS_PER_MINUTE);

  constructor(ctx: DurableObjectState, env: RegionMetricsEnv) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      // Counts by minute and hour, and the marks (storage-schema.md): only the steps the stored version lacks.
      new SqlSchema(ctx.storage, METRICS_MIGRATIONS).open();
      this.#registered = this.#meta('registered') !== null;
      this.#shard = Number(this.#meta('shard') ?? 0);
      const guard = this.#meta('guard');
      this.#guard = guard ? (JSON.parse(guard) as Guard) : null;
      const guardFrom = this.#meta('guardFrom');
      this.#guardFrom = guardFrom ? guardFromOf(JSON.parse(guardFrom) as StoredGuardFrom) : null;
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
   * tripped) whenever that changes. `setBy`: a person set the rule at `at`,
   * making rollout `version`, so the guard reads from then on (a stage
   * advance keeps reading on); a call with an older version than the mark
   * held arrived late, and is ignored.
   */
  setGuard(guard: Guard | null, setBy?: { at: number; version?: number }): void {
    // An earlier change's call, overtaken in flight by a later change's (rollout versions only grow): nothing of it is taken.
    const held = this.#guardFrom?.version;
    if (setBy?.version !== undefined && held !== undefined && setBy.version < held) return;
    this.#guard = guard;
    this.#guardWindow = null;
    this.ctx.storage.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', 'guard', guard ? JSON.stringify(guard) : '');
    if (guard && setBy) {
      // Every shard is given the same moment, so their parts of the window start together.
      // Its first minute holds only what arrives from then on and was decided under it: households counted before are not the rule's.
      const { at, version } = setBy;
      this.#guardFrom = { at, minute: at - (at % MS_PER_MINUTE), ...(version === undefined ? {} : { version }), first: {} };
      this.#saveGuardFrom();
    }
  }

  #saveGuardFrom(): void {
    const { at, minute, version, first } = this.#guardFrom!;
    const stored: StoredGuardFrom = { at, minute, ...(version === undefined ? {} : { version }) };
    if (first) stored.first = Object.fromEntries(Object.entries(first).map(([kind, bytes]) => [kind, [...bytes]]));
    this.ctx.storage.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', 'guardFrom', JSON.stringify(stored));
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
      this.#guardCounts(minute, live, policyVersion);
    }
    // Synchronous statements with no await between them commit as one transaction.
    for (const [minute, { record, households }] of rows) {
      rowsWritten += this.#addRow('minute', minute, record, households);
      // Late counts for an hour already rolled up go to its row as well.
      if (this.#rolledUpTo !== null && minute < this.#rolledUpTo) rowsWritten += this.#addRow('hour', hourOf(minute), record, households);
    }
    if (!this.#rollupScheduled) {
      await wakeBy(this.ctx.storage, hourOf(Date.now()) + MS_PER_HOUR + ROLLUP_DELAY_MS);
      this.#rollupScheduled = true;
    }
    if (this.#guard) {
      // The counts are stored: a failed reading is logged, not thrown (the isolate would send them again), and read again within a minute.
      const rollout = await this.#guardAfterCounts(region, this.#guard).catch((error: unknown) => {
        console.error(JSON.stringify({ event: 'metrics_guard_check_failed', region, shard: this.#shard, error: error instanceof Error ? error.name : 'unknown' }));
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
      (error) => console.error(JSON.stringify({ event: 'metrics_guard_check_failed', region, shard: this.#shard, error: error instanceof Error ? error.name : 'unknown' })),
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
    const { since, label } = this.#guardSince(guard, now);
    const households = this.#windowHouseholds(since, now);
    const parts = await Promise.all(Array.from({ length: shards - 1 }, (_, n) => regionMetrics(this.env, region, n + 1).guardHouseholds(since)));
    for (const part of parts) mergeHouseholds(households, part);
    return readGuard(guard, householdCounts(households), label, now);
  }

  /** This shard's households of the guard's window from `since` on (the coordinator merges them), from memory. */
  guardHouseholds(since: number): HouseholdBytes {
    return serialiseHouseholds(this.#windowHouseholds(since, Date.now()));
  }

  #readGuard(guard: Guard, now: number): GuardReading {
    const { since, label } = this.#guardSince(guard, now);
    return readGuard(guard, householdCounts(this.#windowHouseholds(since, now)), label, now);
  }

  /** Where the guard's window starts now (a minute), and the instant a reading says it reads since. */
  #guardSince(guard: Guard, now: number): { since: number; label: number } {
    const windowMs = guardWindowMs(guard);
    const windowStart = now - windowMs - ((now - windowMs) % MS_PER_MINUTE);
    const from = this.#guardFrom;
    const since = from && from.minute >= windowStart ? from.minute : windowStart;
    return { since, label: from && from.minute === since ? from.at : since };
  }

  /**
   * The households of the guard's window from `since` on, from memory: the
   * settled part's union (merged again only when the window moved on, at
   * most once a minute) and the parts still growing — the current hour, or
   * the current minute while the window starts in the current hour.
   */
  #windowHouseholds(since: number, now: number): Households {
    const window = this.#loadGuardWindow(since);
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
      this.guardCost.merges += 1;
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
  #loadGuardWindow(since: number): GuardWindow {
    if (this.#guardWindow && this.#guardWindow.since <= since) return this.#guardWindow;
    const window: GuardWindow = { since, minutes: new Map(), hours: new Map(), settled: null };
    this.#guardWindow = window;
    const from = this.#guardFrom;
    const rows = this.ctx.storage.sql.exec<SketchRow & { at: number }>(`SELECT at, ${SKETCH_COLUMNS} FROM minute WHERE at >= ? ORDER BY at`, since);
    for (const row of rows) {
      this.guardCost.rowsRead += 1;
      // The rule's first minute: only what arrived after it was set (marks from before v1.3 kept no households: the whole row).
      const households = from && row.at === from.minute && from.first ? mergeHouseholds({}, from.first) : householdsOfRow(row);
      this.#remember(window, row.at, households);
    }
    return window;
  }

  /**
   * New households for `minute`, decided under rollout `policyVersion`: into
   * the guard's window, and the first minute's mark (kept across restarts).
   * The first minute takes only what was decided under the rule: an isolate
   * flushes up to METRICS_FLUSH_INTERVAL after it decided, so counts of the
   * old rule can arrive after the new one was set. Later minutes take every
   * treated household, as their rows (and a window read again from them) do.
   */
  #guardCounts(minute: number, households: Households, policyVersion: number | undefined): void {
    const from = this.#guardFrom;
    if (from && (minute < from.minute || (minute === from.minute && !decidedUnder(from, policyVersion)))) return;
    if (this.#guard && from && minute === from.minute && from.first) {
      from.first = serialiseHouseholds(mergeHouseholds(mergeHouseholds({}, from.first), households));
      this.#saveGuardFrom();
    }
    if (this.#guardWindow) this.#remember(this.#guardWindow, minute, households);
  }

  #remember(window: GuardWindow, minute: number, households: Households): void {
    if (minute < window.since) return;
    const settled = window.settled;
    if (settled && minute >= settled.since && minute < settled.before) mergeHouseholds(settled.households, households);
    window.minutes.set(minute, mergeHouseholds(window.minutes.get(minute) ?? {}, households));
    window.hours.set(hourOf(minute), mergeHouseholds(window.hours.get(hourOf(minute)) ?? {}, households));
  }

  /** Rolls every complete hour up into its hour row, prunes what is past keeping, and wakes again next hour. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const complete = hourOf(now - ROLLUP_DELAY_MS);
    const first = this.#rolledUpTo ?? this.ctx.storage.sql.exec<{ at: number | null }>('SELECT MIN(at) AS at FROM minute').toArray()[0]?.at ?? null;
    if (first !== null) {
      for (let hour = hourOf(first); hour < complete; hour += MS_PER_HOUR) {
        const [summed] = this.#series('minute', hour, hour + MS_PER_HOUR, MS_PER_HOUR, (record) => record);
        if (summed)
          this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO hour (at, counts, ${SKETCH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`, hour, JSON.stringify(summed.record), ...sketchColumns(summed.households));
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
      console.error(JSON.stringify({ event: 'metrics_region_forget_failed', region, attempt: this.#forgetBackoff.failures, retryInMs, error: error instanceof Error ? error.name : 'unknown' }));
      await wakeBy(this.ctx.storage, Date.now() + retryInMs);
    }
  }

  #addRow(table: Resolution, at: number, record: TallyRecord, households: Households): number {
    const existing = this.ctx.storage.sql.exec<SketchRow & { counts: string }>(`SELECT counts, ${SKETCH_COLUMNS} FROM ${table} WHERE at = ?`, at).toArray()[0];
    const counts = existing ? addRecord(JSON.parse(existing.counts) as TallyRecord, record) : record;
    const merged = existing ? mergeHouseholds(householdsOfRow(existing), households) : households;
    return this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO ${table} (at, counts, ${SKETCH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`, at, JSON.stringify(counts), ...sketchColumns(merged)).rowsWritten;
  }

  /**
   * The counts of [from, to) summed into steps of `stepMs` starting at `from`
   * (rows are read at `resolution`; `from` and `stepMs` are multiples of it).
   * Hour steps take the hours not yet rolled up from their minutes. Steps
   * with nothing counted are left out.
   */
  series(resolution: Resolution, from: number, to: number, stepMs: number): StepCounts[] {
    return this.#series(resolution, from, to, stepMs, (record) => record).map(({ at, record, households }) => ({ at, record, households: householdCounts(households) }));
  }

  /**
   * As `series`, without the replay counters: what a metrics answer reads
   * (previews read `series`); with the households of the whole period, its
   * steps' sketches merged.
   */
  countSeries(resolution: Resolution, from: number, to: number, stepMs: number): CountSeries {
    const steps = this.#series(resolution, from, to, stepMs, withoutReplay);
    const period: Households = {};
    for (const step of steps) mergeHouseholds(period, step.households);
    return { steps: steps.map(({ at, record, households }) => ({ at, record, households: householdCounts(households) })), households: householdCounts(period) };
  }

  /**
   * As `countSeries`, with the households as sketches (serialised), for a
   * reader that merges several shards: a household two shards saw counts
   * once, so sketches are merged, never their estimates summed.
   */
  countSeriesSketches(resolution: Resolution, from: number, to: number, stepMs: number): SketchSeries {
    const steps = this.#series(resolution, from, to, stepMs, withoutReplay);
    const period: Households = {};
    for (const step of steps) mergeHouseholds(period, step.households);
    return { steps: steps.map(({ at, record, households }) => ({ at, record, households: serialiseHouseholds(households) })), households: serialiseHouseholds(period) };
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

  #series(resolution: Resolution, from: number, to: number, stepMs: number, keep: (record: TallyRecord) => TallyRecord): Array<{ at: number; record: TallyRecord; households: Households }> {
    const steps = new Map<number, { record: TallyRecord; households: Households }>();
    for (const [table, start, end] of this.#ranges(resolution, from, to)) {
      if (start >= end) continue;
      const rows = this.ctx.storage.sql.exec<SketchRow & { at: number; counts: string }>(`SELECT at, counts, ${SKETCH_COLUMNS} FROM ${table} WHERE at >= ? AND at < ? ORDER BY at`, start, end);
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
}
