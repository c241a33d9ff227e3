/**
 * The one place a refusal becomes problem details (RFC 9457). Operations,
 * stores and sign-in answer `Result`s whose errors are tagged by their
 * catalog reason (src/result.ts); a handler that stops says
 * `if (!result.ok) return refusalProblem(c, result.error)`. Each error
 * carries what its problem tells (attempts left, when to retry, the scope
 * that is short); the status, headers and wording are chosen here, so the
 * same refusal reads the same from every route.
 */
import type { CredentialFailure } from '../edge/identify';
import { STATE_RETRY_AFTER_SECONDS, tokenProblem } from '../edge/decision-response';
import { rateLimitedProblem, type LimitScope } from '../edge/rate-limits';
import type { AppContext } from '../http/context';
import { inputProblem, type InvalidInput } from '../http/json-body';
import { problemFor } from '../http/problem';
import { actionLinks } from '../edge/region';
import type { TokenFailureReason } from '../identity/jwt-verifier';
import type { DecisionReason, Outcome } from '../policy/decide';
import type { AdminScope, DeviceType } from '../vocabulary';

export const ADMIN_TOKEN_CHALLENGE = 'Bearer realm="admin", error="invalid_token"';

/** Why a device or an admin is refused before or instead of what was asked, tagged by its reason. */
export type Refusal =
  | InvalidInput
  | { reason: 'STATE_UNAVAILABLE' }
  /** A device credential refused (401 with the device's `WWW-Authenticate`), or a device signed out. */
  | { reason: CredentialFailure | 'DEVICE_REVOKED' }
  | { reason: 'DEVICE_TYPE_NOT_ALLOWED'; deviceType: DeviceType }
  | { reason: 'NOT_REQUIRED'; decisionReason: DecisionReason }
  /** With the decision that refused (a code asked for where none can help); without, a verified code past the travel grants. */
  | { reason: 'TRAVEL_LIMIT_REACHED'; decided?: { decision: Outcome; policyVersion: number; deviceType: DeviceType } }
  | { reason: 'CHALLENGE_RATE_LIMITED'; limit: 'device' | 'account'; retryAfterSeconds: number; perHour: number }
  | { reason: 'PRIMARY_LOCATION_CHANGE_LIMIT' | 'SECOND_HOME_LIMIT' | 'AWAY_ACCESS_LIMIT'; retryAfterSeconds: number }
  | { reason: 'ALREADY_HOME' | 'SECOND_HOME_NOT_FOUND' | 'AWAY_ACCESS_NOT_FOUND' }
  /** Contract §9: a Workers Rate Limiting binding stopped the request; `decided`: an answer of the decision endpoint. */
  | { reason: 'RATE_LIMITED'; limit: LimitScope; decided?: true; retryAfterSeconds?: number }
  | { reason: 'CODE_INVALID'; attemptsRemaining: number }
  | { reason: 'CHALLENGE_EXPIRED'; used: boolean }
  | { reason: 'CHALLENGE_NOT_FOUND' | 'CHALLENGE_LOCKED' | 'DEVICE_NOT_FOUND' | 'GRANT_NOT_FOUND' | 'EXTRA_MEMBER_NOT_FOUND' }
  | { reason: 'SLOTS_EXHAUSTED' }
  /** Contract §8: feedback from a device not refused within the last day; or past the answers a device (or account) may give a day. */
  | { reason: 'NOT_REFUSED' }
  | { reason: 'FEEDBACK_RATE_LIMITED'; limit: 'device' | 'account'; perDay: number; retryAfterSeconds: number }
  /** A bound device whose id has unbound history, asking away from home for what only its id could take (contract §2.1). */
  | { reason: 'BIND_AT_HOME' }
  /** A change that needs home or the owner's code, asked without either; `detail` says how to get a code. */
  | { reason: 'VERIFICATION_REQUIRED'; detail?: string }
  | { reason: 'VERSION_MISMATCH'; rollout: { version: number }; ifMatch?: number }
  | { reason: 'RULE_NOT_FOUND'; region: string }
  /** A rollout change waiting for a second person (contract §8) that cannot be decided on. */
  | { reason: 'CHANGE_NOT_FOUND' | 'CHANGE_EXPIRED' | 'SELF_APPROVAL' | 'PENDING_CHANGES_FULL' }
  | { reason: 'CHANGE_OUTDATED'; version: number; askedAt: number }
  /** The admin API without its configuration (the gate's log names what is wrong). */
  | { reason: 'MISCONFIGURED'; api: 'admin' }
  /** An admin token refused (401 with the admin realm's `WWW-Authenticate`). */
  | { reason: TokenFailureReason; realm: 'admin' }
  | { reason: 'SCOPE_REQUIRED'; scope: AdminScope; carried: string[] };

