/**
 * What a run says, person by person: the numbers of the table, the strip of
 * days, and the message the viewer read (the catalog's, in English).
 */
import { messageFor } from '../../src/messages/catalog.ts';
import type { DecisionReason, Outcome } from '../../src/policy/decide.ts';
import type { Persona, PersonaRun, SessionRecord, Way } from './engine.ts';

export type DayMark = 'allowed' | 'challenged' | 'denied' | 'none';

export interface Summary {
  sessions: number;
  /** By the gate's first answer to each session. */
  allowed: number;
  challenged: number;
  denied: number;
  /** Sessions that played in the end (at once, or after a code, the owner or support). */
  played: number;
  codesSent: number;
  /** First day (0-based) with a session the gate did not allow at once; null: none. */
  firstRefusalDay: number | null;
  refusalDays: number;
  /** Days on which some session never played. */
  daysWithoutPlayback: number;
  /** Who got the viewer back in, at most: `none` (never needed), `alone` (a code), `owner`, `support`; `no way back` when a refusal stood. */
  wayBack: Way | 'no way back';
  /** The reason and message of the first refusal. */
  refusal: { reason: DecisionReason; message: string } | null;
  /** Sharers: share of sessions from the first refusal on that played. */
  allowedAfterFirstRefusal: number | null;
  /** Per day: the worst first answer, and whether some session never played. */
  strip: Array<{ mark: DayMark; unplayed: boolean }>;
}

const WAY_ORDER: Way[] = ['none', 'alone', 'owner', 'support'];
const MARK_ORDER: Record<Outcome, number> = { allow: 0, challenge: 1, deny: 2 };
const MARK: Record<Outcome, DayMark> = { allow: 'allowed', challenge: 'challenged', deny: 'denied' };

export function summarise(run: PersonaRun, days: number): Summary {
  const sessions = run.sessions.filter((s) => s.measured);
  const refused = (s: SessionRecord) => s.first !== 'allow';
  const firstRefused = sessions.find(refused);
  const refusalDays = new Set(sessions.filter(refused).map((s) => s.day));
  const unplayedDays = new Set(sessions.filter((s) => s.final !== 'allow').map((s) => s.day));
  const ways = new Set(sessions.map((s) => s.way));
  const highest = WAY_ORDER.findLast((way) => ways.has(way)) ?? 'none';
  const stuck = sessions.some((s) => s.final !== 'allow');
  const after = firstRefused ? sessions.slice(sessions.indexOf(firstRefused)) : [];
  const marks = Array.from({ length: days }, (_, day) => {
    const today = sessions.filter((s) => s.day === day);
    if (today.length === 0) return { mark: 'none' as const, unplayed: false };
    const worst = today.reduce((a, s) => (MARK_ORDER[s.first] > MARK_ORDER[a] ? s.first : a), 'allow' as Outcome);
    return { mark: MARK[worst], unplayed: unplayedDays.has(day) };
  });
  return {
    sessions: sessions.length,
    allowed: sessions.filter((s) => s.first === 'allow').length,
    challenged: sessions.filter((s) => s.first === 'challenge').length,
    denied: sessions.filter((s) => s.first === 'deny').length,
    played: sessions.filter((s) => s.final === 'allow').length,
    codesSent: run.codesSent,
    firstRefusalDay: firstRefused?.day ?? null,
    refusalDays: refusalDays.size,
    daysWithoutPlayback: unplayedDays.size,
    wayBack: stuck ? 'no way back' : highest,
    refusal: firstRefused ? { reason: firstRefused.firstReason, message: messageFor(firstRefused.firstReason, 'en') } : null,
    allowedAfterFirstRefusal: after.length === 0 ? null : after.filter((s) => s.final === 'allow').length / after.length,
    strip: marks,
  };
}

const pct = (n: number, of: number) => (of === 0 ? '–' : `${Math.round((100 * n) / of)} %`);

