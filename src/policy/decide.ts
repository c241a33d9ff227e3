/**
 * The decision (docs/api.md) as a pure function: the same input always
 * gives the same answer, with no I/O and no clock reads. Playback, the
 * decision endpoint and `explain` all call it; `trace` records every check.
 */
import type { DeviceIdentity } from '../identity/device-token';
import type { NetworkId } from '../network/network-id';
import {
  activeHomeNetworks,
  activeSupportGrant,
  isSignedOut,
  isTrusted,
  travelGrantsUsed,
  type Household,
  type HouseholdLimits,
} from '../household/household';
import { effectiveMode, type AppliedRule } from './rollout';
import { type Mode } from '../vocabulary';

export type Outcome = 'allow' | 'challenge' | 'deny';

export type DecisionReason =
  | 'DEVICE_REVOKED'
  | 'STATE_UNAVAILABLE'
  | 'ENFORCEMENT_OFF'
  | 'HOUSEHOLD_ESTABLISHED'
  | 'HOUSEHOLD_NOT_SET'
  | 'IN_HOUSEHOLD'
  | 'TRUSTED_DEVICE'
  | 'TEMPORARY_ACCESS'
  | 'EXTRA_MEMBER'
  | 'SUPPORT_GRANT'
  | 'OUTSIDE_HOUSEHOLD'
  | 'TRAVEL_LIMIT_REACHED';

export interface DecisionInput {
  device: DeviceIdentity;
  networkId: NetworkId | null;
  region: string | null;
  appliedRule: AppliedRule;
  /** The account's rollout bucket for `appliedRule.key` (0–99). */
  bucket: number;
  /** Null: no household record yet. `unavailable`: state could not be read. */
  household: Household | null | 'unavailable';
  policyVersion: number;
}

export interface TraceStep {
  row: number;
  check: string;
  matched: boolean;
  detail?: string;
}

export interface Decision {
  decision: Outcome;
  reason: DecisionReason;
  /** What `enforce` would have answered; set in `monitor` mode (the `would=` of the header). */
  wouldDecision?: Outcome;
  /** What `enforce` would answer, in every mode (`off` included): what metrics and previews count. */
  enforced: Outcome;
  mode: Mode;
  region: string;
  policyVersion: number;
  /** The moment the answer lapses on its own (trust window, temporary access, grant), if any. */
  accessUntil?: number;
  trace: TraceStep[];
}