/** Problem details for a refusal, for the request being served. */
export function refusalProblem(c: AppContext, refusal: Refusal): Response {
  if (refusal.reason === 'RATE_LIMITED')
    return rateLimitedProblem(c.get('requestId'), c.get('locale'), actionLinks(c.req.raw, c.get('gate').config.environment), refusal.limit, refusal.decided === true, refusal.retryAfterSeconds);
  if ('realm' in refusal) {
    return problemFor(c, refusal.reason, {
      detail: refusal.reason === 'TOKEN_MISSING' ? 'Send an admin token as Authorization: Bearer <token>.' : 'The admin token was not accepted.',
      headers: { 'WWW-Authenticate': ADMIN_TOKEN_CHALLENGE },
    });
  }
  switch (refusal.reason) {
    case 'INVALID_REQUEST':
      return inputProblem(c, refusal);
    case 'STATE_UNAVAILABLE':
      return problemFor(c, 'STATE_UNAVAILABLE', { headers: { 'Retry-After': String(STATE_RETRY_AFTER_SECONDS) } });
    case 'DEVICE_TYPE_NOT_ALLOWED':
      return problemFor(c, 'DEVICE_TYPE_NOT_ALLOWED', { extra: { deviceType: refusal.deviceType } });
    case 'NOT_REQUIRED':
      return problemFor(c, 'NOT_REQUIRED', { detail: `This device is allowed (${refusal.decisionReason}); no code is needed.`, extra: { decisionReason: refusal.decisionReason } });
    case 'TRAVEL_LIMIT_REACHED': {
      const { decided } = refusal;
      return decided
        ? problemFor(c, 'TRAVEL_LIMIT_REACHED', { deviceType: decided.deviceType, extra: { decision: decided.decision, policyVersion: decided.policyVersion } })
        : problemFor(c, 'TRAVEL_LIMIT_REACHED');
    }
    case 'CHALLENGE_RATE_LIMITED': {
      const { limit, retryAfterSeconds, perHour } = refusal;
      const detail =
        limit === 'account'
          ? `This account was sent ${perHour} codes in the last hour; the next can be sent in ${retryAfterSeconds} s.`
          : `This device asked for ${perHour} codes in the last hour; the next can be sent in ${retryAfterSeconds} s.`;
      return problemFor(c, 'CHALLENGE_RATE_LIMITED', { detail, headers: { 'Retry-After': String(retryAfterSeconds) }, extra: { limit, retryAfterSeconds } });
    }
    case 'NOT_REFUSED':
      return problemFor(c, 'NOT_REFUSED', { detail: 'This device was not refused within the last day: the question is for a device the gate stopped.' });
    case 'FEEDBACK_RATE_LIMITED': {
      const { limit, perDay, retryAfterSeconds } = refusal;
      const detail = `${limit === 'account' ? 'This account' : 'This device'} gave ${perDay} answers in the last day; the next is taken in ${retryAfterSeconds} s.`;
      return problemFor(c, 'FEEDBACK_RATE_LIMITED', { detail, headers: { 'Retry-After': String(retryAfterSeconds) }, extra: { limit, retryAfterSeconds } });
    }
    case 'PRIMARY_LOCATION_CHANGE_LIMIT':
    case 'SECOND_HOME_LIMIT':
    case 'AWAY_ACCESS_LIMIT':
      return problemFor(c, refusal.reason, { headers: { 'Retry-After': String(refusal.retryAfterSeconds) }, extra: { retryAfterSeconds: refusal.retryAfterSeconds } });
    case 'CODE_INVALID':
      return problemFor(c, 'CODE_INVALID', { extra: { attemptsRemaining: refusal.attemptsRemaining } });
    case 'CHALLENGE_EXPIRED':
      return problemFor(c, refusal.used ? 'CODE_ALREADY_USED' : 'CHALLENGE_EXPIRED');
    case 'SLOTS_EXHAUSTED': {
      const slots = c.get('gate').config.extraMemberSlots;
      return problemFor(c, 'SLOTS_EXHAUSTED', { detail: `All ${slots} extra-member slots are in use; remove one first.`, extra: { slots } });
    }
    case 'VERSION_MISMATCH': {
      const { version } = refusal.rollout;
      return problemFor(c, 'VERSION_MISMATCH', {
        detail: `You sent If-Match ${refusal.ifMatch}, but the rollout is at version ${version}. Read it again and retry with If-Match: "${version}".`,
        extra: { currentVersion: version },
        headers: { ETag: `"${version}"` },
      });
    }
    case 'RULE_NOT_FOUND':
      return problemFor(c, 'RULE_NOT_FOUND', { detail: `There is no rule for ${refusal.region}.` });
    case 'CHANGE_OUTDATED':
      return problemFor(c, 'CHANGE_OUTDATED', {
        detail: `The change was asked against rollout version ${refusal.askedAt}; the rollout is at version ${refusal.version} now. Read it again, and ask for the change anew if it still makes sense.`,
        extra: { currentVersion: refusal.version },
      });
    case 'CHANGE_NOT_FOUND':
    case 'CHANGE_EXPIRED':
    case 'SELF_APPROVAL':
    case 'PENDING_CHANGES_FULL':
      return problemFor(c, refusal.reason);
    case 'MISCONFIGURED': {
      const bindings = c
        .get('gate')
        .config.adminProblems.map((p) => `${p.binding} ${p.message}`)
        .join('; ');
      return problemFor(c, 'MISCONFIGURED', { detail: `The admin API is not configured: ${bindings}.` });
    }
    case 'SCOPE_REQUIRED':
      return problemFor(c, 'SCOPE_REQUIRED', {
        detail: `This needs the "${refusal.scope}" scope; the token carries: ${refusal.carried.join(' ') || 'no scope'}.`,
        extra: { requiredScope: refusal.scope },
        headers: { 'WWW-Authenticate': `Bearer realm="admin", error="insufficient_scope", scope="${refusal.scope}"` },
      });
    case 'VERIFICATION_REQUIRED':
      return problemFor(c, 'VERIFICATION_REQUIRED', refusal.detail ? { detail: refusal.detail } : {});
    case 'BIND_AT_HOME':
    case 'ALREADY_HOME':
    case 'SECOND_HOME_NOT_FOUND':
    case 'AWAY_ACCESS_NOT_FOUND':
    case 'CHALLENGE_NOT_FOUND':
    case 'CHALLENGE_LOCKED':
    case 'DEVICE_NOT_FOUND':
    case 'GRANT_NOT_FOUND':
    case 'EXTRA_MEMBER_NOT_FOUND':
      return problemFor(c, refusal.reason);
    default:
      // The device credential refusals: 401 (403 for another key) with the device's challenge.
      return tokenProblem(refusal.reason, c.get('requestId'), c.get('locale'), actionLinks(c.req.raw, c.get('gate').config.environment));
  }
}
