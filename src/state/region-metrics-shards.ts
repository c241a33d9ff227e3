/**
 * Reading a region's counts over its metrics shards (region-metrics.ts,
 * "Shards"): counts are summed, household sketches merged — a household
 * two shards saw counts once, so sketches are merged, never their estimates
 * summed. What `GET /admin/v1/metrics` and previews read.
 */
import { addRecord, householdCounts, mergeHouseholds, type Households, type TallyRecord } from '../metrics/tally';
import type { CountSeries, Resolution } from './metric-rows';
import { regionMetrics, type RegionMetrics } from './region-metrics';

type MetricsBindings = { METRICS: DurableObjectNamespace<RegionMetrics> };

/**
 * A metrics answer over the shards of a region that hold counts: one shard
 * answers as it is; several are summed step by step, their household
 * sketches merged per step and over the period.
 */
export async function shardedCountSeries(bindings: MetricsBindings, region: string, shards: readonly number[], resolution: Resolution, from: number, to: number, stepMs: number): Promise<CountSeries> {
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
export async function shardsHaveCounts(bindings: MetricsBindings, region: string, shards: readonly number[], resolution: Resolution, from: number, to: number): Promise<boolean> {
  const counted = await Promise.all(shards.map((shard) => regionMetrics(bindings, region, shard).hasCounts(resolution, from, to)));
  return counted.includes(true);
}

/** The replay counters of [from, to) over the shards of `region`, summed (previews read the records only). */
export async function shardedRecord(bindings: MetricsBindings, region: string, shards: readonly number[], from: number, to: number): Promise<TallyRecord> {
  const parts = await Promise.all(shards.map((shard) => regionMetrics(bindings, region, shard).series('minute', from, to, to - from)));
  const record: TallyRecord = {};
  for (const [summed] of parts) if (summed) addRecord(record, summed.record);
  return record;
}
