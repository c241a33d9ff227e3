/**
 * The console's decision charts, drawn with uPlot (bundled from npm; about
 * 50 KB minified, canvas, fast with thousands of points). A canvas says
 * nothing to a screen reader, so every chart is a `role="img"` with a
 * summary as its accessible name, and the numbers behind all charts are in a
 * table beside them.
 *
 * Each legend always carries numbers: the period's totals while nothing is
 * hovered (uPlot's own legend would read "--" until then), one step's values
 * with its local time under the cursor. Charts follow their card's width.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Counts, Metrics } from '../../admin-client/client';
import { formatCount, percentOf, refusals, wouldRefuseRate } from '../../admin-client/wording';
import { localTime } from './local-time';

type Step = Metrics['regions'][string]['series'][number];

const COLOURS = { allow: '#81c784', challenge: '#ffb74d', deny: '#ff8a80', line: '#4fc3f7', muted: '#c3c7ce', grid: '#3a3f48' };
const HEIGHT = 200;
const charts = new Map<string, uPlot>();

function axes(valueLabel: string, format?: (value: number) => string): uPlot.Axis[] {
  const axis = { stroke: COLOURS.muted, grid: { stroke: COLOURS.grid, width: 1 }, ticks: { stroke: COLOURS.grid } };
  return [axis, { ...axis, label: valueLabel, ...(format ? { values: (_: uPlot, ticks: number[]) => ticks.map(format) } : {}) }];
}

/**
 * A legend value: the step's under the cursor, else `total` (what the whole
 * period adds up to), so the legend is never uPlot's "--".
 */
function legendValue(total: string, format: (value: number) => string = formatCount): uPlot.Series.Value {
  return (_u, value, _series, idx) => (idx === null || idx === undefined ? total : value === null ? '–' : format(value));
}

/** The time series: a step's local time under the cursor, else what the totals are of. */
function timeSeries(period: string): uPlot.Series {
  return { label: 'time', value: (_u, value, _series, idx) => (idx === null || idx === undefined || value === null ? period : localTime(value * 1000)) };
}

const percent = (value: number) => `${value.toFixed(1)}%`;

/** Redraws a chart at its container's width whenever the layout changes it. */
const resizes = new ResizeObserver((entries) => {
  for (const entry of entries) {
    const chart = charts.get(entry.target.id);
    const width = Math.floor(entry.contentRect.width);
    if (chart && width > 0 && Math.abs(chart.width - width) > 1) chart.setSize({ width, height: HEIGHT });
  }
});

/** Draws (or redraws) one chart into `container`, which names it for assistive technology. */
function draw(container: HTMLElement, summary: string, options: Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData): void {
  charts.get(container.id)?.destroy();
  container.replaceChildren();
  container.setAttribute('role', 'img');
  container.setAttribute('aria-label', summary);
  const width = Math.max(240, container.clientWidth || container.parentElement?.clientWidth || 600);
  charts.set(container.id, new uPlot({ ...options, width, height: HEIGHT, legend: { show: true, live: true } }, data, container));
  resizes.observe(container);
}

const sessionsOf = (counts: Pick<Counts, 'sessions'>) => counts.sessions.allow + counts.sessions.challenge + counts.sessions.deny;

