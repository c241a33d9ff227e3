/**
 * Workers Rate Limiting at the edge (contract §9; docs/ops.md, "Rate limits"):
 *
 *   RATE_LIMIT_NETWORK  requests that prove nothing — a missing or bad token,
 *                       proof or session, a failed admin sign-in — per client
 *                       network, keyed by its network id (a keyed hash);
 *   RATE_LIMIT_ACCOUNT  refused decisions and device-API calls per account,
 *                       keyed by the account's keyed household hash.
 *
 * Each is asked before anything is recorded, and only for those requests:
 * an allowed decision never reaches either, so a carrier-grade NAT pool of
 * many households streams on. Past a limit the answer is `429 RATE_LIMITED`
 * with `Retry-After`, and nothing is recorded but a counter. An unbound
 * limiter, or one that fails, never refuses: a limit protects the operator's
 * bill, it is not a reason to turn a person away.
 *
 * Trust boundary: no raw address and no account id reaches the limiter or a
 * log line; keys are keyed hashes, computed with NETWORK_HASH_KEY.
 */
import type { Gate } from '../gate';
import { problemResponse } from '../http/problem';
import type { ActionLinks, Locale } from '../messages/catalog';
import type { MetricsRoute } from '../metrics/tally';
import { clientAddress } from '../network/network-id';
import { MS_PER_MINUTE } from '../time';
import type { DeviceType } from '../vocabulary';
import { householdHashFor } from './decide-request';
import { DECISION_HEADER } from './decision-response';
import { metricsRegion, requestRegion } from './region';
import { logged } from '../version';

/**
 * Seconds a client is told to wait past a limit: the longest period a
 * Workers Rate Limiting binding counts over (10 or 60 s), so it holds
 * whichever period wrangler.toml sets.
 */
export const RATE_LIMITED_RETRY_AFTER_SECONDS = 60;

/** Which limit stopped a request. */
/** What a limit counted: a client network, an account (RATE_LIMIT_*, contract §9), or one device's proofs (§2.1). */
export type LimitScope = 'network' | 'account' | 'device';

/** The key a request's client network is limited and sampled by: its network id (`n1.…`), or `n1.none` without an address. */
export async function networkKey(gate: Gate, request: Request): Promise<string> {
  return (await gate.networks.networkId(clientAddress(request.headers))) ?? 'n1.none';
}

/** A request that proves nothing, screened: its network's key, and whether RATE_LIMIT_NETWORK lets it be recorded. */
export interface Screened {
  network: string;
  within: boolean;
}

/** Asks RATE_LIMIT_NETWORK about a request that proves nothing, before anything about it is recorded. */
export async function screenUnproven(gate: Gate, request: Request, now: number): Promise<Screened> {
  const network = await networkKey(gate, request);
  return { network, within: await withinLimit(gate, gate.env.RATE_LIMIT_NETWORK, network, now) };
}

/** Asks RATE_LIMIT_ACCOUNT about a refused decision or a device-API call of `accountId`. */
export async function accountWithinLimit(gate: Gate, accountId: string, now: number): Promise<boolean> {
  const limiter = gate.env.RATE_LIMIT_ACCOUNT;
  if (!limiter) return true;
  return withinLimit(gate, limiter, `h.${await householdHashFor(gate, accountId, now)}`, now);
}

/** When this isolate last logged a limiter that failed: at most one such line a minute. */
let limiterFailureLoggedAt = Number.NEGATIVE_INFINITY;

async function withinLimit(gate: Gate, limiter: RateLimit | undefined, key: string, now: number): Promise<boolean> {
  if (!limiter) return true;
  try {
    return (await limiter.limit({ key })).success;
  } catch (error) {
    gate.unproven.limiterFailures += 1;
    if (now - limiterFailureLoggedAt >= MS_PER_MINUTE) {
      limiterFailureLoggedAt = now;
      console.error(logged({ event: 'rate_limiter_failed', error: error instanceof Error ? error.name : 'unknown', failuresInIsolate: gate.unproven.limiterFailures }));
    }
    return true;
  }
}

/**
 * Counts a request a limit stopped — in the decision counters as
 * `RATE_LIMITED` when it is a session or a segment (no mode: no rule was
 * applied, so it neither lists a region nor moves a guard), else in the
 * isolate's own count — and nothing else: no visit, no point, no line.
 */
export function countRateLimited(gate: Gate, route: MetricsRoute | null, request: Request, deviceType: DeviceType | null, now: number, waitUntil: (promise: Promise<unknown>) => void): void {
  gate.unproven.rateLimited += 1;
  if (route === null) return;
  const region = metricsRegion(requestRegion(request, gate.config.environment));
  gate.decisions.count(region, now, { route, decision: 'deny', enforced: 'deny', reason: 'RATE_LIMITED', mode: null, deviceType, evidence: null, sharedNetwork: false }, null, null);
  gate.decisions.scheduleFlush(now, waitUntil);
}

/**
 * The `429 RATE_LIMITED` problem. On a playback path and the decision
 * endpoint (`decided`) it carries `Hearth-Decision` like every answer there.
 */
export function rateLimitedProblem(requestId: string, locale: Locale, links: ActionLinks, limit: LimitScope, decided: boolean, retryAfterSeconds = RATE_LIMITED_RETRY_AFTER_SECONDS): Response {
  return problemResponse('RATE_LIMITED', {
    requestId,
    locale,
    origin: links.origin,
    region: links.region ?? null,
    extra: { limit, retryAfterSeconds, ...(decided ? { decision: 'deny' as const } : {}) },
    headers: { 'Retry-After': String(retryAfterSeconds), ...(decided ? { [DECISION_HEADER]: 'deny; reason=RATE_LIMITED' } : {}) },
  });
}
