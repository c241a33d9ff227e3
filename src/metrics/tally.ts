/**
 * Decision counts (docs/api.md, "Metrics and previews"), as pure data.
 *
 * On the hot path an isolate bumps one cell of fixed typed arrays per
 * decision (`RegionTally`): no I/O, no allocation. A flush turns the cells
 * that moved into a `TallyRecord` — a sparse map of counter name to count —
 * which is what travels to the region's Durable Object, is summed there per
 * minute and per hour, and is read back into the contract's `Counts`.
 *
 * Counter names hold outcomes, reasons, modes, device types and rollout
 * buckets only: never an account, a device or an address.
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
 *
 * Names are written by `counterName` and read by `parseCounter` only (the
 * flush, the readers below, and tests that build records by hand), so the
 * grammar lives in one place; a name outside it reads as no counter.
 *
 * Beside the counters, four household sketches (household-sketch.ts) count
 * distinct households — keyed hashes, never ids: *treated* (a session under
 * `challenge` or `enforce`), *refused* (such a session refused), *sent* (a
 * code sent) and *verified* (a code verified). A guard reads these, so one
 * household moves a rate by one household however many requests it sends.
 */
import type { z } from 'zod';
import type { TokenFailureReason } from '../identity/jwt-verifier';
import type { DecisionReason, Outcome } from '../policy/decide';
import { DEVICE_TYPES, HOME_EVIDENCE, MODES, type DeviceType, type HomeEvidence, type Mode } from '../vocabulary';
import type { counts, outcomeCounts } from './counts-schema';
import { HouseholdSketch, type HouseholdHash } from './household-sketch';

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
const TREATED = new Set<string>(['challenge', 'enforce']);

/** `-` stands for "no mode" (a token failure) and "no device type" (an unknown device). */
const NONE = '-';
const MODE_CELLS = [...MODES, NONE] as const;
const DEVICE_CELLS = [...DEVICE_TYPES, NONE] as const;

const indexOf = <T extends string>(list: readonly T[]) => new Map<string, number>(list.map((name, index) => [name, index]));
const ROUTE_INDEX = indexOf(ROUTES);
const OUTCOME_INDEX = indexOf(OUTCOMES);
const REASON_INDEX = indexOf(COUNTED_REASONS);
const MODE_INDEX = indexOf(MODE_CELLS);
const DEVICE_INDEX = indexOf(DEVICE_CELLS);
const FUNNEL_INDEX = indexOf(FUNNEL_EVENTS);
const EVIDENCE_INDEX = indexOf(HOME_EVIDENCE);

const DECISION_CELLS = ROUTES.length * OUTCOMES.length * OUTCOMES.length * COUNTED_REASONS.length * MODE_CELLS.length;
const FUNNEL_CELLS = FUNNEL_EVENTS.length * MODE_CELLS.length;
const REPLAY_CELLS = BUCKET_KEYS.length * BUCKETS * REPLAY_CLASSES.length * DEVICE_TYPES.length;
const FIXED_CELLS = OUTCOMES.length * DEVICE_CELLS.length;
const EVIDENCE_CELLS = ROUTES.length * HOME_EVIDENCE.length;
const SHARED_CELLS = ROUTES.length * OUTCOMES.length;

export const HOUSEHOLD_KINDS = ['treated', 'refused', 'sent', 'verified'] as const;
export type HouseholdKind = (typeof HOUSEHOLD_KINDS)[number];
/** Household sketches by kind; a kind nobody was counted in is absent. */
export type Households = Partial<Record<HouseholdKind, HouseholdSketch>>;
/** Households sketches serialised, as they travel to the region's object and are stored there. */
export type HouseholdBytes = Partial<Record<HouseholdKind, Uint8Array>>;
/** Distinct-household estimates by kind (the contract's `households`). */
export type HouseholdCounts = Record<HouseholdKind, number>;

/** Adds `household` to the `kind` sketch of `households`. */
export function countHousehold(households: Households, kind: HouseholdKind, household: HouseholdHash): void {
  (households[kind] ??= new HouseholdSketch()).add(household);
}

/** Merges `source` (live or serialised) into `target`. */
export function mergeHouseholds(target: Households, source: Households | HouseholdBytes): Households {
  for (const kind of HOUSEHOLD_KINDS) {
    const sketch = source[kind];
    if (sketch === undefined) continue;
    (target[kind] ??= new HouseholdSketch()).merge(sketch instanceof HouseholdSketch ? sketch : HouseholdSketch.deserialise(sketch));
  }
  return target;
}

export function serialiseHouseholds(households: Households): HouseholdBytes {
  const bytes: HouseholdBytes = {};
  for (const kind of HOUSEHOLD_KINDS) if (households[kind] && !households[kind].empty) bytes[kind] = households[kind].serialise();
  return bytes;
}

export function householdCounts(households: Households): HouseholdCounts {
  return { treated: households.treated?.estimate() ?? 0, refused: households.refused?.estimate() ?? 0, sent: households.sent?.estimate() ?? 0, verified: households.verified?.estimate() ?? 0 };
}

