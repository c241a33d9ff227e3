/**
 * The grammar of decision counter names (tally.ts): the one place names are
 * written (`counterName`) and read (`parseCounter`), with the lists each
 * part is taken from. Names hold outcomes, reasons, modes, device types and
 * rollout buckets only: never an account, a device or an address.
 *
 *   d|<route>|<decision>|<enforced>|<reason>|<mode>   one answer (sessions and segments)
 *   v|<event>|<mode>                                  one step of the verification funnel
 *   p|<key>|<bucket>|<class>|<deviceType>             one session outside the household, for replay:
 *                                                     key `r` = bucket under "<region>:<account>",
 *                                                     key `*` = under "*:<account>"; class `outside` or `travel`
 *   f|<outcome>|<deviceType>                          one session whose answer no rule changes
 *   e|<route>|<evidence>                              one answer enforce would give IN_HOUSEHOLD, by what
 *                                                     made it home: `network`, `anchor` or `copresence`
 *   s|<route>|<enforced>                              one answer to a request from a shared home network
 *   b|<situation>                                     one answer to "why are you where you are?" (v1.4)
 *   r|<version>|<route>|<outcome>                     answers by the Worker version that gave them (src/version.ts's label;
 *                                                     a region minute holds the one or two versions then deployed)
 *
 * A name outside the grammar reads as no counter.
 */
import type { TokenFailureReason } from '../identity/jwt-verifier';
import { isVersionLabel } from '../version';
import type { DecisionReason, Outcome } from '../policy/decide';
import { DEVICE_TYPES, FEEDBACK_SITUATIONS, HOME_EVIDENCE, MODES, type DeviceType, type FeedbackSituation, type HomeEvidence, type Mode } from '../vocabulary';

export const ROUTES = ['session', 'segment'] as const;
/** A session is one answer of `GET /gate/v1/decision`; a segment is one playback-path answer. */
export type MetricsRoute = (typeof ROUTES)[number];

export const OUTCOMES = ['allow', 'challenge', 'deny'] as const satisfies readonly Outcome[];

/** `RATE_LIMITED`: an answer a Workers Rate Limiting binding stopped before it was decided or recorded (contract §9). */
export type CountedReason = DecisionReason | TokenFailureReason | 'RATE_LIMITED';
export const COUNTED_REASONS = [
  'DEVICE_REVOKED',
  'DEVICE_PROOF_REQUIRED',
  'STATE_UNAVAILABLE',
  'ENFORCEMENT_OFF',
  'HOUSEHOLD_ESTABLISHED',
  'HOUSEHOLD_NOT_SET',
  'IN_HOUSEHOLD',
  'TRUSTED_DEVICE',
  'TEMPORARY_ACCESS',
  'EXTRA_MEMBER',
  'SUPPORT_GRANT',
  'OUTSIDE_HOUSEHOLD',
  'TRAVEL_LIMIT_REACHED',
  'TOKEN_MISSING',
  'TOKEN_INVALID',
  'TOKEN_EXPIRED',
  'AWAY_ACCESS',
  'RATE_LIMITED',
] as const satisfies readonly CountedReason[];
// Every reason has a cell: a reason added to the decision and not here fails to compile.
type MustHold<Check extends true> = Check;
export type EveryReasonCounted = MustHold<[Exclude<CountedReason, (typeof COUNTED_REASONS)[number]>] extends [never] ? true : false>;

export const FUNNEL_EVENTS = ['sent', 'verified', 'wrong', 'locked', 'expired'] as const;
export type FunnelEvent = (typeof FUNNEL_EVENTS)[number];

/** How a session outside the household fares under a rule (docs/api.md, previews). */
export const REPLAY_CLASSES = ['outside', 'travel'] as const;
export type ReplayClass = (typeof REPLAY_CLASSES)[number];
export const BUCKET_KEYS = ['r', '*'] as const;
export type BucketKey = (typeof BUCKET_KEYS)[number];
export const BUCKETS = 100;

/** The modes a rule treats its accounts with (inside its percent). */
export const TREATED = new Set<string>(['challenge', 'enforce']);

/** `-` stands for "no mode" (a token failure) and "no device type" (an unknown device). */
export const NONE = '-';
export const MODE_CELLS = [...MODES, NONE] as const;
export const DEVICE_CELLS = [...DEVICE_TYPES, NONE] as const;

const indexOf = <T extends string>(list: readonly T[]) => new Map<string, number>(list.map((name, index) => [name, index]));
export const ROUTE_INDEX = indexOf(ROUTES);
export const OUTCOME_INDEX = indexOf(OUTCOMES);
export const REASON_INDEX = indexOf(COUNTED_REASONS);
export const MODE_INDEX = indexOf(MODE_CELLS);
export const DEVICE_INDEX = indexOf(DEVICE_CELLS);
export const FUNNEL_INDEX = indexOf(FUNNEL_EVENTS);
export const EVIDENCE_INDEX = indexOf(HOME_EVIDENCE);
export const SITUATION_INDEX = indexOf(FEEDBACK_SITUATIONS);

/** The counter names of a flush and their counts; only counters that moved are present. */
export type TallyRecord = Record<string, number>;

/** One counter by its parts: what a counter name says (the grammar above). Null mode or device type: `-`. */
export type Counter =
  | { kind: 'decision'; route: MetricsRoute; decision: Outcome; enforced: Outcome; reason: CountedReason; mode: Mode | null }
  | { kind: 'funnel'; event: FunnelEvent; mode: Mode | null }
  | { kind: 'replay'; key: BucketKey; bucket: number; replayClass: ReplayClass; deviceType: DeviceType }
  | { kind: 'fixed'; outcome: Outcome; deviceType: DeviceType | null }
  | { kind: 'evidence'; route: MetricsRoute; evidence: HomeEvidence }
  | { kind: 'shared'; route: MetricsRoute; enforced: Outcome }
  | { kind: 'feedback'; situation: FeedbackSituation }
  | { kind: 'version'; version: string; route: MetricsRoute; outcome: Outcome };
