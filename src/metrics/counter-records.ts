/**
 * Reading flushed counter records (`TallyRecord`, tally.ts) back: summing
 * and subtracting them, keeping what a metrics answer reads, and turning
 * them into the contract's `Counts`, a guard's treated counts or a
 * preview's replay cells. Pure data; names are read by `parseCounter` only.
 */
import type { z } from 'zod';
import type { Outcome } from '../policy/decide';
import { FEEDBACK_SITUATIONS, type DeviceType, type FeedbackSituation, type HomeEvidence } from '../vocabulary';
import type { counts, outcomeCounts } from './counts-schema';
import { counterKindOf, NONE, parseCounter, TREATED, type BucketKey, type CountedReason, type MetricsRoute, type ReplayClass, type TallyRecord } from './counter-names';

/**
 * Whether a record holds a count that needed a valid token: a decision
 * answered under a rule (a token failure has no mode) or a step of the
 * verification funnel (only a signed-in device asks for a code). Only such
 * counts make a region known to metrics: a request with no token, or a
 * forged one, can claim any country and must not add a region.
 */
export function hasValidTokenCounts(record: TallyRecord): boolean {
  for (const [name, n] of Object.entries(record)) {
    if (n <= 0) continue;
    const counter = parseCounter(name);
    if (counter?.kind === 'funnel' || counter?.kind === 'feedback') return true;
    if (counter?.kind === 'decision' && counter.mode !== null) return true;
  }
  return false;
}

/**
 * The record without its replay counters (`p|`, `f|`): what a metrics answer
 * reads. Replay cells — up to 1,200 per step — serve previews only, so a
 * series of thousands of steps must not carry them.
 */
export function withoutReplay(record: TallyRecord): TallyRecord {
  const kept: TallyRecord = {};
  for (const [name, n] of Object.entries(record)) {
    const kind = counterKindOf(name);
    if (kind !== 'replay' && kind !== 'fixed') kept[name] = n;
  }
  return kept;
}

/** Adds `source` into `target`. */
export function addRecord(target: TallyRecord, source: TallyRecord): TallyRecord {
  for (const [name, n] of Object.entries(source)) target[name] = (target[name] ?? 0) + n;
  return target;
}

/** Takes `source` (counts already in `target`) out of `target`; never below zero. */
export function subtractRecord(target: TallyRecord, source: TallyRecord): TallyRecord {
  for (const [name, n] of Object.entries(source)) target[name] = Math.max(0, (target[name] ?? 0) - n);
  return target;
}

export type OutcomeCounts = z.output<typeof outcomeCounts>;

/**
 * The contract's `Counts`, plus answers by mode: read off its schema
 * (counts-schema.ts). Only `reasons` is narrowed here: over the API it is an
 * open map of reason codes (codes may be added), and the tally only ever
 * counts the reasons it knows.
 */
export type Counts = Omit<z.output<typeof counts>, 'reasons'> & { reasons: Partial<Record<CountedReason, number>> };

const outcomes = (): OutcomeCounts => ({ allow: 0, challenge: 0, deny: 0 });
const byMode = () => ({ off: 0, monitor: 0, challenge: 0, enforce: 0, none: 0 });
const emptyFeedback = (): Record<FeedbackSituation, number> => Object.fromEntries(FEEDBACK_SITUATIONS.map((situation) => [situation, 0])) as Record<FeedbackSituation, number>;
const byEvidence = (): Record<HomeEvidence, number> => ({ network: 0, anchor: 0, copresence: 0 });

export function emptyCounts(): Counts {
  return {
    sessions: outcomes(),
    segments: outcomes(),
    wouldRefuse: { sessions: 0, segments: 0 },
    reasons: {},
    verification: { sent: 0, verified: 0, wrong: 0, locked: 0, expired: 0 },
    modes: { sessions: byMode(), segments: byMode() },
    treated: { sessions: 0, refused: 0, codesSent: 0, codesVerified: 0 },
    inHousehold: { sessions: byEvidence(), segments: byEvidence() },
    sharedNetworks: { sessions: 0, segments: 0, wouldRefuse: { sessions: 0, segments: 0 } },
    households: { treated: 0, refused: 0, sent: 0, verified: 0, feedback: emptyFeedback() },
    feedback: emptyFeedback(),
  };
}

const pluralOf = (route: MetricsRoute) => (route === 'session' ? 'sessions' : 'segments');

