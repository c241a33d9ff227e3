import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callGate, newAccount } from '../support/gate';
import { deviceToken, developmentKeys, DEVICE_ISSUER } from '../support/tokens';

const b64 = (value: unknown) => btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const now = () => Math.floor(Date.now() / 1000);
const claims = () => ({ iss: DEVICE_ISSUER, aud: 'playback', sub: newAccount(), did: 'phone-1', dty: 'mobile', iat: now(), exp: now() + 600 });

async function expectRejected(token: string | undefined, reason: string, init: Parameters<typeof callGate>[0] = {}) {
  const response = await callGate({ ...init, ...(token !== undefined ? { token } : {}) });
  expect(response.status).toBe(401);
  expect(response.headers.get('WWW-Authenticate')).toBe('Bearer realm="playback", error="invalid_token"');
  expect(response.headers.get('Content-Type')).toBe('application/problem+json');
  expect(response.headers.get('Hearth-Decision')).toBe(`deny; reason=${reason}`);
  expect(response.headers.get('Hearth-Request-Id')).toMatch(/^[0-9a-f-]{36}$/);
  const text = await response.text();
  expect(token !== undefined && text.includes(token)).toBe(false);
  expect(JSON.parse(text)).toMatchObject({ status: 401, reason, requestId: response.headers.get('Hearth-Request-Id') });
}

describe('device tokens', () => {
  afterEach(() => vi.restoreAllMocks());

  it('accepts EdDSA and ES256 tokens, each selected by kid (two live keys: rotation)', async () => {
    for (const key of [0, 1] as const) {
      const response = await callGate({ token: await deviceToken({ account: newAccount(), device: 'p', key }) });
      expect(response.status).toBe(200);
    }
  });

  it('reads the hearth_device cookie for browser players', async () => {
    const token = await deviceToken({ account: newAccount(), device: 'web-1', type: 'web' });
    const response = await callGate({ cookie: `theme=dark; hearth_device=${token}` });
    expect(response.status).toBe(200);
  });

  it('answers TOKEN_MISSING without a token, or with an empty bearer', async () => {
    await expectRejected(undefined, 'TOKEN_MISSING');
    await expectRejected(undefined, 'TOKEN_MISSING', { headers: { Authorization: 'Bearer ' } });
  });

  it('refuses alg none', async () => {
    const token = `${b64({ alg: 'none', kid: developmentKeys.device[0]!.kid })}.${b64(claims())}.`;
    await expectRejected(token, 'TOKEN_INVALID');
  });

  it('refuses HS256 signed with the public key', async () => {
    const publicJwk = { ...developmentKeys.device[0]! } as Record<string, unknown>;
    delete publicJwk.d;
    for (const secret of [JSON.stringify(publicJwk), publicJwk.x as string]) {
      const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: developmentKeys.device[0]!.kid }).sign(new TextEncoder().encode(secret));
      await expectRejected(token, 'TOKEN_INVALID');
    }
  });

  it('refuses an RS256 token', async () => {
    const { privateKey } = (await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: developmentKeys.device[0]!.kid }).sign(privateKey);
    await expectRejected(token, 'TOKEN_INVALID');
  });

  it.each([
    ['a wrong issuer', { iss: 'https://elsewhere.invalid' }],
    ['a wrong audience', { aud: 'downloads' }],
    ['an unknown kid', { kid: 'retired-key' }],
    ['nbf in the future', { nbf: now() + 3600 }],
    ['a malformed account id', { account: 'has spaces' }],
    ['an unknown device type', { type: 'fridge' }],
    ['no exp', { omit: ['exp'] }],
    ['no iat', { omit: ['iat'] }],
  ])('refuses %s', async (_, patch) => {
    await expectRejected(await deviceToken({ account: newAccount(), device: 'phone-1', ...patch }), 'TOKEN_INVALID');
  });

  it('refuses a token signed by a key the gate does not know under a known kid', async () => {
    const { privateKey } = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA', kid: developmentKeys.device[0]!.kid }).sign(privateKey);
    await expectRejected(token, 'TOKEN_INVALID');
  });

  it('refuses a token without kid', async () => {
    const jwk = developmentKeys.device[0]!;
    const { importJWK } = await import('jose');
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA' }).sign(await importJWK(jwk, 'EdDSA'));
    await expectRejected(token, 'TOKEN_INVALID');
  });

  it('answers TOKEN_EXPIRED past exp plus the 60 s skew, and tolerates the skew itself', async () => {
    await expectRejected(await deviceToken({ account: newAccount(), device: 'p', iat: now() - 7200, exp: now() - 120 }), 'TOKEN_EXPIRED');
    const withinSkew = await deviceToken({ account: newAccount(), device: 'p', iat: now() - 7200, exp: now() - 30 });
    expect((await callGate({ token: withinSkew })).status).toBe(200);
  });

  it.each(['garbage', 'a.b.c', 'e30.e30.', '..', `${'A'.repeat(9000)}.e30.sig`, 'eyJhbGciOiJFZERTQSJ9.%%%.sig'])('refuses the malformed token %#', async (token) => {
    await expectRejected(token, 'TOKEN_INVALID');
  });

  it('refuses a token on playback paths the same way, and never forwards it', async () => {
    const response = await callGate({ path: '/video/seg-1.ts', token: 'garbage' });
    expect(response.status).toBe(401);
    expect(response.headers.get('X-Origin')).toBeNull();
  });

  it('never writes a token into the logs', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args) => void lines.push(args.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...args) => void lines.push(args.join(' ')));
    const good = await deviceToken({ account: newAccount(), device: 'p' });
    // At a log sample of 1, so the forged token's line (a sample of its network's, contract §9) is written.
    await callGate({ token: good, env: { DECISION_LOG_SAMPLE: '1' } });
    await callGate({ token: good.slice(0, -4) + 'AAAA', env: { DECISION_LOG_SAMPLE: '1' } });
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).not.toContain(good.slice(0, 40));
      expect(line).not.toContain(good.split('.')[2]!);
    }
  });
});
