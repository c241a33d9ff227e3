/**
 * The personas simulation's engine: one persona's days, request by request,
 * through the gate's own pure steps on an injected clock — never a copy of
 * the rules.
 *
 *   a session     GET /gate/v1/decision: the proof of a bound token
 *                 (`isOtherKey`; the key recorded with the visit, as the account's Durable
 *                 Object accepts it), the rollout rule and bucket
 *                 (`ruleFor`, `rolloutBucket`), `decide`, and the visit the
 *                 edge records when it is news (`visitIsNews`,
 *                 `sharingCheckDue`, `applyVisit`)
 *   a code        POST /gate/v1/challenges and …/verify: the decision the
 *                 code is asked on, the hourly allowance (`codeRateLimit`),
 *                 the travel limit and the access it gives (`verifiedAccess`)
 *   the owner     an extra member (`addExtraMember`), a move with the
 *                 owner's code (`setPrimaryLocation`, with its change limit),
 *                 a sign-out (`signOutDevice`)
 *   support       a time-boxed grant (`addSupportGrant`)
 *
 * Two things here stand for storage the gate keeps outside those steps: the
 * codes sent in the last hour (the Durable Object's challenge records), and
 * each network's sharing count (the NetworkSharing object: the households
 * that held the network as home within TRUST_WINDOW). The wiring between the
 * steps follows src/edge/decide-request.ts (`decideForDevice`: record a visit
 * unless the decision is off, revoked or a key refusal, and only when it is
 * news) and src/routes/device-api.ts; the end-to-end replay
 * (test/node/personas-replay.test.ts) holds it to the real gate, answer for
 * answer.
 */
import { decide, type Decision, type DecisionReason, type Outcome } from '../../src/policy/decide.ts';
import { effectiveMode, rolloutBucket, ruleFor, type Rollout } from '../../src/policy/rollout.ts';
import { isOtherKey, isSignedOut } from '../../src/household/devices.ts';
import { activeHomeNetworks, onSharedHomeNetwork } from '../../src/household/home-networks.ts';
import { emptyHousehold, type Household, type HouseholdLimits, type SharingReading, type Visit } from '../../src/household/household.ts';
import { addExtraMember, addSupportGrant, primaryLocationChangesUsed, setPrimaryLocation, setSecondHome, signOutDevice } from '../../src/household/transitions.ts';
import { awayAccessLimit, grantAwayAccess } from '../../src/household/away-access.ts';
import { secondHomeLimit } from '../../src/household/second-homes.ts';
import { applyVisit, joinsHousehold, sharingCheckDue, visitIsNews } from '../../src/household/visits.ts';
import { verifiedAccess } from '../../src/household/travel-access.ts';
import { codeRateLimit, type CodeSent } from '../../src/challenges/code-allowance.ts';
import { MS_PER_DAY, MS_PER_HOUR, unixSeconds } from '../../src/time.ts';
import type { DeviceType, FeedbackSituation, Mode } from '../../src/vocabulary.ts';

/** A set of rules to run a persona under: the mode, and the settings that shape the household. */
export interface Preset {
  id: string;
  label: string;
  mode: Mode;
  limits: HouseholdLimits;
  temporaryAccessMs: number;
  extraMemberSlots: number;
  primaryLocationChangesPerWindow: number;
  /** SECOND_HOMES, AWAY_ACCESS_PER_YEAR (0 for the leaked rule: it had neither way). */
  secondHomes: number;
  awayAccessPerYear: number;
  /** False for the leaked rule: the household never follows its TV to a new network (no anchor). */
  anchorFollows: boolean;
  /** False for the leaked rule: no device-bound tokens, every token is unbound. */
  deviceBinding: boolean;
  /** DEVICE_BINDING=required: every app binds its tokens, and an unbound token is refused. */
  bindingRequired: boolean;
}