/** Reads a record's counters into `Counts` (adding to `into` when given). */
export function countsOf(record: TallyRecord, into: Counts = emptyCounts()): Counts {
  const treated = treatedCounts(record);
  into.treated.sessions += treated.sessions;
  into.treated.refused += treated.refused;
  into.treated.codesSent += treated.codesSent;
  into.treated.codesVerified += treated.codesVerified;
  for (const [name, n] of Object.entries(record)) {
    const counter = parseCounter(name);
    if (counter?.kind === 'decision') {
      const plural = pluralOf(counter.route);
      into[plural][counter.decision] += n;
      if (counter.enforced !== 'allow') into.wouldRefuse[plural] += n;
      into.reasons[counter.reason] = (into.reasons[counter.reason] ?? 0) + n;
      into.modes[plural][counter.mode ?? 'none'] += n;
    } else if (counter?.kind === 'funnel') {
      into.verification[counter.event] += n;
    } else if (counter?.kind === 'evidence') {
      into.inHousehold[pluralOf(counter.route)][counter.evidence] += n;
    } else if (counter?.kind === 'shared') {
      const plural = pluralOf(counter.route);
      into.sharedNetworks[plural] += n;
      if (counter.enforced !== 'allow') into.sharedNetworks.wouldRefuse[plural] += n;
    } else if (counter?.kind === 'feedback') {
      into.feedback[counter.situation] += n;
    }
  }
  return into;
}

/** Treated sessions (answered under `challenge` or `enforce`), refusals among them, and their codes sent and verified: what a guard reads. */
export function treatedCounts(record: TallyRecord): { sessions: number; refused: number; codesSent: number; codesVerified: number } {
  const counts = { sessions: 0, refused: 0, codesSent: 0, codesVerified: 0 };
  for (const [name, n] of Object.entries(record)) {
    const counter = parseCounter(name);
    if (counter?.kind === 'decision' && counter.route === 'session' && TREATED.has(counter.mode ?? NONE)) {
      counts.sessions += n;
      if (counter.decision !== 'allow') counts.refused += n;
    } else if (counter?.kind === 'funnel' && TREATED.has(counter.mode ?? NONE)) {
      if (counter.event === 'sent') counts.codesSent += n;
      if (counter.event === 'verified') counts.codesVerified += n;
    }
  }
  return counts;
}

/** One replay cell of a record: a session outside the household, or one whose answer no rule changes. */
export type ReplayCell =
  | { kind: 'bucketed'; key: BucketKey; bucket: number; replayClass: ReplayClass; deviceType: DeviceType; sessions: number }
  | { kind: 'fixed'; outcome: Outcome; deviceType: DeviceType | null; sessions: number };

export function replayCells(record: TallyRecord): ReplayCell[] {
  const cells: ReplayCell[] = [];
  for (const [name, n] of Object.entries(record)) {
    const counter = parseCounter(name);
    if (counter?.kind === 'replay') {
      const { key, bucket, replayClass, deviceType } = counter;
      cells.push({ kind: 'bucketed', key, bucket, replayClass, deviceType, sessions: n });
    } else if (counter?.kind === 'fixed') {
      cells.push({ kind: 'fixed', outcome: counter.outcome, deviceType: counter.deviceType, sessions: n });
    }
  }
  return cells;
}

/** Answers by the Worker version that gave them (`byVersion` in metrics), sessions and segments by outcome. */
export type VersionCounts = Map<string, { sessions: OutcomeCounts; segments: OutcomeCounts }>;

/** Reads a record's version counters into `into`. */
export function versionCountsOf(record: TallyRecord, into: VersionCounts = new Map()): VersionCounts {
  for (const [name, n] of Object.entries(record)) {
    const counter = parseCounter(name);
    if (counter?.kind !== 'version') continue;
    let counts = into.get(counter.version);
    if (!counts) into.set(counter.version, (counts = { sessions: { allow: 0, challenge: 0, deny: 0 }, segments: { allow: 0, challenge: 0, deny: 0 } }));
    counts[pluralOf(counter.route)][counter.outcome] += n;
  }
  return into;
}

/** The most versions a metrics answer lists by name; the rest are summed as `other` (a gradual deployment has two). */
export const VERSIONS_LISTED = 8;

/** `counts` as an answer: the VERSIONS_LISTED versions with the most answers, the rest summed under `other`. */
export function versionBreakdown(counts: VersionCounts): Record<string, { sessions: OutcomeCounts; segments: OutcomeCounts }> {
  const total = (c: { sessions: OutcomeCounts; segments: OutcomeCounts }) => Object.values(c.sessions).reduce((a, b) => a + b, 0) + Object.values(c.segments).reduce((a, b) => a + b, 0);
  const ranked = [...counts].toSorted((a, b) => total(b[1]) - total(a[1]) || a[0].localeCompare(b[0]));
  const answer = Object.fromEntries(ranked.slice(0, VERSIONS_LISTED));
  const rest = ranked.slice(VERSIONS_LISTED);
  if (rest.length > 0) {
    const other = { sessions: { allow: 0, challenge: 0, deny: 0 }, segments: { allow: 0, challenge: 0, deny: 0 } };
    for (const [, c] of rest) for (const route of ['sessions', 'segments'] as const) for (const outcome of ['allow', 'challenge', 'deny'] as const) other[route][outcome] += c[route][outcome];
    answer.other = other;
  }
  return answer;
}
