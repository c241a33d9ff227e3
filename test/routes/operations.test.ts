/**
 * The operation list and the one runner every operation goes through:
 * sign-in by auth kind first, then the operation's schemas, then the handler.
 */
import { describe, expect, it } from 'vitest';
import { operations } from '../../src/routes/operations';
import { callGate, newAccount } from '../support/gate';
import { adminToken, deviceToken } from '../support/tokens';

describe('the operation list', () => {
  it('names each method and path once, and every admin operation a scope', () => {
    const keys = operations.map((operation) => `${operation.method} ${operation.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const operation of operations)
      expect({ operationId: operation.operationId, scoped: operation.auth !== 'admin' || Boolean(operation.scope) }).toEqual({ operationId: operation.operationId, scoped: true });
  });

  it('validates every path parameter with a schema', () => {
    const unvalidated = operations.filter((operation) => operation.path.includes('{') && !operation.params).map((operation) => operation.operationId);
    expect(unvalidated).toEqual([]);
  });
});

describe('the runner', () => {
  const malformed = '{"code": 123456';

  it('signs a device in before it reads the body: no token is 401, a bad body with a good token is 400 naming the field', async () => {
    const path = `/gate/v1/challenges/${crypto.randomUUID()}/verify`;
    const anonymous = await callGate({ path, method: 'POST', body: malformed, headers: { 'Content-Type': 'application/json' } });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { reason: string }).reason).toBe('TOKEN_MISSING');

    const token = await deviceToken({ account: newAccount('runner'), device: 'phone' });
    const wrongType = await callGate({ path, method: 'POST', token, body: JSON.stringify({ code: 123456 }), headers: { 'Content-Type': 'application/json' } });
    expect(wrongType.status).toBe(400);
    expect(await wrongType.json()).toMatchObject({ reason: 'INVALID_REQUEST', field: 'code' });
  });

  it('validates a device operation’s path parameters from its schema', async () => {
    const token = await deviceToken({ account: newAccount('runner'), device: 'phone' });
    const response = await callGate({ path: '/gate/v1/household/devices/bad%20id', method: 'DELETE', token });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ reason: 'INVALID_REQUEST', field: 'deviceId' });
  });

  it('signs an admin in, with the scope, before it reads params or body', async () => {
    const noToken = await callGate({ path: '/admin/v1/rollout/pe', method: 'PUT', body: malformed });
    expect(noToken.status).toBe(401);
    const readOnly = await callGate({ path: '/admin/v1/rollout/pe', method: 'PUT', token: await adminToken('rollout:read'), body: malformed });
    expect(readOnly.status).toBe(403);
    const allowed = await callGate({ path: '/admin/v1/rollout/pe', method: 'PUT', token: await adminToken('rollout:write'), body: malformed });
    expect(await allowed.json()).toMatchObject({ status: 400, field: 'region' });
  });
});
