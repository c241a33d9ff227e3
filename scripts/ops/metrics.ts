/**
 * `ops metrics [REGION]`: decision counts by region, with terminal sparklines
 * of sessions and of the would-refuse rate per step.
 */
import type { Counts, Metrics } from '../../src/admin-client/client.ts';
import { describeSharedNetworks, durationMinutes, formatCount, percentOf, wouldRefuseRate } from '../../src/admin-client/wording.ts';
import { visibleText } from '../../src/admin-client/visible-text.ts';
import { table } from '../text-table.ts';
import { regionArg, UsageError, type Command } from './command-line.ts';
import { regionNeverApplies, UNKNOWN_COUNTRY } from '../../src/vocabulary.ts';

/** `--since PT6H` (that long ago) or an ISO 8601 instant. */
export function sinceFlag(value: string | undefined, now = Date.now()): string | undefined {
  if (value === undefined) return undefined;
  if (/^P/i.test(value)) {
    const minutes = durationMinutes(value);
    if (minutes === null) throw new UsageError('--since: a duration of days, hours or minutes, such as PT6H or P2D');
    return new Date(now - minutes * 60_000).toISOString();
  }
  if (Number.isNaN(Date.parse(value))) throw new UsageError('--since must be a duration (PT6H: six hours ago) or an instant (2026-11-21T09:00:00Z)');
  return value;
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** A terminal sparkline of `values`, at most `width` characters (adjacent steps combined by `combine`). */
export function sparkline(values: number[], width = 60, combine: (group: number[]) => number = (group) => group.reduce((a, b) => a + b, 0)): string {
  const size = Math.max(1, Math.ceil(values.length / width));
  const columns: number[] = [];
  for (let i = 0; i < values.length; i += size) columns.push(combine(values.slice(i, i + size)));
  const max = Math.max(...columns, 0);
  return columns.map((value) => (max === 0 ? SPARKS[0] : SPARKS[Math.min(SPARKS.length - 1, Math.round((value / max) * (SPARKS.length - 1)))])).join('');
}

const sessionsOf = (counts: Pick<Counts, 'sessions'>) => counts.sessions.allow + counts.sessions.challenge + counts.sessions.deny;

/** What refused households said (contract §8), by households: `live-here 3 (12.0% of refused), travelling 2` or `-`. */
function describeFeedback(households: Metrics['regions'][string]['totals']['households']): string {
  const said = Object.entries(households.feedback ?? {}).filter(([, n]) => n > 0);
  if (said.length === 0) return '-';
  return said.map(([situation, n]) => `${situation} ${formatCount(n)}${situation === 'live-here' ? ` (${percentOf(n, households.refused)} of refused)` : ''}`).join(', ');
}

/** The metrics answer in words: per region a table, verification, households, what refused households said, top reasons and sparklines. */
export function metricsReport(metrics: Metrics, named?: string): string {
  const regions = Object.entries(metrics.regions);
  if (regions.length === 0)
    return `No decisions counted${named ? ` in ${visibleText(named)}` : ''} since ${metrics.since}. Counts reach the gate within 10 s of a decision; a region is listed once a signed-in device was counted there.`;
  return regions
    .map(([region, { totals, series }]) => {
      const rows = (['sessions', 'segments'] as const).map((kind) => {
        const all = totals[kind].allow + totals[kind].challenge + totals[kind].deny;
        return {
          '': kind,
          allow: formatCount(totals[kind].allow),
          challenge: formatCount(totals[kind].challenge),
          deny: formatCount(totals[kind].deny),
          'would refuse': `${formatCount(totals.wouldRefuse[kind])} (${percentOf(totals.wouldRefuse[kind], all)})`,
        };
      });
      const reasons = Object.entries(totals.reasons)
        .toSorted(([, a], [, b]) => b - a)
        .slice(0, 5)
        .map(([reason, n]) => `${reason} ${formatCount(n)}`)
        .join(', ');
      const v = totals.verification;
      const perStep = series.map(sessionsOf);
      const rates = series.map((step) => wouldRefuseRate(step));
      const maxRate = Math.max(...rates, 0);
      return [
        `${region} — since ${metrics.since}, step ${metrics.step}`,
        table(rows, ['', 'allow', 'challenge', 'deny', 'would refuse']),
        `verification  sent ${v.sent}, verified ${v.verified}, wrong ${v.wrong}, locked ${v.locked}, expired ${v.expired}`,
        `households    treated ${formatCount(totals.households.treated)}, refused ${formatCount(totals.households.refused)} (${percentOf(totals.households.refused, totals.households.treated)}), sent a code ${formatCount(totals.households.sent)}, verified ${formatCount(totals.households.verified)}`,
        `said          ${describeFeedback(totals.households)}`,
        `top reasons   ${reasons || '-'}`,
        `shared nets   ${describeSharedNetworks(totals)}`,
        `sessions      ${sparkline(perStep)}  (max ${formatCount(Math.max(...perStep, 0))} per step)`,
        `would refuse  ${sparkline(rates, 60, (group) => Math.max(...group))}  (max ${(100 * maxRate).toFixed(1)}% of sessions)`,
      ].join('\n');
    })
    .join('\n\n');
}

export const METRICS_COMMAND: Command = {
  name: 'metrics',
  args: ['REGION?'],
  usage: '[REGION] [--since PT6H | 2026-11-21T09:00:00Z] [--step PT5M]',
  summary: 'Decision counts by region, with sparklines.',
  options: ['since', 'step'],
  async run(args, { flags, admin, call, output }) {
    const region = args[0] === undefined ? undefined : regionArg(args[0], 'REGION');
    // A code no request carries counts nothing, ever: "No decisions counted" alone read as "none yet". (XX counts requests of unknown country.)
    const never = region === undefined || region === UNKNOWN_COUNTRY ? null : regionNeverApplies(region);
    if (never) process.stderr.write(`warning: ${never}.\n`);
    const query = { ...(region ? { region } : {}), ...(flags.since ? { since: sinceFlag(flags.since) } : {}), ...(flags.step ? { step: flags.step } : {}) };
    const metrics = await call(() => admin.GET('/admin/v1/metrics', { params: { query } }));
    output(metrics, () => metricsReport(metrics, region));
  },
};
