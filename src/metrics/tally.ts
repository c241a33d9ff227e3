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
 * buckets only: never an account, a device or an address. Their grammar is
 * counter-names.ts; household sketches are households.ts; reading records
 * back is counter-records.ts (all re-exported here, so callers import one
 * module).
 *
 * Beside the counters, household sketches (household-sketch.ts) count
 * distinct households — keyed hashes, never ids: *treated* (a session under
 * `challenge` or `enforce`), *refused* (such a session refused), *sent* (a
 * code sent), *verified* (a code verified), and the refused households by
 * what they said when asked (`said-<situation>`, contract §8). A guard reads these, so one
 * household moves a rate by one household however many requests it sends.
 */
import type { DeviceType, HomeEvidence, Mode } from '../vocabulary';
import { DEVICE_TYPES, FEEDBACK_SITUATIONS, HOME_EVIDENCE, type FeedbackSituation } from '../vocabulary';
import type { Outcome } from '../policy/decide';
import type { HouseholdHash } from './household-sketch';
import {
  BUCKET_KEYS,
  BUCKETS,
  COUNTED_REASONS,
  counterName,
  DEVICE_CELLS,
  DEVICE_INDEX,
  EVIDENCE_INDEX,
  FUNNEL_EVENTS,
  FUNNEL_INDEX,
  MODE_CELLS,
  MODE_INDEX,
  modeOf,
  NONE,
  parseCounter,
  OUTCOME_INDEX,
  OUTCOMES,
  REASON_INDEX,
  REPLAY_CLASSES,
  ROUTE_INDEX,
  SITUATION_INDEX,
  ROUTES,
  TREATED,
  type CountedReason,
  type FunnelEvent,
  type MetricsRoute,
  type ReplayClass,
  type TallyRecord,
} from './counter-names';
import { countHousehold, saidKind, type Households } from './households';
import { runningVersion } from '../version';

export * from './counter-names';
export * from './households';
export * from './counter-records';

const DECISION_CELLS = ROUTES.length * OUTCOMES.length * OUTCOMES.length * COUNTED_REASONS.length * MODE_CELLS.length;
const FUNNEL_CELLS = FUNNEL_EVENTS.length * MODE_CELLS.length;
const REPLAY_CELLS = BUCKET_KEYS.length * BUCKETS * REPLAY_CLASSES.length * DEVICE_TYPES.length;
const FIXED_CELLS = OUTCOMES.length * DEVICE_CELLS.length;
const EVIDENCE_CELLS = ROUTES.length * HOME_EVIDENCE.length;
const SHARED_CELLS = ROUTES.length * OUTCOMES.length;
const FEEDBACK_CELLS = FEEDBACK_SITUATIONS.length;

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
  readonly feedback = new Uint32Array(FEEDBACK_CELLS);
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

  /**
   * Counts one answer to "why are you where you are?" (contract §8), from a
   * refused device of the household `household`: a counter, and the
   * household in the sketch of its situation (one household from many
   * devices counts once). The comment never reaches a count.
   */
  countFeedback(situation: FeedbackSituation, household: HouseholdHash): void {
    countHousehold(this.households, saidKind(situation), household);
    this.feedback[SITUATION_INDEX.get(situation)!]! += 1;
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
    forEachCount(this.feedback, (cell, n) => {
      record[counterName({ kind: 'feedback', situation: FEEDBACK_SITUATIONS[cell]! })] = n;
    });
    forEachCount(this.shared, (cell, n) => {
      const enforced = cell % OUTCOMES.length;
      record[counterName({ kind: 'shared', route: ROUTES[(cell - enforced) / OUTCOMES.length]!, enforced: OUTCOMES[enforced]! })] = n;
    });
    // The answers again by the version that gave them (an isolate runs one): metrics split a gradual deployment by it.
    const version = runningVersion();
    for (const [name, n] of Object.entries(record)) {
      const counter = parseCounter(name);
      if (counter?.kind !== 'decision') continue;
      const key = counterName({ kind: 'version', version, route: counter.route, outcome: counter.decision });
      record[key] = (record[key] ?? 0) + n;
    }
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