/** The counter names of a flush and their counts; only counters that moved are present. */
export type TallyRecord = Record<string, number>;

/** One counter by its parts: what a counter name says (the grammar above). Null mode or device type: `-`. */
export type Counter =
  | { kind: 'decision'; route: MetricsRoute; decision: Outcome; enforced: Outcome; reason: CountedReason; mode: Mode | null }
  | { kind: 'funnel'; event: FunnelEvent; mode: Mode | null }
  | { kind: 'replay'; key: BucketKey; bucket: number; replayClass: ReplayClass; deviceType: DeviceType }
  | { kind: 'fixed'; outcome: Outcome; deviceType: DeviceType | null }
  | { kind: 'evidence'; route: MetricsRoute; evidence: HomeEvidence }
  | { kind: 'shared'; route: MetricsRoute; enforced: Outcome };
export type CounterKind = Counter['kind'];

/** The first part of a counter's name, by kind: stored names keep these letters. */
const PREFIXES = { decision: 'd', funnel: 'v', replay: 'p', fixed: 'f', evidence: 'e', shared: 's' } as const satisfies Record<CounterKind, string>;
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
const modeOf = (cell: string) => (cell === NONE ? null : (cell as Mode));

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
    case null:
      return null;
  }
}

/** One answer, as the counters see it. */
export interface CountedAnswer {
  route: MetricsRoute;
  decision: Outcome;
  /** What `enforce` would have answered. */
  enforced: Outcome;
  reason: CountedReason;
  /** Null for a token failure (no rule was applied). */
  mode: Mode | null;
  deviceType: DeviceType | null;
  /** When enforce would answer IN_HOUSEHOLD: on what evidence. */
  evidence: HomeEvidence | null;
  /** The request came from one of the household's shared home networks. */
  sharedNetwork: boolean;
  /** The rollout version it was decided under (absent for a token failure: no rule was applied). */
  policyVersion?: number;
}

/** For a session: the account's buckets, to replay it under any rule of its region. */
export interface ReplayBuckets {
  /** Under "<region>:<accountId>". */
  region: number;
  /** Under "*:<accountId>". */
  fallback: number;
}

/**
 * One region's counts for one minute in one isolate. Counting is index
 * arithmetic on preallocated arrays; `record()` allocates, once per flush.
 */
export class RegionTally {
  readonly decisions = new Uint32Array(DECISION_CELLS);
  readonly funnel = new Uint32Array(FUNNEL_CELLS);
  readonly replay = new Uint32Array(REPLAY_CELLS);
  readonly fixed = new Uint32Array(FIXED_CELLS);
  readonly evidence = new Uint32Array(EVIDENCE_CELLS);
  readonly shared = new Uint32Array(SHARED_CELLS);
  /** Distinct households (keyed hashes) by kind, made on first use. */
  readonly households: Households = {};
  /** Whether anything was counted since the tally was made. */
  touched = false;
  /** The rollout version its counts were decided under (undefined: none yet, or token failures only). */
  policyVersion: number | undefined = undefined;

  constructor(
    readonly region: string,
    /** The minute counted, as ms since the epoch (a multiple of 60 000). */
    readonly minute: number,
  ) {}

  /** Counts one answer; `household` (the account's keyed hash) counts a session's household. */
  count(answer: CountedAnswer, buckets: ReplayBuckets | null, household: HouseholdHash | null = null): void {
    if (household !== null && answer.route === 'session' && answer.mode !== null && TREATED.has(answer.mode)) {
      countHousehold(this.households, 'treated', household);
      if (answer.decision !== 'allow') countHousehold(this.households, 'refused', household);
    }
    const mode = MODE_INDEX.get(answer.mode ?? NONE)!;
    const cell =
      (((ROUTE_INDEX.get(answer.route)! * OUTCOMES.length + OUTCOME_INDEX.get(answer.decision)!) * OUTCOMES.length + OUTCOME_INDEX.get(answer.enforced)!) * COUNTED_REASONS.length +
        REASON_INDEX.get(answer.reason)!) *
        MODE_CELLS.length +
      mode;
    this.decisions[cell]! += 1;
    this.touched = true;
    const route = ROUTE_INDEX.get(answer.route)!;
    if (answer.evidence !== null) this.evidence[route * HOME_EVIDENCE.length + EVIDENCE_INDEX.get(answer.evidence)!]! += 1;
    if (answer.sharedNetwork) this.shared[route * OUTCOMES.length + OUTCOME_INDEX.get(answer.enforced)!]! += 1;
    if (answer.route !== 'session') return;
    const replayClass = replayClassOf(answer);
    if (replayClass !== null && buckets !== null && answer.deviceType !== null) {
      const classIndex = replayClass === 'outside' ? 0 : 1;
      const device = DEVICE_INDEX.get(answer.deviceType)!;
      this.replay[replayCell(0, buckets.region, classIndex, device)]! += 1;
      this.replay[replayCell(1, buckets.fallback, classIndex, device)]! += 1;
    } else {
      this.fixed[OUTCOME_INDEX.get(answer.decision)! * DEVICE_CELLS.length + DEVICE_INDEX.get(answer.deviceType ?? NONE)!]! += 1;
    }
  }

