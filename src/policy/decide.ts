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
  /** What `enforce` would have answered; set in `monitor` mode. */
  wouldDecision?: Outcome;
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
  const step = (row: number, check: string, matched: boolean, detail?: string) => {
    trace.push(detail === undefined ? { row, check, matched } : { row, check, matched, detail });
    return matched;
  };
  const { device, household } = input;

  step(1, 'token', false, 'verified');
  if (step(2, 'state readable', household === 'unavailable', household === 'unavailable' ? `failOpen=${input.appliedRule.rule.failOpen}` : undefined)) {
    return { ...base, decision: input.appliedRule.rule.failOpen ? 'allow' : 'deny', reason: 'STATE_UNAVAILABLE' };
  }
  const state = household as Household | null;
  const record = state?.devices.get(device.deviceId);
  if (step(1, 'device signed out', isSignedOut(state, device.deviceId, device.issuedAtSeconds))) {
    return { ...base, decision: 'deny', reason: 'DEVICE_REVOKED' };
  }
  if (step(3, 'enforcement off', mode === 'off', `rule ${input.appliedRule.key}: ${input.appliedRule.rule.mode} at ${input.appliedRule.rule.percent}%, bucket ${input.bucket} → ${mode}`)) {
    return { ...base, decision: 'allow', reason: 'ENFORCEMENT_OFF' };
  }

  const allowed = (reason: DecisionReason, accessUntil?: number): Decision => {
    const decision: Decision = { ...base, decision: 'allow', reason };
    if (mode === 'monitor') decision.wouldDecision = 'allow';
    if (accessUntil !== undefined) decision.accessUntil = accessUntil;
    return decision;
  };

  const established = state?.establishedAt != null;
  if (!established) {
    const canEstablish = device.deviceType === 'tv' && input.networkId !== null;
    if (step(4, 'no household yet, TV establishes it', canEstablish, input.networkId === null ? 'no usable network address' : `device type ${device.deviceType}`)) {
      return allowed('HOUSEHOLD_ESTABLISHED');
    }
    step(5, 'no household yet', true);
    return allowed('HOUSEHOLD_NOT_SET');
  }
  step(4, 'no household yet, TV establishes it', false, 'household established');
  step(5, 'no household yet', false);

  const homes = activeHomeNetworks(state!, limits, now);
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
  if (step(9, 'extra-member slot', state!.extraMembers.has(device.deviceId))) {
    return allowed('EXTRA_MEMBER');
  }
  const grant = activeSupportGrant(state!, device.deviceId, now);
  if (step(10, 'support grant', grant !== undefined, grant ? `${grant.grantId} until ${iso(grant.expiresAt)}` : undefined)) {
    return allowed('SUPPORT_GRANT', grant!.expiresAt);
  }

  const used = travelGrantsUsed(record, limits, now);
  const travelLeft = used < limits.travelGrantsPerWindow;
  step(11, 'outside the household', true, `travel grants used ${used}/${limits.travelGrantsPerWindow}`);
  const enforced: { decision: Outcome; reason: DecisionReason } = travelLeft
    ? { decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' }
    : { decision: 'deny', reason: 'TRAVEL_LIMIT_REACHED' };
  if (mode === 'monitor') return { ...base, decision: 'allow', reason: enforced.reason, wouldDecision: enforced.decision };
  if (mode === 'challenge') return { ...base, decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' };
  return { ...base, ...enforced };
}

function lastSeenDetail(at: number | null): string {
  return at === null ? 'never seen at home' : `last seen at home ${iso(at)}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