/** Where the simulated days sit in time: day 0 starts at `origin`, each day lasts `dayMs`. */
export interface Clock {
  origin: number;
  dayMs: number;
}

/** One request a step makes of the gate, for a replay to make of a real one. */
export interface ReplayStep {
  step: 'decision' | 'code' | 'verify' | 'extra-member' | 'grant' | 'move' | 'sign-out' | 'second-home' | 'away-access';
  device: DeviceSpec;
  network?: string;
  address?: string;
  /** A support grant's length, in days. */
  days?: number;
  /** The device that signs `device` out. */
  by?: DeviceSpec;
}

/**
 * A replay in lockstep with the simulation (test/node/personas-replay.test.ts):
 * the time of every step is the replay's (`now` waits for the step's moment
 * and answers the real time), and every step is also asked of the gate.
 */
export interface Replay {
  now(nominal: number): Promise<number>;
  /**
   * The gate's answer, in the simulation's words: `sent` and `received`
   * bound the moment the gate decided; `at` is that moment itself, when the
   * answer tells it (a verified code's `expiresAt`).
   */
  ask(step: ReplayStep): Promise<{ answer: string; sent?: number; received?: number; at?: number }>;
  /** Waits for the visit the gate writes after answering `step` (in `waitUntil`) to land. */
  settle?(step: ReplayStep): Promise<void>;
}

export interface DeviceSpec {
  /** The device id its token carries (a copy of another device's id carries that id). */
  id: string;
  /** How the persona names it (unique within the persona). */
  name: string;
  type: DeviceType;
  account: string;
  /** Its token is bound to a key of its own (device-bound tokens): this names the key. */
  key?: string;
  /** The day its token was issued (a sign-out refuses tokens issued before it). Default: before day 0. */
  signedInDay?: number;
  /** The persona's own device, counted in the table; background devices (the owner's TV of a sharer, neighbours) are not. */
  measured: boolean;
}

/** What happens at one moment of a persona's day. */
export type Action =
  | { kind: 'session'; device: string; network: string; address: string; hour: number }
  | { kind: 'move'; device: string; network: string; address: string; hour: number }
  | { kind: 'sign-out'; device: string; hour: number };

export interface Persona {
  id: string;
  name: string;
  kind: 'household' | 'sharer';
  summary: string;
  devices: DeviceSpec[];
  /** The actions of day `day` (0-based), in any order. */
  day(day: number): Action[];
  /** Whether the viewer asks for a code when challenged (and the owner passes it on). */
  asksCode: boolean;
  /**
   * A household's answer to the question after a refusal (contract §8), given
   * once on each day a session of it is refused: what it would tell ops. Sharers
   * say what they like, so none is modelled for them.
   */
  says?: FeedbackSituation;
  /** What the household does once a device is denied and no code helps: the owner adds an extra member, or support gives a grant. */
  escalation:
    | { kind: 'extra-member' }
    | { kind: 'support'; days: number }
    | { kind: 'move'; device: string }
    /** The owner makes the network where `device` (a TV) is refused a second home, with its code (contract §6). */
    | { kind: 'second-home'; device: string }
    /** The owner gives the refused device away access for `days`, with their code (contract §6, row 10). */
    | { kind: 'away-access'; days: number }
    | null;
  /** Where the household lives on `day` (its TV's network and address): where a `move` escalation takes it. */
  home?(day: number): { network: string; address: string };
}

/** One answer of the gate, in the order asked: what the end-to-end replay compares. */
export interface Answer {
  day: number;
  at: number;
  device: string;
  account: string;
  /** `decision`, `code`, `verify`, `extra-member`, `grant`, `move`, `sign-out`. */
  step: string;
  /** `allow IN_HOUSEHOLD`, `challenge OUTSIDE_HOUSEHOLD`, `sent`, `TRAVEL_LIMIT_REACHED`, `ok`… */
  answer: string;
  /** In a replay: what the gate answered the same request. */
  gate?: string;
}

