import { describe, expect, it } from 'vitest';
import { adminIdentity } from '../../../src/identity/admin-token';

describe('adminIdentity', () => {
  it('names the actor and splits the scope on spaces', () => {
    expect(adminIdentity({ sub: 'ana@ops', scope: 'rollout:read  audit:read' })).toEqual({ actor: 'ana@ops', scopes: new Set(['rollout:read', 'audit:read']) });
  });

  it('gives no scope when the claim is absent or not a string', () => {
    expect(adminIdentity({ sub: 'ana@ops' })?.scopes.size).toBe(0);
    expect(adminIdentity({ sub: 'ana@ops', scope: ['rollout:read'] as unknown as string })?.scopes.size).toBe(0);
  });

  it('names nobody without a usable sub: missing, empty, not a string, or longer than 256 characters', () => {
    for (const sub of [undefined, '', 42, 'x'.repeat(257)]) expect(adminIdentity({ sub: sub as string })).toBeNull();
    expect(adminIdentity({ sub: 'x'.repeat(256) })).not.toBeNull();
  });
});
