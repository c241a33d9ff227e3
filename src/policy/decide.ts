/**
 * The decision (docs/api.md) as a pure function: the same input always
 * gives the same answer, with no I/O and no clock reads. Playback, the
 * decision endpoint and `explain` all call it; `trace` records every check.
 */
import type { DeviceIdentity } from '../identity/device-token';
import type { AddressId, NetworkId } from '../network/network-id';
import { activeSupportGrant, isSignedOut, isTrusted, keyStanding, travelGrantsUsed, trustedUntil, withoutHistoryOf, type KeyStanding } from '../household/devices';
import { activeHomeNetworks, homeMatch, homeWithoutAnchorRole } from '../household/home-networks';
import type { HomeMatch, Household, HouseholdLimits } from '../household/household';
import { effectiveMode, type AppliedRule } from './rollout';
import { type HomeEvidence, type Mode } from '../vocabulary';

export type Outcome = 'allow' | 'challenge' | 'deny';

export type DecisionReason =
  | 'DEVICE_REVOKED'
  | 'DEVICE_PROOF_REQUIRED'
  | 'STATE_UNAVAILABLE'
  | 'ENFORCEMENT_OFF'
  | 'HOUSEHOLD_ESTABLISHED'
  | 'HOUSEHOLD_NOT_SET'
  | 'IN_HOUSEHOLD'
  | 'TRUSTED_DEVICE'
  | 'TEMPORARY_ACCESS'
  | 'EXTRA_MEMBER'
  | 'SUPPORT_GRANT'
  | 'AWAY_ACCESS'
  | 'OUTSIDE_HOUSEHOLD'
  | 'TRAVEL_LIMIT_REACHED';

export interface DecisionInput {
  device: DeviceIdentity;
  networkId: NetworkId | null;
  /**
   * The whole address's keyed id. Only consulted on a shared home network, so
   * the edge computes it only there (`onSharedHomeNetwork`); null elsewhere.
   */
  addressId: AddressId | null;
  region: string | null;
  appliedRule: AppliedRule;
  /** The account's rollout bucket for `appliedRule.key` (0–99). */
  bucket: number;
  /** Null: no household record yet. STATE_UNAVAILABLE: state could not be read (row 2). */
  household: Household | null | StateUnavailable;
  policyVersion: number;
}

/** State that could not be read — neither KV nor the account's Durable Object answered: row 2 of the table. */
export interface StateUnavailable {
  kind: 'unavailable';
}

export const STATE_UNAVAILABLE: StateUnavailable = Object.freeze({ kind: 'unavailable' });

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
  /** Row 6 in every mode: what made the request "at home" (set when enforce would answer IN_HOUSEHOLD). */
  evidence?: HomeEvidence;
  /** The request came from one of the household's shared home networks (whatever row decided). */
  sharedNetwork: boolean;
  /**
   * The request is a bound copy of an id with unbound history, away from
   * home (contract §2.1): decided as a device never seen. Internal: a code
   * asked for it is refused (`BIND_AT_HOME`), never shown.
   */
  stranger?: true;
  /**
   * Row 6's answer, when the household is established and the decision got
   * that far (every mode): the home network the request came from, and on
   * what evidence; null: none. The visit the edge may record reads it
   * (`visitIsNews`) instead of asking row 6 again. Internal: never shown.
   */
  home?: HomeMatch | null;
  trace: TraceStep[];
}

