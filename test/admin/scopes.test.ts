import { describe, expect, it } from 'vitest';
import { operations } from '../../src/routes/operations';
import { deviceToken, adminToken } from '../support/tokens';
import { admin, ALL_SCOPES } from './admin-support';

const adminOperations = operations.filter((operation) => operation.auth === 'admin');
const samplePath = (path: string) =>
  path.replace('{region}', 'PE').replace('{account}', 'scope-acct').replace('{grantId}', crypto.randomUUID()).replace('{deviceId}', 'scope-device').replace('{changeId}', crypto.randomUUID());

describe('admin scopes', () => {
  it('covers every admin operation', () => {
    expect(adminOperations.map((o) => `${o.method} ${o.path}`)).toHaveLength(18);
    expect(adminOperations.every((o) => o.scope)).toBe(true);
  });

  describe.each(adminOperations.map((o) => [`${o.method.toUpperCase()} ${o.path}`, o] as const))('%s', (_, operation) => {
    const method = operation.method.toUpperCase();
    const path = samplePath(operation.path) + (operation.operationId === 'explainDecisionWithoutAddress' ? '?deviceId=d' : '');

    it('answers 401 without a token', async () => {
      const response = await admin(method, path, { token: null });
      expect(response.status).toBe(401);
      expect(response.body.reason).toBe('TOKEN_MISSING');
      expect(response.headers.get('WWW-Authenticate')).toContain('realm="admin"');
    });

    it('answers 401 to a device token', async () => {
      const response = await admin(method, path, { token: await deviceToken({ account: 'a', device: 'd' }) });
      expect(response.status).toBe(401);
      expect(response.body.reason).toBe('TOKEN_INVALID');
    });

    it(`answers 403 SCOPE_REQUIRED without ${operation.scope}`, async () => {
      const others = ALL_SCOPES.split(' ')
        .filter((scope) => scope !== operation.scope)
        .join(' ');
      const response = await admin(method, path, { scope: others });
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ reason: 'SCOPE_REQUIRED', requiredScope: operation.scope });
    });

    it(`lets ${operation.scope} through`, async () => {
      const body =
        operation.operationId === 'setRolloutRule' || operation.operationId === 'previewRolloutRule'
          ? { mode: 'monitor' }
          : operation.operationId === 'createGrant'
            ? { days: 1, reason: 'scope test' }
            : operation.operationId === 'addExtraMember' || operation.operationId === 'explainDecision'
              ? { deviceId: 'scope-device' }
              : undefined;
      const response = await admin(method, path, { scope: operation.scope!, body });
      expect([401, 403]).not.toContain(response.status);
      expect(response.status).toBeLessThan(500);
    });
  });

  it('refuses an expired admin token and an admin token of another audience', async () => {
    const { SignJWT, importJWK } = await import('jose');
    const { developmentKeys, ADMIN_ISSUER } = await import('../support/tokens');
    const jwk = developmentKeys.admin[0]!;
    const key = await importJWK(jwk, 'EdDSA');
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ iss: ADMIN_ISSUER, aud: 'hearth-admin', sub: 'x', scope: ALL_SCOPES, iat: now - 7200, exp: now - 3600 })
      .setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid })
      .sign(key);
    expect((await admin('GET', '/admin/v1/rollout', { token: expired })).body.reason).toBe('TOKEN_EXPIRED');
    const wrongAudience = await new SignJWT({ iss: ADMIN_ISSUER, aud: 'playback', sub: 'x', scope: ALL_SCOPES, iat: now, exp: now + 60 }).setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid }).sign(key);
    expect((await admin('GET', '/admin/v1/rollout', { token: wrongAudience })).status).toBe(401);
  });

  it('answers 500 MISCONFIGURED naming the admin bindings when they are missing', async () => {
    const response = await admin('GET', '/admin/v1/rollout', { token: await adminToken(ALL_SCOPES), env: { ADMIN_JWKS: undefined } });
    expect(response.status).toBe(500);
    expect(response.body.detail).toContain('ADMIN_JWKS');
  });
});