/** The table for households: one row per persona and preset. */
export function householdTable(rows: Array<{ persona: Persona; preset: string; summary: Summary }>): string {
  const lines = [
    '| Persona | Preset | Sessions | Allowed | Challenged | Denied | Played in the end | Codes sent | First refusal (day) | Days with a refusal | Way back | First message seen |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
  ];
  for (const { persona, preset, summary: s } of rows) {
    lines.push(
      `| ${persona.name} | ${preset} | ${s.sessions} | ${s.allowed} | ${s.challenged} | ${s.denied} | ${pct(s.played, s.sessions)} | ${s.codesSent} | ${s.firstRefusalDay ?? '–'} | ${s.refusalDays} | ${s.wayBack} | ${s.refusal ? `\`${s.refusal.reason}\`` : '–'} |`,
    );
  }
  return lines.join('\n');
}

/** Each reason the tables name, with the message the viewer read (the catalog's, in English). */
export function messagesSeen(summaries: Summary[]): string {
  const reasons = [...new Set(summaries.flatMap((s) => (s.refusal ? [s.refusal.reason] : [])))];
  return reasons.map((reason) => `- \`${reason}\`: “${messageFor(reason, 'en')}”`).join('\n');
}

/** The table for sharers: days to the first refusal, and the share of sessions that still played after it. */
export function sharerTable(rows: Array<{ persona: Persona; preset: string; summary: Summary }>): string {
  const lines = [
    '| Sharer | Preset | Sessions | Allowed | Challenged | Denied | Codes sent | Days to first refusal | Played after it | First message seen |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const { persona, preset, summary: s } of rows) {
    const after = s.allowedAfterFirstRefusal === null ? 'never refused' : `${Math.round(100 * s.allowedAfterFirstRefusal)} %`;
    lines.push(
      `| ${persona.name} | ${preset} | ${s.sessions} | ${s.allowed} | ${s.challenged} | ${s.denied} | ${s.codesSent} | ${s.firstRefusalDay ?? '–'} | ${after} | ${s.refusal ? `\`${s.refusal.reason}\`` : '–'} |`,
    );
  }
  return lines.join('\n');
}

const COLOURS: Record<DayMark, string> = { allowed: '#2e7d32', challenged: '#f9a825', denied: '#c62828', none: '#e0e0e0' };

/** A day-by-day strip per preset: allowed, challenged or denied at first; a dot where a session never played. No external assets. */
export function strip(persona: Persona, rows: Array<{ label: string; summary: Summary }>, days: number): string {
  const cell = 6;
  const labelWidth = 190;
  const top = 34;
  const rowHeight = 22;
  const width = labelWidth + days * cell + 10;
  const height = top + rows.length * rowHeight + 28;
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="title-${persona.id}">`,
    `<title id="title-${persona.id}">${escape(persona.name)}: ${days} days, allowed / challenged / denied by preset</title>`,
    `<style>text{font:12px sans-serif;fill:#212121}.small{font-size:10px;fill:#616161}</style>`,
    `<text x="0" y="14">${escape(persona.name)}</text>`,
  ];
  for (let day = 0; day < days; day += 10) parts.push(`<text class="small" x="${labelWidth + day * cell}" y="${top - 6}">${day}</text>`);
  rows.forEach(({ label, summary }, index) => {
    const y = top + index * rowHeight;
    parts.push(`<text x="0" y="${y + 12}">${escape(label)}</text>`);
    summary.strip.forEach(({ mark, unplayed }, day) => {
      const x = labelWidth + day * cell;
      parts.push(`<rect x="${x}" y="${y}" width="${cell - 1}" height="16" fill="${COLOURS[mark]}"><title>day ${day}: ${mark}${unplayed ? ', did not play' : ''}</title></rect>`);
      if (unplayed) parts.push(`<circle cx="${x + (cell - 1) / 2}" cy="${y + 8}" r="1.6" fill="#000"/>`);
    });
  });
  const legendY = top + rows.length * rowHeight + 12;
  const legend: Array<[string, string]> = [
    [COLOURS.allowed, 'allowed'],
    [COLOURS.challenged, 'challenged'],
    [COLOURS.denied, 'denied'],
  ];
  legend.forEach(([colour, text], i) => {
    parts.push(
      `<rect x="${labelWidth + i * 110}" y="${legendY}" width="10" height="10" fill="${colour}"/><text class="small" x="${labelWidth + i * 110 + 14}" y="${legendY + 9}">${text} at first</text>`,
    );
  });
  parts.push(`<circle cx="${labelWidth + 335}" cy="${legendY + 5}" r="1.6" fill="#000"/><text class="small" x="${labelWidth + 341}" y="${legendY + 9}">a session did not play</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
