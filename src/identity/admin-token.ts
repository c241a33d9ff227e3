/**
 * Admin tokens (CONTRACT.md §7): who is acting (`sub`, written into every
 * audit entry) and what they may do (space-separated `scope`).
 */
import type { Gate } from '../gate';
import { bearerToken, type TokenFailureReason } from './jwt-verifier';

export const ADMIN_SCOPES = ['rollout:read', 'rollout:write', 'accounts:read', 'accounts:write', 'audit:read'] as const;
export type AdminScope = (typeof ADMIN_SCOPES)[number];

export interface AdminIdentity {
  actor: string;
  scopes: Set<string>;
}

export type AdminIdentityResult = { ok: true; admin: AdminIdentity } | { ok: false; reason: TokenFailureReason };

export async function identifyAdmin(gate: Gate, headers: Headers, nowMs: number): Promise<AdminIdentityResult | null> {
  if (!gate.adminTokens) return null;
  const verified = await gate.adminTokens.verify(bearerToken(headers, null), nowMs);
  if (!verified.ok) return verified;
  const { sub, scope } = verified.payload;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 256) return { ok: false, reason: 'TOKEN_INVALID' };
  const scopes = new Set(typeof scope === 'string' ? scope.split(' ').filter(Boolean) : []);
  return { ok: true, admin: { actor: sub, scopes } };
}
