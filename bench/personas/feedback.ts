/**
 * What ops would have seen of the question after a refusal (contract §8):
 * each household persona answers it once on every day a session of its is
 * refused, with its own situation (`says`), and the gate counts households,
 * as `households.feedback` in GET /admin/v1/metrics does — so a household
 * answering on 30 days, or from three devices, counts once. Per preset: the
 * refused households, how many said each situation, and the share that said
 * `live-here` (what `guard.maxLiveHereRate` reads). Sharers are left out:
 * they say what they like.
 */
import { FEEDBACK_SITUATIONS, type FeedbackSituation } from '../../src/vocabulary.ts';
import type { Persona } from './engine.ts';
import type { Summary } from './report.ts';

export interface HeardRow {
  preset: string;
  refusedHouseholds: number;
  said: Record<FeedbackSituation, number>;
  /** Taps over the days: one per day with a refusal. */
  answers: number;
  /** live-here / refused households; null with none refused. */
  liveHereRate: number | null;
}

/** The households' answers under one preset. */
export function heard(preset: string, rows: Array<{ persona: Persona; summary: Summary }>): HeardRow {
  const said = Object.fromEntries(FEEDBACK_SITUATIONS.map((situation) => [situation, 0])) as Record<FeedbackSituation, number>;
  let refusedHouseholds = 0;
  let answers = 0;
  for (const { persona, summary } of rows) {
    if (persona.kind !== 'household' || summary.firstRefusalDay === null) continue;
    refusedHouseholds += 1;
    if (!persona.says) continue;
    said[persona.says] += 1;
    answers += summary.refusalDays;
  }
  return { preset, refusedHouseholds, said, answers, liveHereRate: refusedHouseholds === 0 ? null : said['live-here'] / refusedHouseholds };
}

/** The table docs/fairness.md shows. */
export function heardTable(rows: HeardRow[]): string {
  const lines = [
    `| Preset | Refused households | ${FEEDBACK_SITUATIONS.map((s) => `\`${s}\``).join(' | ')} | Said \`live-here\` | Answers |`,
    `|---|---:|${FEEDBACK_SITUATIONS.map(() => '---:').join('|')}|---:|---:|`,
  ];
  for (const row of rows) {
    const share = row.liveHereRate === null ? '–' : `${Math.round(100 * row.liveHereRate)} %`;
    lines.push(`| ${row.preset} | ${row.refusedHouseholds} | ${FEEDBACK_SITUATIONS.map((s) => row.said[s]).join(' | ')} | ${share} | ${row.answers} |`);
  }
  return lines.join('\n');
}