export function decide(input: DecisionInput, limits: HouseholdLimits, now: number): Decision {
  const mode = effectiveMode(input.appliedRule.rule, input.bucket);
  const region = input.region ?? input.appliedRule.key;
  const trace: TraceStep[] = [];
  const base: Pick<Decision, 'mode' | 'region' | 'policyVersion' | 'trace' | 'stranger'> = { mode, region, policyVersion: input.policyVersion, trace };
  const step: Step = (row, check, matched, detail) => {
    trace.push(detail === undefined ? { row, check, matched } : { row, check, matched, detail });
    return matched;
  };
  const { device, household } = input;

  step(1, 'Is the token missing, invalid or expired?', false, 'verified');
  if (household !== null && 'kind' in household) {
    step(2, 'Is the household unreadable?', true, `failOpen=${input.appliedRule.rule.failOpen}`);
    const decision = input.appliedRule.rule.failOpen ? 'allow' : 'deny';
    return { ...base, decision, reason: 'STATE_UNAVAILABLE', enforced: decision, sharedNetwork: false };
  }
  step(2, 'Is the household unreadable?', false, 'read');
  if (step(1, 'Was the device signed out?', isSignedOut(household, device.deviceId, device.issuedAtSeconds))) {
    return { ...base, decision: 'deny', reason: 'DEVICE_REVOKED', enforced: 'deny', sharedNetwork: false };
  }
  // Contract §2.1: once a device id was seen bound, only its key speaks for it — a copy with another key, or unbound, is not that device.
  const standing = keyStanding(household, device, () => household !== null && homeWithoutAnchorRole(household, device.deviceId, input.networkId, input.addressId, limits, now));
  if (step(1, 'Does the token lack the device’s key?', standing === 'other-key', keyDetail(household, device, standing))) {
    return { ...base, decision: 'deny', reason: 'DEVICE_PROOF_REQUIRED', enforced: 'deny', sharedNetwork: false };
  }
  // A bound copy of an id with unbound history, away from home, is a device never seen: the id's history is not its own.
  const state = standing === 'stranger' && household !== null ? withoutHistoryOf(household, device.deviceId) : household;
  if (standing === 'stranger') base.stranger = true;
  if (
    step(
      3,
      'Is the region’s rule off for this account?',
      mode === 'off',
      `rule ${input.appliedRule.key}: ${input.appliedRule.rule.mode} at ${input.appliedRule.rule.percent}%, bucket ${input.bucket} → ${mode}`,
    )
  ) {
    // Still worked out (untraced): what enforce would answer is what metrics and previews count.
    const verdict = householdVerdict(input, state, limits, now, untraced);
    return { ...base, decision: 'allow', reason: 'ENFORCEMENT_OFF', enforced: verdict.enforced, ...evidenceOf(verdict) };
  }

  const verdict = householdVerdict(input, state, limits, now, step);
  const seen = evidenceOf(verdict);
  if (verdict.enforced === 'allow') {
    const decision: Decision = { ...base, decision: 'allow', reason: verdict.reason, enforced: 'allow', ...seen };
    if (mode === 'monitor') decision.wouldDecision = 'allow';
    if (verdict.accessUntil !== undefined) decision.accessUntil = verdict.accessUntil;
    return decision;
  }
  if (mode === 'monitor') return { ...base, decision: 'allow', reason: verdict.reason, wouldDecision: verdict.enforced, enforced: verdict.enforced, ...seen };
  if (mode === 'challenge') return { ...base, decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD', enforced: verdict.enforced, ...seen };
  return { ...base, decision: verdict.enforced, reason: verdict.reason, enforced: verdict.enforced, ...seen };
}

type Step = (row: number, check: string, matched: boolean, detail?: string) => boolean;
const untraced: Step = (_row, _check, matched) => matched;

interface Verdict {
  enforced: Outcome;
  reason: DecisionReason;
  accessUntil?: number;
  /** Row 6's finding: the home network the request came from, if any, and on what evidence; undefined: row 6 not asked. */
  home: HomeMatch | null | undefined;
}

/** The decision's evidence fields from a verdict. */
function evidenceOf(verdict: Verdict): Pick<Decision, 'evidence' | 'sharedNetwork' | 'home'> {
  const home = verdict.home;
  const shared = home?.network.shared === true;
  const asked = home === undefined ? {} : { home };
  return home?.evidence && verdict.reason === 'IN_HOUSEHOLD' ? { evidence: home.evidence, sharedNetwork: shared, ...asked } : { sharedNetwork: shared, ...asked };
}

/**
 * Row 6's evidence in words, for the trace and `explain`: "home network",
 * "shared network: same address as the TV 12 min ago", "shared network: not
 * beside the TV".
 */
export function homeEvidenceText(home: HomeMatch | null, homes: number, networkKnown: boolean, now: number): string {
  if (!networkKnown) return `${homes} home network(s); no usable address`;
  if (home === null) return `not a home network; ${homes} home network(s)`;
  const households = home.network.households === null ? '' : `, ${home.network.households} household(s)`;
  switch (home.evidence) {
    case 'network':
      return `home network (not shared${households})`;
    case 'anchor':
      return `shared network${households}: the household's TV itself`;
    case 'copresence':
      return `shared network${households}: same address as the TV ${minutesAgo(now - home.anchorSeenAt!)}`;
    case null:
      return `shared network${households}: not beside the TV`;
  }
}

function minutesAgo(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under a minute ago';
  if (minutes < 120) return `${minutes} min ago`;
  return `${Math.floor(minutes / 60)} h ago`;
}

/** Rows 4–11 for an established or not yet established household: what enforce answers, and why. */
function householdVerdict(input: DecisionInput, state: Household | null, limits: HouseholdLimits, now: number, step: Step): Verdict {
  const { device } = input;
  const record = state?.devices.get(device.deviceId);
  let home: HomeMatch | null | undefined;
  const allowed = (reason: DecisionReason, accessUntil?: number): Verdict => (accessUntil === undefined ? { enforced: 'allow', reason, home } : { enforced: 'allow', reason, accessUntil, home });

  if (state?.establishedAt == null) {
    const canEstablish = device.deviceType === 'tv' && input.networkId !== null;
    if (step(4, 'No household yet: is this a TV on a usable network, to set it?', canEstablish, input.networkId === null ? 'no usable network address' : `device type ${device.deviceType}`)) {
      return allowed('HOUSEHOLD_ESTABLISHED');
    }
    step(5, 'No household yet (any other device)?', true);
    return allowed('HOUSEHOLD_NOT_SET');
  }
  step(4, 'No household yet: is this a TV on a usable network, to set it?', false, 'household established');
  step(5, 'No household yet (any other device)?', false, 'household established');

  home = homeMatch(state, device, input.networkId, input.addressId, limits, now);
  const detail = step === untraced ? undefined : homeEvidenceText(home, activeHomeNetworks(state, limits, now).length, input.networkId !== null, now);
  if (step(6, 'Is the request from one of the household’s home networks?', home?.evidence != null, detail)) {
    return allowed('IN_HOUSEHOLD');
  }
  if (step(7, 'Was the device seen at home within the trust window?', isTrusted(record, limits, now), lastSeenDetail(record?.lastHomeSeenAt ?? null))) {
    return allowed('TRUSTED_DEVICE', trustedUntil(record, limits)!);
  }
  const temporaryUntil = record?.temporaryAccessUntil ?? null;
  if (step(8, 'Does the device have temporary access (a code)?', temporaryUntil !== null && temporaryUntil > now, temporaryUntil ? `until ${iso(temporaryUntil)}` : undefined)) {
    return allowed('TEMPORARY_ACCESS', temporaryUntil!);
  }
  if (step(9, 'Does the device hold an extra-member slot?', state.extraMembers.has(device.deviceId))) {
    return allowed('EXTRA_MEMBER');
  }
  const grant = activeSupportGrant(state, device.deviceId, now);
  if (step(10, 'Did support grant access?', grant !== undefined, grant ? `${grant.grantId} until ${iso(grant.expiresAt)}` : undefined)) {
    return allowed('SUPPORT_GRANT', grant!.expiresAt);
  }
  const awayUntil = record?.awayAccessUntil ?? null;
  if (step(10, 'Did the owner give away access (their code)?', awayUntil !== null && awayUntil > now, awayUntil ? `until ${iso(awayUntil)}` : undefined)) {
    return allowed('AWAY_ACCESS', awayUntil!);
  }

  const used = travelGrantsUsed(record, limits, now);
  step(11, 'None of the above: outside the household', true, `travel grants used ${used}/${limits.travelGrantsPerWindow}`);
  return used < limits.travelGrantsPerWindow ? { enforced: 'challenge', reason: 'OUTSIDE_HOUSEHOLD', home } : { enforced: 'deny', reason: 'TRAVEL_LIMIT_REACHED', home };
}

/** Row 1's key check in words: whether the device is bound, and whether this token carries its key (never the thumbprint itself). */
function keyDetail(state: Household | null, device: DeviceIdentity, standing: KeyStanding): string {
  const recorded = state?.devices.get(device.deviceId)?.keyThumbprint ?? null;
  const token = device.keyThumbprint === null ? 'unbound token' : 'bound token';
  if (standing === 'stranger') return `device not bound; ${token} away from home: decided as a device never seen (its key is taken only at home)`;
  if (standing === 'first-key') return `device not bound; ${token}: this key becomes the device's`;
  if (recorded === null) return `device not bound; ${token}`;
  return `device bound; ${token}${device.keyThumbprint === recorded ? ' with its key' : device.keyThumbprint === null ? '' : ' with another key'}`;
}

function lastSeenDetail(at: number | null): string {
  return at === null ? 'never seen at home' : `last seen at home ${iso(at)}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