  /** Counts one step of the funnel; `household` counts a code sent or verified by household. */
  countFunnel(event: FunnelEvent, mode: Mode | null, household: HouseholdHash | null = null): void {
    if (household !== null && (event === 'sent' || event === 'verified')) countHousehold(this.households, event, household);
    this.funnel[FUNNEL_INDEX.get(event)! * MODE_CELLS.length + MODE_INDEX.get(mode ?? NONE)!]! += 1;
    this.touched = true;
  }

  /** The counters that moved, by name. */
  record(): TallyRecord {
    const record: TallyRecord = {};
    forEachCount(this.decisions, (cell, n) => {
      const mode = cell % MODE_CELLS.length;
      let rest = (cell - mode) / MODE_CELLS.length;
      const reason = rest % COUNTED_REASONS.length;
      rest = (rest - reason) / COUNTED_REASONS.length;
      const enforced = rest % OUTCOMES.length;
      rest = (rest - enforced) / OUTCOMES.length;
      const decision = rest % OUTCOMES.length;
      const route = (rest - decision) / OUTCOMES.length;
      record[
        counterName({ kind: 'decision', route: ROUTES[route]!, decision: OUTCOMES[decision]!, enforced: OUTCOMES[enforced]!, reason: COUNTED_REASONS[reason]!, mode: modeOf(MODE_CELLS[mode]!) })
      ] = n;
    });
    forEachCount(this.funnel, (cell, n) => {
      const mode = cell % MODE_CELLS.length;
      record[counterName({ kind: 'funnel', event: FUNNEL_EVENTS[(cell - mode) / MODE_CELLS.length]!, mode: modeOf(MODE_CELLS[mode]!) })] = n;
    });
    forEachCount(this.replay, (cell, n) => {
      const device = cell % DEVICE_TYPES.length;
      let rest = (cell - device) / DEVICE_TYPES.length;
      const replayClass = rest % REPLAY_CLASSES.length;
      rest = (rest - replayClass) / REPLAY_CLASSES.length;
      const bucket = rest % BUCKETS;
      const key = (rest - bucket) / BUCKETS;
      record[counterName({ kind: 'replay', key: BUCKET_KEYS[key]!, bucket, replayClass: REPLAY_CLASSES[replayClass]!, deviceType: DEVICE_TYPES[device]! })] = n;
    });
    forEachCount(this.fixed, (cell, n) => {
      const device = cell % DEVICE_CELLS.length;
      const deviceType = DEVICE_CELLS[device]!;
      record[counterName({ kind: 'fixed', outcome: OUTCOMES[(cell - device) / DEVICE_CELLS.length]!, deviceType: deviceType === NONE ? null : deviceType })] = n;
    });
    forEachCount(this.evidence, (cell, n) => {
      const evidence = cell % HOME_EVIDENCE.length;
      record[counterName({ kind: 'evidence', route: ROUTES[(cell - evidence) / HOME_EVIDENCE.length]!, evidence: HOME_EVIDENCE[evidence]! })] = n;
    });
    forEachCount(this.shared, (cell, n) => {
      const enforced = cell % OUTCOMES.length;
      record[counterName({ kind: 'shared', route: ROUTES[(cell - enforced) / OUTCOMES.length]!, enforced: OUTCOMES[enforced]! })] = n;
    });
    return record;
  }
}

/** The replay cell of a bucket key (0: the region's, 1: `*`), bucket, class and device type. */
function replayCell(key: number, bucket: number, replayClass: number, device: number): number {
  return ((key * BUCKETS + bucket) * REPLAY_CLASSES.length + replayClass) * DEVICE_TYPES.length + device;
}

function forEachCount(cells: Uint32Array, visit: (cell: number, n: number) => void): void {
  for (let cell = 0; cell < cells.length; cell++) {
    const n = cells[cell]!;
    if (n !== 0) visit(cell, n);
  }
}

/**
 * Which replay class a session falls in: `outside` (enforce challenges it),
 * `travel` (enforce denies it: no travel grant left), or null when no rule
 * changes its answer (allowed in every mode, signed out, token refused, or
 * state unreadable — that one follows `failOpen`, not the mode).
 */
export function replayClassOf(answer: Pick<CountedAnswer, 'enforced' | 'reason'>): ReplayClass | null {
  if (answer.enforced === 'allow') return null;
  if (answer.reason === 'DEVICE_REVOKED' || answer.reason === 'STATE_UNAVAILABLE' || answer.reason === 'RATE_LIMITED' || answer.reason.startsWith('TOKEN_')) return null;
  return answer.enforced === 'deny' ? 'travel' : 'outside';
}

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
    if (counter?.kind === 'funnel') return true;
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
    households: { treated: 0, refused: 0, sent: 0, verified: 0 },
    inHousehold: { sessions: byEvidence(), segments: byEvidence() },
    sharedNetworks: { sessions: 0, segments: 0, wouldRefuse: { sessions: 0, segments: 0 } },
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
