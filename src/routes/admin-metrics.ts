/**
 * Metrics and previews (docs/api.md): decision counts per region over time,
 * and what a proposed rule would have answered the region's recent sessions.
 * Both read the regions' RegionMetrics objects; neither changes anything, and
 * neither answer holds an account, a device or an address.
 */
import type { z } from 'zod';
import type { HandlerInput } from '../api/operation';
import type { metrics, metricsQuery, preview as previewSchema, previewInput, previewRegionParam } from '../api/schemas';
import type { AppContext } from '../http/context';
import { invalid, invalidInput, type InvalidInput } from '../http/json-body';
import { preview } from '../metrics/preview';
import { countsOf, emptyCounts, replayCells, versionBreakdown, versionCountsOf, type Counts, type VersionCounts } from '../metrics/tally';
import { ruleFor } from '../policy/rollout';
import { isStricter } from '../policy/notice';
import { controlStore } from '../state/control-store';
import { HOURS_KEPT_MS, MINUTES_KEPT_MS, type Resolution } from '../state/metric-rows';
import { shardedCountSeries, shardedRecord, shardsHaveCounts } from '../state/region-metrics-shards';
import { MS_PER_HOUR, MS_PER_MINUTE } from '../time';
import { err, ok, type Result } from '../result';
import { refusalProblem } from './refusal';

/** The most steps one series may have (48 hours of minutes is 2,880). */
export const MAX_STEPS = 3_000;
/** The most series points one answer holds over all its regions (contract v1.3): steps × regions with counts. */
export const MAX_SERIES_POINTS = 10_000;
export const MAX_PREVIEW_WINDOW_MS = 48 * MS_PER_HOUR;
const MINUTE_HISTORY_MS = 48 * MS_PER_HOUR;
const HOUR_HISTORY_MS = 30 * 24 * MS_PER_HOUR;
/** A `since` this much older than the history reached is read as its start (a client's clock and the request's travel). */
const SINCE_GRACE_MS = MS_PER_MINUTE;
// What the API promises is within what the storage keeps.
if (MINUTE_HISTORY_MS > MINUTES_KEPT_MS || HOUR_HISTORY_MS > HOURS_KEPT_MS) throw new Error('metrics history exceeds retention');

type MetricsQuery = z.output<typeof metricsQuery>;

/**
 * `GET /admin/v1/metrics`: counts per region and step (default the last hour
 * by minute). Only regions with counts in the period appear, and the answer's
 * size is known before any count is read: each region is first asked only
 * whether it has counts, and more than MAX_SERIES_POINTS points is refused.
 */
export async function getMetrics(c: AppContext, { query }: HandlerInput<'admin', { query: typeof metricsQuery }>): Promise<Response> {
  const now = Date.now();
  const window = metricsWindow(query, now);
  if (!window.ok) return refusalProblem(c, window.error);
  const { resolution, from, stepMs, steps } = window.value;
  const to = from + steps * stepMs;
  // Each region's counts are in the shards that hold any (docs/ops.md, "Metrics shards"): counts summed, household sketches merged.
  const shards = await controlStore(c.env).metricsShards();
  const known = Object.keys(shards).toSorted();
  const asked = query.region ? known.filter((region) => region === query.region) : known;
  const counted = await Promise.all(asked.map((region) => shardsHaveCounts(c.env, region, shards[region]!, resolution, from, to)));
  const regions = asked.filter((_, index) => counted[index]);
  if (steps * regions.length > MAX_SERIES_POINTS) return invalid(c, 'step', pointsProblem(steps, regions.length));
  const answers = await Promise.all(regions.map((region) => shardedCountSeries(c.env, region, shards[region]!, resolution, from, to, stepMs)));
  const body = {
    since: new Date(from).toISOString(),
    step: query.step?.text ?? 'PT1M',
    regions: Object.fromEntries(
      regions.flatMap((region, index) => {
        const answer = answers[index]!;
        if (answer.steps.length === 0) return [];
        const byStep = new Map(answer.steps.map((row) => [row.at, row]));
        const totals = emptyCounts();
        const versions: VersionCounts = new Map();
        const series: Array<{ at: string } & Counts> = [];
        for (let step = 0; step < steps; step++) {
          const at = from + step * stepMs;
          const row = byStep.get(at);
          countsOf(row?.record ?? {}, totals);
          versionCountsOf(row?.record ?? {}, versions);
          const counts = countsOf(row?.record ?? {});
          if (row) counts.households = row.households;
          series.push({ at: new Date(at).toISOString(), ...counts });
        }
        // The period's households are its steps' sketches merged (a household in two steps counts once).
        totals.households = answer.households;
        return [[region, { totals, byVersion: versionBreakdown(versions), series }]];
      }),
    ),
  };
  return c.json(body satisfies z.input<typeof metrics>, 200, { 'Cache-Control': 'no-store' });
}