export type Way = 'none' | 'alone' | 'owner' | 'support';

export interface SessionRecord {
  day: number;
  device: string;
  measured: boolean;
  first: Outcome;
  firstReason: DecisionReason;
  final: Outcome;
  finalReason: DecisionReason;
  codes: number;
  /** Who got the viewer back in this session: nobody needed, the viewer alone (code), the owner, or support. */
  way: Way;
}

export interface PersonaRun {
  persona: string;
  preset: string;
  answers: Answer[];
  sessions: SessionRecord[];
  codesSent: number;
}

/** The sharing count of each network (NetworkSharing): households that held it as home within TRUST_WINDOW. */
class SharingCounts {
  readonly #held = new Map<string, Map<string, number>>();

  hold(networkId: string, holderId: string, trustWindowMs: number, now: number): number {
    const rows = this.#held.get(networkId) ?? new Map<string, number>();
    for (const [holder, at] of rows) if (at <= now - trustWindowMs) rows.delete(holder);
    rows.set(holderId, now);
    this.#held.set(networkId, rows);
    return rows.size;
  }
}

const REGION = 'CL';
const RULE_KEY_ROLLOUT = (mode: Mode): Rollout => ({ version: 1, updatedAt: null, regions: { [REGION]: { mode, percent: 100, failOpen: true } } });

/** The region every persona streams in: one rule, at 100 %. */
export const SIMULATED_REGION = REGION;

