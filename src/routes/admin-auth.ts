/**
 * Admin authentication: a Bearer admin JWT (`aud` hearth-admin) with the
 * scope an operation needs. 401 for a missing or bad token, 403
 * SCOPE_REQUIRED naming the scope that is short (told in routes/refusal.ts).
 */
import type { AdminIdentity } from '../identity/admin-token';
import { bearerToken } from '../identity/jwt-verifier';
import type { AppContext } from '../http/context';
import { err, ok, type Result } from '../result';
import { type AdminScope } from '../vocabulary';
import type { Refusal } from './refusal';

/** The request's admin, with the scope asked for; a refusal when this gate has no admin configuration, the token is not accepted, or the scope is short. */
export async function authorizeAdmin(c: AppContext, scope: AdminScope | undefined): Promise<Result<AdminIdentity, Refusal>> {
  const gate = c.get('gate');
  if (!gate.adminTokens) {
    console.error(JSON.stringify({ event: 'misconfigured', scope: 'admin', bindings: gate.config.adminProblems.map((p) => p.binding) }));
    return err({ reason: 'MISCONFIGURED', api: 'admin' });
  }
  const verified = await gate.adminTokens.verify(bearerToken(c.req.raw.headers, null), Date.now());
  if (!verified.ok) return err({ reason: verified.error.reason, realm: 'admin' });
  const admin = verified.value;
  if (scope && !admin.scopes.has(scope)) return err({ reason: 'SCOPE_REQUIRED', scope, carried: [...admin.scopes] });
  return ok(admin);
}