function pointsProblem(steps: number, regions: number): string {
  const format = (n: number) => n.toLocaleString('en-US');
  return `step: ${format(steps)} steps for each of ${format(regions)} regions with counts is ${format(steps * regions)} series points; one answer holds at most ${format(MAX_SERIES_POINTS)}. Use a longer step (e.g. PT1H), a later since, or name one region.`;
}

/** The rows a metrics query reads: their resolution, the first step's start, the step and how many. */
interface MetricsWindow {
  resolution: Resolution;
  from: number;
  stepMs: number;
  steps: number;
}

/** Which rows answer the query: whole-hour steps read hours (30 days), other steps minutes (48 hours). A window that cannot be answered names its field. */
export function metricsWindow(query: Pick<MetricsQuery, 'since' | 'step'>, now: number): Result<MetricsWindow, InvalidInput> {
  const stepMs = query.step?.ms ?? MS_PER_MINUTE;
  if (stepMs % MS_PER_MINUTE !== 0) return err(invalidInput('step', 'step: must be whole minutes, e.g. PT1M, PT15M or PT1H.'));
  const resolution: Resolution = stepMs % MS_PER_HOUR === 0 ? 'hour' : 'minute';
  const unit = resolution === 'hour' ? MS_PER_HOUR : MS_PER_MINUTE;
  const history = resolution === 'hour' ? HOUR_HISTORY_MS : MINUTE_HISTORY_MS;
  // "30 days ago", computed by a client a moment before the request arrives, is taken as the limit.
  const asked = query.since ?? now - MS_PER_HOUR;
  const since = asked < now - history && asked >= now - history - SINCE_GRACE_MS ? now - history : asked;
  if (since > now) return err(invalidInput('since', 'since: is in the future.'));
  if (since < now - HOUR_HISTORY_MS) return err(invalidInput('since', 'since: counts are kept for 30 days.'));
  if (resolution === 'minute' && since < now - MINUTE_HISTORY_MS) return err(invalidInput('since', 'since: minute steps reach back 48 hours; for older counts use a whole-hour step (step=PT1H).'));
  const from = since - (since % unit);
  const steps = Math.max(1, Math.ceil((now + 1 - from) / stepMs));
  if (steps > MAX_STEPS) return err(invalidInput('step', `step: that would be more than ${MAX_STEPS} steps; use a longer step or a later since.`));
  return ok({ resolution, from, stepMs, steps });
}

/** `POST /admin/v1/rollout/{region}/preview`: the region's recent sessions under the proposed rule and the rule in force. */
export async function previewRule(c: AppContext, { params, body }: HandlerInput<'admin', { params: typeof previewRegionParam; body: typeof previewInput }>): Promise<Response> {
  const now = Date.now();
  const windowMs = body.window?.ms ?? MS_PER_HOUR;
  if (windowMs > MAX_PREVIEW_WINDOW_MS) return invalid(c, 'window', 'window: previews replay at most the last 48 hours (PT48H).');
  const { region } = params;
  const rollout = await c.get('gate').rollouts.authoritative();
  const applied = ruleFor(rollout, region, now);
  // Whole minutes: the minute that holds `now - window` is replayed in full.
  const from = now - windowMs - ((now - windowMs) % MS_PER_MINUTE);
  const to = now + 1;
  const shards = (await controlStore(c.env).metricsShards())[region] ?? [0];
  const record = await shardedRecord(c.env, region, shards, from, to);
  const proposed = { mode: body.mode, percent: body.percent };
  const result = preview(replayCells(record), { rule: applied.rule, key: applied.key === region ? 'r' : '*' }, proposed);
  const { noticePeriodMs, rolloutApproval } = c.get('gate').config;
  const stricter = isStricter(applied.rule, proposed);
  return c.json(
    {
      region,
      window: body.window?.text ?? 'PT1H',
      since: new Date(from).toISOString(),
      ...result,
      applies: { at: new Date(stricter ? now + noticePeriodMs : now).toISOString(), stricter, approval: stricter && rolloutApproval === 'stricter' },
      rules: { current: { key: applied.key, mode: applied.rule.mode, percent: applied.rule.percent }, proposed },
      policyVersion: rollout.version,
    } satisfies z.input<typeof previewSchema>,
    200,
    { 'Cache-Control': 'no-store' },
  );
}