/** Sessions per step by outcome, the would-refuse rate, and the verification funnel for one region. */
export function drawRegion(region: string, stepWords: string, series: Step[], totals: Counts): void {
  const times = series.map((step) => Date.parse(step.at) / 1000);
  const sessions = sessionsOf(totals);
  const refused = refusals(totals.sessions);
  const period = `${stepWords}, in all`;

  draw(
    document.getElementById('chart-sessions')!,
    `Sessions in ${region} ${stepWords}: ${formatCount(sessions)} in all, ${formatCount(totals.sessions.allow)} allowed, ${formatCount(totals.sessions.challenge)} challenged, ${formatCount(totals.sessions.deny)} denied.`,
    {
      axes: axes('sessions'),
      series: [
        timeSeries(period),
        { label: 'allowed', stroke: COLOURS.allow, width: 2, value: legendValue(formatCount(totals.sessions.allow)) },
        { label: 'challenged', stroke: COLOURS.challenge, width: 2, value: legendValue(formatCount(totals.sessions.challenge)) },
        { label: 'denied', stroke: COLOURS.deny, width: 2, value: legendValue(formatCount(totals.sessions.deny)) },
      ],
    },
    [times, series.map((s) => s.sessions.allow), series.map((s) => s.sessions.challenge), series.map((s) => s.sessions.deny)],
  );

  const rates = series.map((s) => (sessionsOf(s) === 0 ? null : 100 * wouldRefuseRate(s)));
  draw(
    document.getElementById('chart-would')!,
    `Enforce would have refused ${formatCount(totals.wouldRefuse.sessions)} of ${formatCount(sessions)} sessions in ${region} (${percentOf(totals.wouldRefuse.sessions, sessions)}); refused now: ${formatCount(refused)}.`,
    {
      axes: axes('% of sessions', (value) => `${value}%`),
      scales: { y: { range: (_u, _min, max) => [0, Math.max(5, Math.ceil(max ?? 0))] } },
      series: [timeSeries(period), { label: 'would refuse (%)', stroke: COLOURS.challenge, width: 2, spanGaps: false, value: legendValue(percentOf(totals.wouldRefuse.sessions, sessions), percent) }],
    },
    [times, rates],
  );

  const v = totals.verification;
  draw(
    document.getElementById('chart-funnel')!,
    `Verification in ${region}: ${v.sent} codes sent, ${v.verified} verified (${percentOf(v.verified, v.sent)}), ${v.wrong} wrong guesses, ${v.locked} locked, ${v.expired} expired.`,
    {
      axes: axes('codes'),
      series: [
        timeSeries(period),
        { label: 'sent', stroke: COLOURS.line, width: 2, value: legendValue(formatCount(v.sent)) },
        { label: 'verified', stroke: COLOURS.allow, width: 2, value: legendValue(formatCount(v.verified)) },
        { label: 'wrong', stroke: COLOURS.challenge, width: 2, value: legendValue(formatCount(v.wrong)) },
        { label: 'locked', stroke: COLOURS.deny, width: 2, value: legendValue(formatCount(v.locked)) },
        { label: 'expired', stroke: COLOURS.muted, width: 2, value: legendValue(formatCount(v.expired)) },
      ],
    },
    [times, ...(['sent', 'verified', 'wrong', 'locked', 'expired'] as const).map((event) => series.map((s) => s.verification[event]))],
  );
}

/** The guard's reading per step — the refused share of treated sessions — beside its threshold. */
export function drawGuard(region: string, series: Step[], maxRefusalRate: number): void {
  const times = series.map((step) => Date.parse(step.at) / 1000);
  // What the guard reads: households, not sessions (one household moves it by one).
  const rates = series.map((step) => (step.households.treated === 0 ? null : (100 * step.households.refused) / step.households.treated));
  const threshold = series.map(() => 100 * maxRefusalRate);
  const worst = Math.max(0, ...rates.filter((rate): rate is number => rate !== null));
  draw(
    document.getElementById('chart-guard')!,
    `Guard of ${region}: refused share of treated households per step, at most ${worst.toFixed(1)}%, against a threshold of ${(100 * maxRefusalRate).toFixed(1)}%.`,
    {
      axes: axes('% of treated households', (value) => `${value}%`),
      scales: { y: { range: (_u, _min, max) => [0, Math.max(100 * maxRefusalRate * 1.5, Math.ceil(max ?? 0))] } },
      series: [
        timeSeries('highest step'),
        { label: 'refused (%)', stroke: COLOURS.challenge, width: 2, value: legendValue(percent(worst), percent) },
        { label: 'threshold', stroke: COLOURS.deny, width: 1, dash: [6, 4], value: legendValue(percent(100 * maxRefusalRate), percent) },
      ],
    },
    [times, rates, threshold],
  );
}
