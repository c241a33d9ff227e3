/**
 * Admin authentication: a Bearer admin JWT (`aud` hearth-admin, living at
 * most ADMIN_TOKEN_MAX_AGE) with the scope an operation needs. 401 for a
 * missing or bad token — logged as a sample per client network, and past
 * RATE_LIMIT_NETWORK `429 RATE_LIMITED` — and 403 SCOPE_REQUIRED naming the
 * scope that is short (told in routes/refusal.ts).
 */
import type { AdminIdentity } from '../identity/admin-token';
import { bearerToken } from '../identity/jwt-verifier';
import type { AppContext } from '../http/context';
import { err, ok, type Result } from '../result';
import { type AdminScope } from '../vocabulary';
import type { Refusal } from './refusal';
import { countRateLimited, screenUnproven } from '../edge/rate-limits';
import { logged } from '../version';

/** The request's admin, with the scope asked for; a refusal when this gate has no admin configuration, the token is not accepted, or the scope is short. */
export async function authorizeAdmin(c: AppContext, scope: AdminScope | undefined): Promise<Result<AdminIdentity, Refusal>> {
  const gate = c.get('gate');
  if (!gate.adminTokens) {
    console.error(logged({ event: 'misconfigured', scope: 'admin', bindings: gate.config.adminProblems.map((p) => p.binding) }));
    return err({ reason: 'MISCONFIGURED', api: 'admin' });
  }
  const now = Date.now();
  const verified = await gate.adminTokens.verify(bearerToken(c.req.raw.headers, null), now);
  if (!verified.ok) {
    // Contract §9: a failed admin sign-in proves nothing: it meets RATE_LIMIT_NETWORK, and is logged as a sample per
    // client network (its keyed id, so probing from one network shows as one), never with the token.
    const screened = await screenUnproven(gate, c.req.raw, now);
    if (!screened.within) {
      countRateLimited(gate, null, c.req.raw, null, now, (p) => c.executionCtx.waitUntil(p));
      return err({ reason: 'RATE_LIMITED', limit: 'network' });
    }
    const weight = gate.unproven.admin.take(screened.network, now);
    if (weight !== null) console.log(logged({ event: 'admin_auth_failed', requestId: c.get('requestId'), reason: verified.error.reason, network: screened.network, weight }));
    return err({ reason: verified.error.reason, realm: 'admin' });
  }
  const admin = verified.value;
  if (scope && !admin.scopes.has(scope)) return err({ reason: 'SCOPE_REQUIRED', scope, carried: [...admin.scopes] });
  return ok(admin);
}
