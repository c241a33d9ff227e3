/**
 * METRICS_SHARDS and METRICS_FLUSH_INTERVAL for the Durable Objects that read
 * a region's shards, without the rest of the configuration.
 */
import type { ConfigBindings, ConfigValue } from './gate-config';
import { durationUpTo, MAX_METRICS_FLUSH_INTERVAL_MS, metricsShardsSchema } from './value-schemas';

/**
 * METRICS_SHARDS and METRICS_FLUSH_INTERVAL alone, for the Durable Objects
 * that read all of a region's shards (the region's first shard, the
 * ControlStore): 1 shard and 10 s when unset. A malformed value reads as the
 * default here; the gate itself refuses to serve with it (parseConfig names
 * it), so no isolate flushes to a shard past the first.
 */
export function metricsSettingsOf(raw: ConfigBindings): { shards: number; flushIntervalMs: number } {
  const given = (value: ConfigValue | undefined) => value !== undefined && value !== null && value !== '';
  const shards = given(raw.METRICS_SHARDS) ? metricsShardsSchema.safeParse(raw.METRICS_SHARDS) : null;
  const interval = given(raw.METRICS_FLUSH_INTERVAL) ? durationUpTo(MAX_METRICS_FLUSH_INTERVAL_MS, { allowZero: true }).safeParse(raw.METRICS_FLUSH_INTERVAL) : null;
  return { shards: shards?.success ? shards.data : 1, flushIntervalMs: interval?.success ? interval.data : MAX_METRICS_FLUSH_INTERVAL_MS };
}
