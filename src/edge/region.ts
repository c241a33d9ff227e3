/**
 * The request's region (docs/api.md): `request.cf.country`, or in
 * development the `Hearth-Sim-Country` header, so a local run can play "a
 * viewer in Peru". In production that header is ignored.
 */
import type { Environment } from '../config/config';
import type { ActionLinks } from '../messages/catalog';
import { FALLBACK_REGION } from '../policy/rollout';
import { UNKNOWN_COUNTRY } from '../vocabulary';

const COUNTRY_PATTERN = /^[A-Z]{2}$/;
export const SIM_COUNTRY_HEADER = 'Hearth-Sim-Country';

export function requestRegion(request: Request, environment: Environment): string | null {
  if (environment === 'development') {
    const simulated = request.headers.get(SIM_COUNTRY_HEADER)?.trim().toUpperCase();
    if (simulated && COUNTRY_PATTERN.test(simulated)) return simulated;
  }
  const country = (request as { cf?: { country?: unknown } }).cf?.country;
  return typeof country === 'string' && COUNTRY_PATTERN.test(country) && country !== UNKNOWN_COUNTRY ? country : null;
}

/**
 * The region decisions are counted under: the request's, or `XX` when its
 * country is unknown (a decision then names the `*` rule as its region).
 */
export function metricsRegion(region: string | null): string {
  return region === null || region === FALLBACK_REGION ? UNKNOWN_COUNTRY : region;
}

/** Where a refusal's actions lead for `request` (contract §5, §8): its origin, and its region's status page. */
export function actionLinks(request: Request, environment: Environment): ActionLinks {
  return { origin: new URL(request.url).origin, region: requestRegion(request, environment) };
}
