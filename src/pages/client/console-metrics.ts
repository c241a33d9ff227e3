/**
 * The console's metrics panel: a period's decision counts for one region at a
 * time — the summary in words, the charts (charts.ts), what refused
 * households said beside the refusal chart (console-feedback.ts), the guard's
 * line when the region's rule has one, and the steps as a table. A period too long for
 * every region at once (more than 10,000 points) is narrowed to the chosen
 * region, and the panel says so.
 */
import type { Metrics, Problem, RolloutRule } from '../../admin-client/client';
import { describeSharedNetworks, durationMinutes, formatCount, percentOf } from '../../admin-client/wording';
import { drawGuard, drawRegion } from './charts';
import { setStatus } from './common';
import { $, type Answer, type ConsoleContext } from './console-context';
import { row } from './console-cells';
import { feedbackWords, showFeedbackSaid } from './console-feedback';

/** `PT1H|PT1M` → since an hour ago, per minute. */
function rangeQuery(value: string): { since: string; step: string; words: string } {
  const [back, step] = value.split('|') as [string, string];
  const words = $<HTMLSelectElement>('metrics-range').selectedOptions[0]?.textContent ?? '';
  return { since: new Date(Date.now() - (durationMinutes(back) ?? 60) * 60_000).toISOString(), step, words };
}

function tooManyPoints(answer: Answer): boolean {
  const problem = answer.error as Partial<Problem> | undefined;
  return answer.response.status === 400 && problem?.field === 'step';
}

/** The metrics panel; `rules` are the regions panel's (for the guard's line, and the regions to narrow to). */
export function enableMetricsPanel({ api, status, refusal }: Pick<ConsoleContext, 'api' | 'status' | 'refusal'>, rules: () => Record<string, RolloutRule>): { load: () => Promise<void> } {
  let metrics: Metrics | null = null;
  /** The region the last answer was narrowed to (too many points over all regions), or null. */
  let narrowedTo: string | null = null;

  /**
   * Loads the period's counts for every region with counts. An answer may hold
   * at most 10,000 points: when a long period at a fine step over many regions
   * is refused (400 naming `step`), the console asks for the chosen region
   * alone and says so; choosing another region then loads that one.
   */
  /** Loads started so far: an answer is shown only if no later load began while it was on its way. */
  let loads = 0;

  async function loadMetrics(only?: string): Promise<void> {
    const load = ++loads;
    const range = rangeQuery($<HTMLSelectElement>('metrics-range').value);
    const select = $<HTMLSelectElement>('metrics-region');
    const query = { since: range.since, step: range.step };
    let answer = only ? await api.GET('/admin/v1/metrics', { params: { query: { ...query, region: only } } }) : await api.GET('/admin/v1/metrics', { params: { query } });
    // Kept until this load is done: a region chosen meanwhile still loads alone when the last answer was narrowed.
    let narrowed = only ?? null;
    if (!answer.data && tooManyPoints(answer)) {
      // The regions listed so far, else those with a rule, to choose from.
      if (select.options.length === 0) {
        const ruled = Object.keys(rules())
          .filter((region) => region !== '*')
          .toSorted();
        select.replaceChildren(...ruled.map((region) => new Option(region, region)));
      }
      const chosen = select.value;
      if (!chosen) return setStatus(status, `${refusal(answer)} No region to narrow to: choose a shorter period.`, 'bad');
      answer = await api.GET('/admin/v1/metrics', { params: { query: { ...query, region: chosen } } });
      narrowed = chosen;
    }
    // A later load (another click, another region) answers instead.
    if (load !== loads) return;
    narrowedTo = narrowed;
    const chosen = narrowedTo ?? select.value;
    if (!answer.data) return setStatus(status, refusal(answer), 'bad');
    metrics = answer.data;
    if (narrowedTo) {
      setStatus(status, `${range.words} over every region would be more than 10,000 points: showing ${narrowedTo} only. Choose another region to load it, or a shorter period for all.`);
      // The region chosen while it loaded, if another: load that one alone too.
      if (select.value && select.value !== narrowedTo) return loadMetrics(select.value);
    } else {
      const regions = Object.keys(metrics.regions);
      select.replaceChildren(...regions.map((region) => new Option(region, region)));
      if (regions.length > 0) select.value = regions.includes(chosen) ? chosen : regions.includes('PE') ? 'PE' : regions[0]!;
    }
    showRegion(range.words);
  }

  function showRegion(words: string): void {
    const region = $<HTMLSelectElement>('metrics-region').value;
    const data = region ? metrics?.regions[region] : undefined;
    if (!data) {
      $('metrics-summary').textContent = 'No decisions counted in this period. Counts reach the console within 10 seconds of a decision.';
      return;
    }
    const { totals, series } = data;
    const sessions = totals.sessions.allow + totals.sessions.challenge + totals.sessions.deny;
    $('metrics-summary').textContent =
      `${region}, ${words}: ${formatCount(sessions)} sessions and ${formatCount(totals.segments.allow + totals.segments.challenge + totals.segments.deny)} segments. ` +
      `Enforce would have refused ${formatCount(totals.wouldRefuse.sessions)} of them (${percentOf(totals.wouldRefuse.sessions, sessions)}); ` +
      `${formatCount(totals.verification.sent)} codes sent, ${formatCount(totals.verification.verified)} verified. ` +
      `Households: ${formatCount(totals.households.treated)} treated, ${formatCount(totals.households.refused)} of them refused (${percentOf(totals.households.refused, totals.households.treated)}); ` +
      `${formatCount(totals.households.sent)} sent a code, ${formatCount(totals.households.verified)} verified. ` +
      feedbackWords(totals.households) +
      describeSharedNetworks(totals);
    drawRegion(region, words, series, totals);
    showFeedbackSaid(totals.households);
    const guard = rules()[region]?.guard;
    $('guard-figure').hidden = guard?.maxRefusalRate === undefined;
    if (guard?.maxRefusalRate !== undefined) drawGuard(region, series, guard.maxRefusalRate);
    $('metrics-table').replaceChildren(
      ...series
        .filter((step) => step.sessions.allow + step.sessions.challenge + step.sessions.deny + step.verification.sent > 0)
        .map((step) =>
          row([
            step.at,
            step.sessions.allow + step.sessions.challenge + step.sessions.deny,
            step.sessions.allow,
            step.sessions.challenge,
            step.sessions.deny,
            step.wouldRefuse.sessions,
            step.households.treated,
            step.households.refused,
            step.verification.sent,
            step.verification.verified,
          ]),
        ),
    );
  }

  $('metrics-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void loadMetrics();
  });
  $('metrics-region').addEventListener('change', () => {
    const region = $<HTMLSelectElement>('metrics-region').value;
    if (narrowedTo && region && region !== narrowedTo) return void loadMetrics(region);
    showRegion(rangeQuery($<HTMLSelectElement>('metrics-range').value).words);
  });

  return { load: () => loadMetrics() };
}
