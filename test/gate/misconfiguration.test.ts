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

  it("names every bad binding at once, the admin API's and the storage bindings' among them", async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    const broken = { DEVICE_JWKS: undefined, TRUST_WINDOW: 'a month', CODE_MAX_ATTEMPTS: 'five', ADMIN_JWKS: '{"keys": [', HEARTH_KV: undefined, CONTROL: undefined };
    const response = await callGate({ path: '/healthz', env: broken });
    expect(response.status).toBe(500);
    const problem = await response.json<{ reason: string; detail: string; bindings: string[] }>();
    expect(problem.reason).toBe('MISCONFIGURED');
    const all = ['DEVICE_JWKS', 'TRUST_WINDOW', 'CODE_MAX_ATTEMPTS', 'ADMIN_JWKS', 'HEARTH_KV', 'CONTROL'];
    expect(problem.bindings.toSorted()).toEqual(all.toSorted());
    for (const binding of all) expect(problem.detail).toContain(binding);
    const logged = errors
      .map((line) => JSON.parse(line))
      .filter((line) => line.event === 'misconfigured')
      .map((line) => line.binding);
    expect(logged.toSorted()).toEqual(all.toSorted());
  });

  it('answers a request with a missing storage binding as MISCONFIGURED naming it, not as an internal error', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const token = await deviceToken({ account: newAccount(), device: 'tv', type: 'tv' });
    const response = await callGate({ token, env: { HOUSEHOLDS: undefined } });
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ reason: 'MISCONFIGURED', bindings: ['HOUSEHOLDS'] });
  });

  it('says on /healthz that the admin API is misconfigured, naming its bindings, while playback serves', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await callGate({ path: '/healthz', env: { ADMIN_JWKS: undefined, ADMIN_TOKEN_ISSUER: '' } });
    // 200: the gate decides playback (a load balancer keeps it); the body says what is not working.
    expect(response.status).toBe(200);
    const health = await response.json<Record<string, unknown>>();
    expect(health).toMatchObject({ ok: false, status: 'degraded', misconfigured: [{ part: 'admin', bindings: ['ADMIN_JWKS', 'ADMIN_TOKEN_ISSUER'] }] });
    expect(String(health.detail)).toContain('admin API');
    expect(JSON.stringify(health)).not.toContain('is required');
  });

  it('keeps the gate serving when only the admin bindings are missing', async () => {
    const token = await deviceToken({ account: newAccount(), device: 'tv', type: 'tv' });
    const response = await callGate({ token, env: { ADMIN_JWKS: undefined, ADMIN_TOKEN_ISSUER: undefined } });
    expect(response.status).toBe(200);
  });

  it('reports health with the version when configured', async () => {
    const response = await callGate({ path: '/healthz' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).toSorted()).toEqual(['ok', 'release', 'version', 'workerVersion']);
    expect(body).toMatchObject({ ok: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/), release: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
  });
});
