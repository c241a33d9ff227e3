import { afterEach, describe, expect, it, vi } from 'vitest';
import { callGate, newAccount } from '../support/gate';
import { deviceToken } from '../support/tokens';

describe('misconfiguration fails loudly, never as a silent allow', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ['DEVICE_JWKS', { DEVICE_JWKS: undefined }],
    ['DEVICE_JWKS', { DEVICE_JWKS: '{"keys": [' }],
    ['NETWORK_HASH_KEY', { NETWORK_HASH_KEY: undefined }],
    ['TRUST_WINDOW', { TRUST_WINDOW: 'a month' }],
    ['ORIGIN_URL', { ENVIRONMENT: 'production', ORIGIN_URL: undefined }],
  ])('answers 500 MISCONFIGURED and logs the binding when %s is wrong', async (binding, overrides) => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    const token = await deviceToken({ account: newAccount(), device: 'tv', type: 'tv' });
    for (const path of ['/seg.ts', '/gate/v1/decision', '/healthz']) {
      const response = await callGate({ path, token, env: overrides });
      expect(response.status).toBe(500);
      expect(response.headers.get('Content-Type')).toBe('application/problem+json');
      expect(response.headers.get('X-Origin')).toBeNull();
      const problem = await response.json<{ reason: string; detail: string }>();
      expect(problem.reason).toBe('MISCONFIGURED');
      expect(problem.detail).toContain(binding);
    }
    expect(errors.map((line) => JSON.parse(line))).toContainEqual(expect.objectContaining({ event: 'misconfigured', binding }));
  });

  it('keeps the gate serving when only the admin bindings are missing', async () => {
    const token = await deviceToken({ account: newAccount(), device: 'tv', type: 'tv' });
    const response = await callGate({ token, env: { ADMIN_JWKS: undefined, ADMIN_TOKEN_ISSUER: undefined } });
    expect(response.status).toBe(200);
  });

  it('reports health with the version when configured', async () => {
    const response = await callGate({ path: '/healthz' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });
});