export type CounterKind = Counter['kind'];

/** The first part of a counter's name, by kind: stored names keep these letters. */
const PREFIXES = { decision: 'd', funnel: 'v', replay: 'p', fixed: 'f', evidence: 'e', shared: 's', feedback: 'b', version: 'r' } as const satisfies Record<CounterKind, string>;
const KIND_OF_PREFIX = new Map<string, CounterKind>(Object.entries(PREFIXES).map(([kind, prefix]) => [prefix, kind as CounterKind]));

/**
 * The name of a counter: the one way names are written (the tally's flush,
 * and tests that build records by hand).
 */
export function counterName(counter: Counter): string {
  const p = PREFIXES[counter.kind];
  switch (counter.kind) {
    case 'decision':
      return `${p}|${counter.route}|${counter.decision}|${counter.enforced}|${counter.reason}|${counter.mode ?? NONE}`;
    case 'funnel':
      return `${p}|${counter.event}|${counter.mode ?? NONE}`;
    case 'replay':
      return `${p}|${counter.key}|${counter.bucket}|${counter.replayClass}|${counter.deviceType}`;
    case 'fixed':
      return `${p}|${counter.outcome}|${counter.deviceType ?? NONE}`;
    case 'evidence':
      return `${p}|${counter.route}|${counter.evidence}`;
    case 'shared':
      return `${p}|${counter.route}|${counter.enforced}`;
    case 'feedback':
      return `${p}|${counter.situation}`;
    case 'version':
      return `${p}|${counter.version}|${counter.route}|${counter.outcome}`;
  }
}

/** Which kind of counter a name is, by its first part alone (null: none of ours). */
export function counterKindOf(name: string): CounterKind | null {
  const bar = name.indexOf('|');
  return bar < 0 ? null : (KIND_OF_PREFIX.get(name.slice(0, bar)) ?? null);
}

const REPLAY_CLASS_INDEX = indexOf(REPLAY_CLASSES);
const BUCKET_KEY_INDEX = indexOf(BUCKET_KEYS);
const DEVICE_TYPE_INDEX = indexOf(DEVICE_TYPES);
const BUCKET = /^(?:0|[1-9]\d?)$/;
export const modeOf = (cell: string) => (cell === NONE ? null : (cell as Mode));

/**
 * The counter a name stands for: the one way names are read (the readers
 * below). A name outside the grammar — a part no list holds, a part too
 * many or too few — is null, and read as no counter.
 */
export function parseCounter(name: string): Counter | null {
  const parts = name.split('|');
  switch (counterKindOf(name)) {
    case 'decision': {
      const [, route, decision, enforced, reason, mode] = parts as [string, MetricsRoute, Outcome, Outcome, CountedReason, string];
      if (parts.length !== 6 || !ROUTE_INDEX.has(route) || !OUTCOME_INDEX.has(decision) || !OUTCOME_INDEX.has(enforced) || !REASON_INDEX.has(reason) || !MODE_INDEX.has(mode)) return null;
      return { kind: 'decision', route, decision, enforced, reason, mode: modeOf(mode) };
    }
    case 'funnel': {
      const [, event, mode] = parts as [string, FunnelEvent, string];
      if (parts.length !== 3 || !FUNNEL_INDEX.has(event) || !MODE_INDEX.has(mode)) return null;
      return { kind: 'funnel', event, mode: modeOf(mode) };
    }
    case 'replay': {
      const [, key, bucket, replayClass, deviceType] = parts as [string, BucketKey, string, ReplayClass, DeviceType];
      if (parts.length !== 5 || !BUCKET_KEY_INDEX.has(key) || !BUCKET.test(bucket) || !REPLAY_CLASS_INDEX.has(replayClass) || !DEVICE_TYPE_INDEX.has(deviceType)) return null;
      return { kind: 'replay', key, bucket: Number(bucket), replayClass, deviceType };
    }
    case 'fixed': {
      const [, outcome, deviceType] = parts as [string, Outcome, string];
      if (parts.length !== 3 || !OUTCOME_INDEX.has(outcome) || !DEVICE_INDEX.has(deviceType)) return null;
      return { kind: 'fixed', outcome, deviceType: deviceType === NONE ? null : (deviceType as DeviceType) };
    }
    case 'evidence': {
      const [, route, evidence] = parts as [string, MetricsRoute, HomeEvidence];
      if (parts.length !== 3 || !ROUTE_INDEX.has(route) || !EVIDENCE_INDEX.has(evidence)) return null;
      return { kind: 'evidence', route, evidence };
    }
    case 'shared': {
      const [, route, enforced] = parts as [string, MetricsRoute, Outcome];
      if (parts.length !== 3 || !ROUTE_INDEX.has(route) || !OUTCOME_INDEX.has(enforced)) return null;
      return { kind: 'shared', route, enforced };
    }
    case 'feedback': {
      const [, situation] = parts as [string, FeedbackSituation];
      if (parts.length !== 2 || !SITUATION_INDEX.has(situation)) return null;
      return { kind: 'feedback', situation };
    }
    case 'version': {
      const [, version, route, outcome] = parts as [string, string, MetricsRoute, Outcome];
      if (parts.length !== 4 || !isVersionLabel(version) || !ROUTE_INDEX.has(route) || !OUTCOME_INDEX.has(outcome)) return null;
      return { kind: 'version', version, route, outcome };
    }
    case null:
      return null;
  }
}