export async function runPersona(persona: Persona, preset: Preset, clock: Clock, days: number, replay?: Replay): Promise<PersonaRun> {
  const { limits } = preset;
  const households = new Map<string, Household | null>();
  const sent = new Map<string, CodeSent[]>();
  const sharing = new SharingCounts();
  const rollout = RULE_KEY_ROLLOUT(preset.mode);
  const appliedRule = ruleFor(rollout, REGION, clock.origin);
  const buckets = new Map<string, number>();
  const answers: Answer[] = [];
  const sessions: SessionRecord[] = [];
  let codesSent = 0;
  const devices = new Map(persona.devices.map((device) => [device.name, device]));

  const at = (day: number, hour: number) => clock.origin + Math.round((day + hour / 24) * clock.dayMs);
  const held = (account: string) => households.get(account) ?? null;
  /** Keeps a household as changed; the leaked rule's household never follows its TV (a join throttle that never opens). */
  const keep = (account: string, household: Household | null) => {
    if (household && !preset.anchorFollows) household.lastNetworkJoinAt = Number.POSITIVE_INFINITY;
    households.set(account, household);
  };
  const bucketOf = async (account: string) => {
    let bucket = buckets.get(account);
    if (bucket === undefined) buckets.set(account, (bucket = await rolloutBucket(appliedRule.key, account)));
    return bucket;
  };
  // Under DEVICE_BINDING=required every app binds its token to a key of its own; a copy of an id still has its own key.
  const keyOf = (device: DeviceSpec) => (!preset.deviceBinding ? null : (device.key ?? (preset.bindingRequired ? `key-${device.name}` : null)));
  const issuedAt = (device: DeviceSpec) => unixSeconds(clock.origin + Math.round((device.signedInDay ?? -1) * clock.dayMs));
  /** The moment of a step: the simulation's own clock, or in a replay the real time once `nominal` has come. */
  const time = (nominal: number) => (replay ? replay.now(nominal) : Promise.resolve(nominal));
  /** Records the simulation's answer to a step, and in a replay the gate's to the same request. */
  const say = async (day: number, now: number, request: ReplayStep, answer: string) => {
    const record: Answer = { day, at: now, device: request.device.name, account: request.device.account, step: request.step, answer };
    if (replay) record.gate = (await replay.ask(request)).answer;
    answers.push(record);
  };

  /**
   * The moment a step is decided at. Alone, the step's own time. In a replay
   * the gate is asked first, and decided at some moment of the request's
   * flight — on a busy machine most of it waiting before the gate: the
   * simulation answers at its end, or at its start when only that agrees
   * with the gate (a window's edge fell inside the flight). What the step
   * writes carries that moment, as the gate's write carries its own.
   */
  const decidedAt = async <T>(request: ReplayStep, nominal: number, answerAt: (now: number) => T, told: (answer: T) => string): Promise<{ now: number; answer: T; gate?: string }> => {
    const start = await time(nominal);
    if (!replay) return { now: start, answer: answerAt(start) };
    const gate = await replay.ask(request);
    const moments = [gate.received, gate.sent].filter((moment): moment is number => moment !== undefined);
    for (const now of moments) {
      const answer = answerAt(now);
      if (told(answer) === gate.answer) return { now, answer, gate: gate.answer };
    }
    const now = moments[0] ?? start;
    return { now, answer: answerAt(now), gate: gate.answer };
  };
  const push = (day: number, now: number, request: ReplayStep, answer: string, gate?: string) =>
    answers.push({ day, at: now, device: request.device.name, account: request.device.account, step: request.step, answer, ...(gate === undefined ? {} : { gate }) });

  /** GET /gate/v1/decision: the proof (bound tokens), the decision, and the visit when it is news. */
  const decision = async (day: number, device: DeviceSpec, network: string, address: string, nominal: number): Promise<Decision | { decision: 'deny'; reason: 'DEVICE_PROOF_REQUIRED' }> => {
    const request: ReplayStep = { step: 'decision', device, network, address };
    const key = keyOf(device);
    const identity = { accountId: device.account, deviceId: device.id, deviceType: device.type, issuedAtSeconds: issuedAt(device), keyThumbprint: key };
    const bucket = await bucketOf(device.account);
    const before = held(device.account);
    // checkDeviceBinding → HouseholdStore.acceptProof: a proof for an id bound to another key is refused; keys are recorded by the visit.
    const otherKey = key !== null && isOtherKey(before, device.id, key);
    const answerAt = (now: number) => {
      if (otherKey) return { proofRefused: true as const };
      const household = before;
      const shared = onSharedHomeNetwork(household, network, limits, now);
      const answer = decide({ device: identity, networkId: network, addressId: shared ? address : null, region: REGION, appliedRule, bucket, household, policyVersion: rollout.version }, limits, now);
      return { household, shared, answer };
    };
    const told = (result: ReturnType<typeof answerAt>) => ('proofRefused' in result ? 'deny DEVICE_PROOF_REQUIRED' : `${result.answer.decision} ${result.answer.reason}`);
    const { now, answer: decided, gate } = await decidedAt(request, nominal, answerAt, told);
    push(day, now, request, told(decided), gate);
    if ('proofRefused' in decided) return { decision: 'deny', reason: 'DEVICE_PROOF_REQUIRED' };
    const { household, shared, answer } = decided;
    // edge/record.ts: a device the household does not list and that enforce refuses is counted, never stored (contract §9).
    const refusedStranger = answer.enforced !== 'allow' && !household?.devices.has(device.id);
    if (answer.mode !== 'off' && answer.reason !== 'DEVICE_REVOKED' && answer.reason !== 'DEVICE_PROOF_REQUIRED' && !refusedStranger) {
      const visit: Visit = { deviceId: device.id, deviceType: device.type, networkId: network, addressId: shared ? address : null, at: now, keyThumbprint: key };
      if (visitIsNews(household, visit, limits, { session: true })) {
        recordVisit(device, { ...visit, addressId: address }, now);
        // The gate writes the visit after it answers (waitUntil): let it land before the next step.
        await replay?.settle?.(request);
      }
    }
    return answer;
  };

  /** HouseholdStore.recordVisit: nothing for a token the household refuses; the network's count read when due. */
  const recordVisit = (device: DeviceSpec, visit: Visit, now: number) => {
    const current = held(device.account);
    if (current && (isSignedOut(current, device.id, issuedAt(device)) || isOtherKey(current, device.id, keyOf(device)))) return;
    const before = current ?? emptyHousehold(device.account, now);
    const reading = sharingCheckDue(before, visit, limits) ? readSharing(device.account, visit.networkId!, now) : null;
    if (!joinsHousehold(before, visit)) return;
    keep(device.account, applyVisit(before, visit, limits, reading));
  };

  const readSharing = (account: string, networkId: string, now: number): SharingReading => {
    const holderId = `${account}@${networkId}`;
    return { networkId, holderId, households: sharing.hold(networkId, holderId, limits.trustWindowMs, now) };
  };

  /** POST /gate/v1/challenges (access) then …/verify with the owner's code: `granted`, or why not. */
  const code = async (day: number, device: DeviceSpec, network: string, address: string, nominal: number): Promise<'granted' | 'refused' | 'limited'> => {
    const request: ReplayStep = { step: 'code', device, network, address };
    const household = held(device.account);
    const identity = { accountId: device.account, deviceId: device.id, deviceType: device.type, issuedAtSeconds: issuedAt(device), keyThumbprint: keyOf(device) };
    const bucket = await bucketOf(device.account);
    const codes = sent.get(device.account) ?? [];
    // The decision the code is asked on (decided on the Durable Object's state, nothing recorded), then the hourly allowance.
    const answerAt = (now: number) => {
      const shared = onSharedHomeNetwork(household, network, limits, now);
      const asked = decide({ device: identity, networkId: network, addressId: shared ? address : null, region: REGION, appliedRule, bucket, household, policyVersion: rollout.version }, limits, now);
      if (asked.decision === 'allow') return 'NOT_REQUIRED';
      if (asked.reason !== 'OUTSIDE_HOUSEHOLD') return asked.reason;
      return codeRateLimit(codes, device.id, now) ? 'CHALLENGE_RATE_LIMITED' : 'sent';
    };
    const { now, answer, gate } = await decidedAt(request, nominal, answerAt, (told) => told);
    push(day, now, request, answer, gate);
    if (answer === 'NOT_REQUIRED') return 'granted';
    if (answer === 'CHALLENGE_RATE_LIMITED') return 'limited';
    if (answer !== 'sent') return 'refused';
    sent.set(device.account, [...codes.filter((c) => c.createdAt > now - MS_PER_HOUR), { deviceId: device.id, createdAt: now }]);
    codesSent += 1;
    // A verified code's access runs from the gate's own moment (its answer tells it): the replay asks first and takes that time.
    const verifyRequest: ReplayStep = { step: 'verify', device, network, address };
    const gateVerify = replay ? await replay.ask(verifyRequest) : null;
    const verifiedAt = gateVerify?.at ?? (await time(nominal + 1));
    const mode = effectiveMode(appliedRule.rule, bucket);
    const granted = verifiedAccess(
      held(device.account) ?? emptyHousehold(device.account, verifiedAt),
      { deviceId: device.id, deviceType: device.type, temporaryAccessMs: preset.temporaryAccessMs, enforceTravelLimit: mode === 'enforce', keyThumbprint: keyOf(device) },
      limits,
      verifiedAt,
    );
    if (granted.ok) keep(device.account, granted.value);
    push(day, verifiedAt, verifyRequest, granted.ok ? 'ok' : granted.error.reason, gateVerify?.answer);
    return granted.ok ? 'granted' : 'refused';
  };

  /** The owner adds an extra member or moves the household with the TV, or support gives a grant. */
  const escalate = async (day: number, device: DeviceSpec, nominal: number, where: { network: string; address: string }): Promise<Way | null> => {
    const escalation = persona.escalation;
    if (!escalation) return null;
    if (escalation.kind === 'second-home') return (await secondHome(day, devices.get(escalation.device)!, where.network, where.address, nominal)) ? 'owner' : null;
    if (escalation.kind === 'away-access') return (await awayAccess(day, device, escalation.days, nominal)) ? 'owner' : null;
    if (escalation.kind === 'move') {
      const place = persona.home!(day);
      return (await move(day, devices.get(escalation.device)!, place.network, place.address, nominal)) ? 'owner' : null;
    }
    const now = await time(nominal);
    const household = held(device.account) ?? emptyHousehold(device.account, now);
    if (escalation.kind === 'extra-member') {
      const change = addExtraMember(household, device.id, device.name, preset.extraMemberSlots, now);
      if (change.ok) keep(device.account, change.value.household);
      await say(day, now, { step: 'extra-member', device }, change.ok ? 'ok' : change.error.reason);
      return change.ok ? 'owner' : null;
    }
    // The admin API takes whole days, whatever the run's day: a grant lasts real days.
    const grant = { grantId: `grant-${device.name}-${day}`, deviceId: device.id, reason: persona.name, actor: 'support', createdAt: now, expiresAt: now + escalation.days * MS_PER_DAY };
    keep(device.account, addSupportGrant(household, grant, now));
    await say(day, now, { step: 'grant', device, days: escalation.days }, 'ok');
    return 'support';
  };

  /** One session: the decision, then what the viewer (a code) and the household (the owner, support) do about a refusal. */
  const session = async (day: number, device: DeviceSpec, network: string, address: string, hour: number) => {
    const now = at(day, hour);
    // Each step after the first is a moment later (in a replay, as soon as the previous answer is in).
    const first = await decision(day, device, network, address, now);
    let last = first;
    let codes = 0;
    let way: Way = 'none';
    if (last.decision !== 'allow' && last.reason !== 'DEVICE_REVOKED' && last.reason !== 'DEVICE_PROOF_REQUIRED') {
      // A second home is the owner's first answer to a refusal at the other house (no travel code spent on it).
      if (persona.escalation?.kind === 'second-home') {
        const helped = await escalate(day, device, now + 1, { network, address });
        if (helped) {
          last = await decision(day, device, network, address, now + 2);
          if (last.decision === 'allow') way = helped;
        }
      }
      if (last.decision !== 'allow' && persona.asksCode && (last.reason === 'OUTSIDE_HOUSEHOLD' || last.decision === 'challenge')) {
        const before = codesSent;
        const got = await code(day, device, network, address, now + 1);
        codes = codesSent - before;
        if (got === 'granted') {
          last = await decision(day, device, network, address, now + 2);
          if (last.decision === 'allow') way = 'alone';
        }
      }
      if (last.decision !== 'allow') {
        const helped = await escalate(day, device, now + 3, { network, address });
        if (helped) {
          last = await decision(day, device, network, address, now + 4);
          if (last.decision === 'allow') way = helped;
        }
      }
    }
    sessions.push({ day, device: device.name, measured: device.measured, first: first.decision, firstReason: first.reason, final: last.decision, finalReason: last.reason, codes, way });
  };

  /** A code of the owner's asked by `device` (the hourly allowance); false when none may be sent now. */
  const codeAllowed = async (day: number, now: number, request: ReplayStep): Promise<boolean> => {
    const codes = sent.get(request.device.account) ?? [];
    if (codeRateLimit(codes, request.device.id, now)) {
      await say(day, now, request, 'CHALLENGE_RATE_LIMITED');
      return false;
    }
    sent.set(request.device.account, [...codes.filter((c) => c.createdAt > now - MS_PER_HOUR), { deviceId: request.device.id, createdAt: now }]);
    codesSent += 1;
    return true;
  };

  /** POST /gate/v1/challenges (second-home) from the TV, then POST /gate/v1/household/second-home with the owner's code. */
  const secondHome = async (day: number, tv: DeviceSpec, network: string, address: string, nominal: number): Promise<boolean> => {
    const now = await time(nominal);
    const request: ReplayStep = { step: 'second-home', device: tv, network, address };
    const household = held(tv.account) ?? emptyHousehold(tv.account, now);
    if (preset.secondHomes === 0 || activeHomeNetworks(household, limits, now).some((home) => home.networkId === network)) return false;
    const limited = secondHomeLimit(household, preset.secondHomes, now);
    if (limited) {
      await say(day, now, request, limited.reason);
      return false;
    }
    if (!(await codeAllowed(day, now, request))) return false;
    keep(tv.account, setSecondHome(household, tv.id, { networkId: network, addressId: address }, readSharing(tv.account, network, now), limits, now, keyOf(tv)));
    await say(day, now, request, 'ok');
    return true;
  };

  /** POST /gate/v1/challenges (away-access, days) then POST /gate/v1/household/away-access with the owner's code. */
  const awayAccess = async (day: number, device: DeviceSpec, accessDays: number, nominal: number): Promise<boolean> => {
    const now = await time(nominal);
    const request: ReplayStep = { step: 'away-access', device, days: accessDays };
    const household = held(device.account) ?? emptyHousehold(device.account, now);
    const limited = preset.awayAccessPerYear === 0 ? { reason: 'AWAY_ACCESS_LIMIT' } : awayAccessLimit(household, preset.awayAccessPerYear, now);
    if (limited) {
      await say(day, now, request, limited.reason);
      return false;
    }
    if (!(await codeAllowed(day, now, request))) return false;
    const given = grantAwayAccess(household, { deviceId: device.id, deviceType: device.type, days: accessDays, keyThumbprint: keyOf(device), perYear: preset.awayAccessPerYear }, now);
    if (given.ok) keep(device.account, given.value);
    await say(day, now, request, given.ok ? 'ok' : given.error.reason);
    return given.ok;
  };

  /** POST /gate/v1/challenges (primary-location) then POST /gate/v1/household/primary-location with the owner's code. */
  const move = async (day: number, device: DeviceSpec, network: string, address: string, nominal: number): Promise<boolean> => {
    const now = await time(nominal);
    const request: ReplayStep = { step: 'move', device, network, address };
    const household = held(device.account);
    if (household && primaryLocationChangesUsed(household, limits, now) >= preset.primaryLocationChangesPerWindow) {
      await say(day, now, request, 'PRIMARY_LOCATION_CHANGE_LIMIT');
      return false;
    }
    const codes = sent.get(device.account) ?? [];
    if (codeRateLimit(codes, device.id, now)) {
      await say(day, now, request, 'CHALLENGE_RATE_LIMITED');
      return false;
    }
    sent.set(device.account, [...codes.filter((c) => c.createdAt > now - MS_PER_HOUR), { deviceId: device.id, createdAt: now }]);
    codesSent += 1;
    const reading = readSharing(device.account, network, now);
    keep(device.account, setPrimaryLocation(household ?? emptyHousehold(device.account, now), device.id, { networkId: network, addressId: address }, reading, limits, now, keyOf(device)));
    await say(day, now, request, 'ok');
    return true;
  };

  for (let day = 0; day < days; day += 1) {
    const actions = persona.day(day).toSorted((a, b) => a.hour - b.hour);
    for (const action of actions) {
      const device = devices.get(action.device);
      if (!device) throw new Error(`${persona.id}: no device ${action.device}`);
      if (action.kind === 'session') await session(day, device, action.network, action.address, action.hour);
      else if (action.kind === 'move') await move(day, device, action.network, action.address, at(day, action.hour));
      else {
        const now = await time(at(day, action.hour));
        const household = held(device.account);
        if (household) keep(device.account, signOutDevice(household, device.id, limits, now));
        const by = persona.devices.find((other) => other.account === device.account && other.name !== device.name && other.measured)!;
        await say(day, now, { step: 'sign-out', device, by }, 'ok');
      }
    }
  }
  return { persona: persona.id, preset: preset.id, answers, sessions, codesSent };
}
