/**
 * Admin authentication: a Bearer admin JWT (`aud` hearth-admin) with the
 * scope an operation needs. 401 for a missing or bad token, 403
 * SCOPE_REQUIRED naming the scope that is short.
 */
import type { Gate } from '../gate';
import type { AdminIdentity, AdminIdentityResult } from '../identity/admin-token';
import { bearerToken } from '../identity/jwt-verifier';
import type { AppContext } from '../http/context';
import { problemFor } from '../http/problem';
import { type AdminScope } from '../vocabulary';

export const ADMIN_TOKEN_CHALLENGE = 'Bearer realm="admin", error="invalid_token"';

/** The admin of the request's admin token, or null when this gate has no admin configuration. */
async function identifyAdmin(gate: Gate, headers: Headers, nowMs: number): Promise<AdminIdentityResult | null> {
  if (!gate.adminTokens) return null;
  const verified = await gate.adminTokens.verify(bearerToken(headers, null), nowMs);
  return verified.ok ? { ok: true, admin: verified.value } : verified;
}

export async function authorizeAdmin(c: AppContext, scope: AdminScope | undefined): Promise<AdminIdentity | Response> {
  const result = await identifyAdmin(c.get('gate'), c.req.raw.headers, Date.now());
  if (result === null) {
    const bindings = c.get('gate').config.adminProblems.map((p) => `${p.binding} ${p.message}`).join('; ');
    console.error(JSON.stringify({ event: 'misconfigured', scope: 'admin', bindings: c.get('gate').config.adminProblems.map((p) => p.binding) }));
    return problemFor(c, 'MISCONFIGURED', { detail: `The admin API is not configured: ${bindings}.` });
  }
  if (!result.ok) {
    return problemFor(c, result.reason, {
      detail: result.reason === 'TOKEN_MISSING' ? 'Send an admin token as Authorization: Bearer <token>.' : 'The admin token was not accepted.',
      headers: { 'WWW-Authenticate': ADMIN_TOKEN_CHALLENGE },
    });
  }
  if (scope && !result.admin.scopes.has(scope)) {
    return problemFor(c, 'SCOPE_REQUIRED', {
      detail: `This needs the "${scope}" scope; the token carries: ${[...result.admin.scopes].join(' ') || 'no scope'}.`,
      extra: { requiredScope: scope },
      headers: { 'WWW-Authenticate': `Bearer realm="admin", error="insufficient_scope", scope="${scope}"` },
    });
  }
  return result.admin;
}
