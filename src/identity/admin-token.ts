/**
 * Admin tokens (docs/api.md): who is acting (`sub`, written into every
 * audit entry) and what they may do (space-separated `scope`).
 */
import type { JWTPayload } from 'jose';
import type { TokenFailureReason } from './jwt-verifier';
import type { Result } from '../result';

export interface AdminIdentity {
  actor: string;
  scopes: Set<string>;
}

export type AdminIdentityResult = Result<AdminIdentity, { reason: TokenFailureReason }>;

/** The admin an admin token's claims name, or null when they name none. */
export function adminIdentity(payload: JWTPayload): AdminIdentity | null {
  const { sub, scope } = payload;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 256) return null;
  return { actor: sub, scopes: new Set(typeof scope === 'string' ? scope.split(' ').filter(Boolean) : []) };
}