export function decide(input: DecisionInput, limits: HouseholdLimits, now: number): Decision {
  const mode = effectiveMode(input.appliedRule.rule, input.bucket);
  const region = input.region ?? input.appliedRule.key;
  const trace: TraceStep[] = [];
  const base = { mode, region, policyVersion: input.policyVersion, trace };
  const step: Step = (row, check, matched, detail) => {
    trace.push(detail === undefined ? { row, check, matched } : { row, check, matched, detail });
    return matched;
  };
  const { device, household } = input;

  step(1, 'token', false, 'verified');
  if (step(2, 'state readable', household === 'unavailable', household === 'unavailable' ? `failOpen=${input.appliedRule.rule.failOpen}` : undefined)) {
    const decision = input.appliedRule.rule.failOpen ? 'allow' : 'deny';
    return { ...base, decision, reason: 'STATE_UNAVAILABLE', enforced: decision };
  }
  const state = household as Household | null;
  if (step(1, 'device signed out', isSignedOut(state, device.deviceId, device.issuedAtSeconds))) {
    return { ...base, decision: 'deny', reason: 'DEVICE_REVOKED', enforced: 'deny' };
  }
  if (step(3, 'enforcement off', mode === 'off', `rule ${input.appliedRule.key}: ${input.appliedRule.rule.mode} at ${input.appliedRule.rule.percent}%, bucket ${input.bucket} → ${mode}`)) {
    // Still worked out (untraced): what enforce would answer is what metrics and previews count.
    return { ...base, decision: 'allow', reason: 'ENFORCEMENT_OFF', enforced: householdVerdict(input, state, limits, now, untraced).enforced };
  }

  const verdict = householdVerdict(input, state, limits, now, step);
  if (verdict.enforced === 'allow') {
    const decision: Decision = { ...base, decision: 'allow', reason: verdict.reason, enforced: 'allow' };
    if (mode === 'monitor') decision.wouldDecision = 'allow';
    if (verdict.accessUntil !== undefined) decision.accessUntil = verdict.accessUntil;
    return decision;
  }
  if (mode === 'monitor') return { ...base, decision: 'allow', reason: verdict.reason, wouldDecision: verdict.enforced, enforced: verdict.enforced };
  if (mode === 'challenge') return { ...base, decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD', enforced: verdict.enforced };
  return { ...base, decision: verdict.enforced, reason: verdict.reason, enforced: verdict.enforced };
}

type Step = (row: number, check: string, matched: boolean, detail?: string) => boolean;
const untraced: Step = (_row, _check, matched) => matched;

/** Rows 4–11 for an established or not yet established household: what enforce answers, and why. */
function householdVerdict(
  input: DecisionInput,
  state: Household | null,
  limits: HouseholdLimits,
  now: number,
  step: Step,
): { enforced: Outcome; reason: DecisionReason; accessUntil?: number } {
  const { device } = input;
  const record = state?.devices.get(device.deviceId);
  const allowed = (reason: DecisionReason, accessUntil?: number) =>
    accessUntil === undefined ? { enforced: 'allow' as const, reason } : { enforced: 'allow' as const, reason, accessUntil };

  if (state?.establishedAt == null) {
    const canEstablish = device.deviceType === 'tv' && input.networkId !== null;
    if (step(4, 'no household yet, TV establishes it', canEstablish, input.networkId === null ? 'no usable network address' : `device type ${device.deviceType}`)) {
      return allowed('HOUSEHOLD_ESTABLISHED');
    }
    step(5, 'no household yet', true);
    return allowed('HOUSEHOLD_NOT_SET');
  }
  step(4, 'no household yet, TV establishes it', false, 'household established');
  step(5, 'no household yet', false);

  const homes = activeHomeNetworks(state, limits, now);
  const atHome = input.networkId !== null && homes.some((network) => network.networkId === input.networkId);
  if (step(6, 'home network', atHome, `${homes.length} home network(s)${input.networkId === null ? '; no usable address' : ''}`)) {
    return allowed('IN_HOUSEHOLD');
  }
  if (step(7, 'seen at home within trust window', isTrusted(record, limits, now), lastSeenDetail(record?.lastHomeSeenAt ?? null))) {
    return allowed('TRUSTED_DEVICE', record!.lastHomeSeenAt! + limits.trustWindowMs);
  }
  const temporaryUntil = record?.temporaryAccessUntil ?? null;
  if (step(8, 'temporary access', temporaryUntil !== null && temporaryUntil > now, temporaryUntil ? `until ${iso(temporaryUntil)}` : undefined)) {
    return allowed('TEMPORARY_ACCESS', temporaryUntil!);
  }
  if (step(9, 'extra-member slot', state.extraMembers.has(device.deviceId))) {
    return allowed('EXTRA_MEMBER');
  }
  const grant = activeSupportGrant(state, device.deviceId, now);
  if (step(10, 'support grant', grant !== undefined, grant ? `${grant.grantId} until ${iso(grant.expiresAt)}` : undefined)) {
    return allowed('SUPPORT_GRANT', grant!.expiresAt);
  }

  const used = travelGrantsUsed(record, limits, now);
  step(11, 'outside the household', true, `travel grants used ${used}/${limits.travelGrantsPerWindow}`);
  return used < limits.travelGrantsPerWindow
    ? { enforced: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' }
    : { enforced: 'deny', reason: 'TRAVEL_LIMIT_REACHED' };
}

function lastSeenDetail(at: number | null): string {
  return at === null ? 'never seen at home' : `last seen at home ${iso(at)}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
