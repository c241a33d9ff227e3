/**
 * Device-bound tokens (contract §2.1): a token carrying `cnf.jkt` plays
 * nothing without a fresh DPoP proof of its key, and once a device id was
 * seen bound, only that key speaks for it until a sign-out.
 */
import { calculateJwkThumbprint, SignJWT } from 'jose';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { anotherIsolate, callGate, household, newAccount, setRule, type GateRequest } from '../support/gate';
import { boundDevice, deviceToken, makeDeviceKeyPair, mintDeviceProof, type BoundDevice } from '../support/tokens';
import { SESSION_CHALLENGE } from '../../src/session/playback-session';

const HOME_IP = '203.0.113.70';
const AWAY_IP = '198.51.100.70';
const PROOF_CHALLENGE = 'DPoP algs="EdDSA ES256", error="invalid_dpop_proof"';
type Json = Record<string, unknown>;

async function read(response: Response): Promise<{ status: number; headers: Headers; text: string; body: Json }> {
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text ? (JSON.parse(text) as Json) : {} };
}

/** A request with these headers (a bound device's, or `Authorization` alone). */
async function send(headers: Record<string, string>, init: { path?: string; method?: string; ip?: string; bindings?: GateRequest['bindings']; env?: GateRequest['env'] } = {}) {
  return read(
    await callGate({
      path: init.path ?? '/gate/v1/decision',
      method: init.method ?? 'GET',
      ip: init.ip ?? HOME_IP,
      country: 'PE',
      headers,
      ...(init.bindings ? { bindings: init.bindings } : {}),
      ...(init.env ? { env: init.env } : {}),
    }),
  );
}

/** The answer is the proof refusal: 401, DPoP challenge, problem+json, and neither token nor proof echoed. */
function expectProofRefused(answer: Awaited<ReturnType<typeof read>>, secrets: string[] = []) {
  expect(answer.status).toBe(401);
  expect(answer.headers.get('WWW-Authenticate')).toBe(PROOF_CHALLENGE);
  expect(answer.headers.get('Content-Type')).toBe('application/problem+json');
  expect(answer.headers.get('Hearth-Decision')).toBe('deny; reason=DEVICE_PROOF_REQUIRED');
  expect(answer.body).toMatchObject({ status: 401, reason: 'DEVICE_PROOF_REQUIRED', decision: 'deny', message: expect.any(String) });
  for (const secret of secrets) expect(answer.text.includes(secret)).toBe(false);
}

/** Contract §2.1: with a bound token (or under DEVICE_BINDING=required) playback paths take sessions only. */
function expectSessionRequired(answer: Awaited<ReturnType<typeof read>>) {
  expect(answer.status).toBe(401);
  expect(answer.headers.get('WWW-Authenticate')).toBe(SESSION_CHALLENGE);
  expect(answer.body).toMatchObject({ status: 401, reason: 'SESSION_REQUIRED', decision: 'deny' });
  expect((answer.body.actions as Array<{ id: string; href: string }>).find((action) => action.id === 'decision')?.href).toContain('/gate/v1/decision');
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('device-bound tokens: proofs', () => {
  beforeEach(async () => {
    await setRule('PE', 'challenge');
  });

  it('accepts a bound token with a valid proof, for Ed25519 and P-256 keys alike', async () => {
    for (const keyAlg of ['EdDSA', 'ES256'] as const) {
      const tv = await boundDevice({ account: newAccount(), device: 'tv', type: 'tv', keyAlg });
      const answer = await send(await tv.headers());
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ decision: 'allow', reason: 'HOUSEHOLD_ESTABLISHED' });
    }
  });

  it('serves the device API to a bound token with its proof (htm and htu of that call)', async () => {
    const account = newAccount();
    const tv = await boundDevice({ account, device: 'tv', type: 'tv' });
    await send(await tv.headers());
    const listed = await send(await tv.headers('GET', '/gate/v1/household/devices'), { path: '/gate/v1/household/devices' });
    expect(listed.status).toBe(200);
    expect(listed.body.devices).toEqual([expect.objectContaining({ deviceId: 'tv', bound: true })]);
    // The decision's proof does not serve another path.
    const elsewhere = await send(await tv.headers('GET', '/gate/v1/decision'), { path: '/gate/v1/household/devices' });
    expectProofRefused(elsewhere);
  });

  describe('refuses every way a proof can be wrong, with DEVICE_PROOF_REQUIRED', () => {
    let tv: BoundDevice;
    beforeEach(async () => {
      tv = await boundDevice({ account: newAccount(), device: 'tv', type: 'tv' });
    });

    it('no proof', async () => {
      expectProofRefused(await send({ Authorization: `DPoP ${tv.token}` }), [tv.token]);
    });

    it('a bound token sent as Bearer (with or without a proof)', async () => {
      const { DPoP } = await tv.headers();
      expectProofRefused(await send({ ...bearer(tv.token), DPoP: DPoP! }), [tv.token, DPoP!]);
      expectProofRefused(await send(bearer(tv.token)), [tv.token]);
    });

    it('a proof signed by another key', async () => {
      const other = await makeDeviceKeyPair();
      const headers = await tv.headers('GET', '/gate/v1/decision', { privateJwk: other.privateJwk });
      expectProofRefused(await send(headers), [tv.token, headers.DPoP!]);
    });

    it('another method (htm) or another URL (htu: host, scheme or path)', async () => {
      expectProofRefused(await send(await tv.headers('POST')));
      expectProofRefused(await send(await tv.headers('GET', '/gate/v1/decision', { url: 'https://elsewhere.example/gate/v1/decision' })));
      expectProofRefused(await send(await tv.headers('GET', '/gate/v1/decision', { url: 'http://gate.hearth.test/gate/v1/decision' })));
      expectProofRefused(await send(await tv.headers('GET', '/gate/v1/decisions')));
    });

    it('a stale or future iat (more than 60 s away)', async () => {
      expectProofRefused(await send(await tv.headers('GET', '/gate/v1/decision', { claims: { iat: nowSeconds() - 120 } })));
      expectProofRefused(await send(await tv.headers('GET', '/gate/v1/decision', { claims: { iat: nowSeconds() + 120 } })));
      expectProofRefused(await send(await tv.headers('GET', '/gate/v1/decision', { omit: ['iat'] })));
    });

    it('a replayed jti, in this isolate and through another one with caches of its own', async () => {
      const headers = await tv.headers();
      expect((await send(headers)).status).toBe(200);
      expectProofRefused(await send(headers));
      expectProofRefused(await send(headers, { bindings: anotherIsolate() }));
      // The same jti in a new proof is a replay too.
      const jti = JSON.parse(atob(headers.DPoP!.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))).jti as string;
      expectProofRefused(await send(await tv.headers('GET', '/gate/v1/decision', { claims: { jti } }), { bindings: anotherIsolate() }));
      // A fresh proof is fine.
      expect((await send(await tv.headers(), { bindings: anotherIsolate() })).status).toBe(200);
    });

    it('a jti missing or too long', async () => {
      expectProofRefused(await send(await tv.headers('GET', '/gate/v1/decision', { omit: ['jti'] })));
      expectProofRefused(await send(await tv.headers('GET', '/gate/v1/decision', { claims: { jti: 'x'.repeat(129) } })));
    });

    it('a wrong ath (the proof was made for another token)', async () => {
      const otherToken = await deviceToken({ account: newAccount(), device: 'tv', bindTo: tv.keys.publicJwk });
      expectProofRefused(await send(await tv.headers('GET', '/gate/v1/decision', { token: otherToken })));
      expectProofRefused(await send(await tv.headers('GET', '/gate/v1/decision', { omit: ['ath'] })));
    });

    it('alg none, a wrong typ, or a private key in jwk', async () => {
      const b64 = (value: unknown) => btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      const { d: _d, ...publicJwk } = tv.keys.privateJwk;
      const claims = { htm: 'GET', htu: 'https://gate.hearth.test/gate/v1/decision', iat: nowSeconds(), jti: crypto.randomUUID() };
      const unsigned = `${b64({ typ: 'dpop+jwt', alg: 'none', jwk: publicJwk })}.${b64(claims)}.`;
      expectProofRefused(await send({ Authorization: `DPoP ${tv.token}`, DPoP: unsigned }));
      expectProofRefused(await send(await tv.headers('GET', '/gate/v1/decision', { header: { typ: 'JWT' } })));
      expectProofRefused(await send(await tv.headers('GET', '/gate/v1/decision', { header: { jwk: tv.keys.privateJwk } })));
    });

    it('a proof signed with HS256 over the public key', async () => {
      const { d: _d, ...publicJwk } = tv.keys.privateJwk;
      const proof = await new SignJWT({ htm: 'GET', htu: 'https://gate.hearth.test/gate/v1/decision', iat: nowSeconds(), jti: crypto.randomUUID() })
        .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: publicJwk })
        .sign(new TextEncoder().encode(String(publicJwk.x)));
      expectProofRefused(await send({ Authorization: `DPoP ${tv.token}`, DPoP: proof }));
    });
  });

  it('never logs a token or a proof', async () => {
    const logged: string[] = [];
    const capture = (...args: unknown[]) => void logged.push(args.map(String).join(' '));
    vi.spyOn(console, 'log').mockImplementation(capture);
    vi.spyOn(console, 'error').mockImplementation(capture);
    try {
      const tv = await boundDevice({ account: newAccount(), device: 'tv', type: 'tv' });
      const headers = await tv.headers('POST');
      // A refused proof proves nothing: its line is a sample (contract §9), every one at a sample of 1.
      expectProofRefused(await send(headers, { env: { DECISION_LOG_SAMPLE: '1' } }));
      expect(logged.some((line) => line.includes('"reason":"DEVICE_PROOF_REQUIRED"') && line.includes('"failure":"htm"'))).toBe(true);
      expect(logged.some((line) => line.includes(tv.token) || line.includes(headers.DPoP!))).toBe(false);
    } finally {
      vi.restoreAllMocks();
    }
  });
});

describe("device-bound tokens: a device's key", () => {
  beforeEach(async () => {
    await setRule('PE', 'challenge');
  });

  it('records the key a device id is first seen with, bound, and shows the device as bound', async () => {
    const account = newAccount();
    const tv = await boundDevice({ account, device: 'tv', type: 'tv' });
    expect((await send(await tv.headers())).status).toBe(200);
    const record = (await household(account))!.devices.get('tv')!;
    expect(record.keyThumbprint).toBe(await calculateJwkThumbprint(tv.keys.publicJwk, 'sha256'));
  });

  it('refuses a copied device id with another key, or unbound, on the decision, the device API and playback', async () => {
    const account = newAccount();
    const tv = await boundDevice({ account, device: 'tv', type: 'tv' });
    expect((await send(await tv.headers())).status).toBe(200);

    // A sharer's issuer mints tokens for the TV's id: one bound to the sharer's own key (with valid proofs), one unbound.
    const copy = await boundDevice({ account, device: 'tv', type: 'tv' });
    expectProofRefused(await send(await copy.headers(), { ip: AWAY_IP }));
    expectProofRefused(await send(await copy.headers('GET', '/gate/v1/household/devices'), { path: '/gate/v1/household/devices', ip: AWAY_IP }));
    const unbound = await deviceToken({ account, device: 'tv', type: 'tv' });
    expectProofRefused(await send(bearer(unbound), { ip: AWAY_IP }));
    expectProofRefused(await send(bearer(unbound), { path: '/gate/v1/household/devices', ip: AWAY_IP }));
    expectProofRefused(await send(bearer(unbound), { path: '/seg.ts', ip: AWAY_IP }));
    // Nothing the copies sent was recorded: the key, and the household, stay the TV's.
    const after = (await household(account))!;
    expect(after.devices.get('tv')!.keyThumbprint).toBe(await calculateJwkThumbprint(tv.keys.publicJwk, 'sha256'));
    expect(after.homeNetworks).toHaveLength(1);
    expect((await send(await tv.headers())).status).toBe(200);
  });

  it('lets one of two first keys for a new id win, never both: the first write records it, the other key is refused from then on', async () => {
    const account = newAccount();
    const [a, b] = await Promise.all([boundDevice({ account, device: 'phone', type: 'mobile' }), boundDevice({ account, device: 'phone', type: 'mobile' })]);
    // Neither is listed yet: both are decided as the device never seen, each writes its visit, and the account's object takes one key.
    await Promise.all([send(await a.headers(), { bindings: anotherIsolate() }), send(await b.headers(), { bindings: anotherIsolate() })]);
    const recorded = (await household(account))!.devices.get('phone')!.keyThumbprint;
    const thumbprints = await Promise.all([a, b].map((device) => calculateJwkThumbprint(device.keys.publicJwk, 'sha256')));
    expect(thumbprints).toContain(recorded);
    const answers = await Promise.all([send(await a.headers(), { bindings: anotherIsolate() }), send(await b.headers(), { bindings: anotherIsolate() })]);
    expect(answers.map((answer) => answer.status)).toEqual(thumbprints.map((thumbprint) => (thumbprint === recorded ? 200 : 401)));
  });

  it('forgets the key at sign-out: the device signs in again with a new key, the old key is refused', async () => {
    const account = newAccount();
    const tv = await boundDevice({ account, device: 'tv', type: 'tv' });
    const phone = await boundDevice({ account, device: 'phone', iat: nowSeconds() - 10 });
    expect((await send(await tv.headers())).status).toBe(200);
    expect((await send(await phone.headers())).status).toBe(200);
    const signOut = await send(await tv.headers('DELETE', '/gate/v1/household/devices/phone'), { path: '/gate/v1/household/devices/phone', method: 'DELETE' });
    expect(signOut.status).toBe(204);
    expect((await household(account))!.devices.get('phone')!.keyThumbprint).toBeNull();

    const again = await boundDevice({ account, device: 'phone', iat: nowSeconds() + 1 });
    expect((await send(await again.headers())).status).toBe(200);
    expect((await household(account))!.devices.get('phone')!.keyThumbprint).toBe(await calculateJwkThumbprint(again.keys.publicJwk, 'sha256'));
    // A token bound to the old key, issued after the sign-out, is now a copy with another key.
    const oldKey = await boundDevice({ account, device: 'phone', iat: nowSeconds() + 1, keys: phone.keys });
    expectProofRefused(await send(await oldKey.headers()));
  });

  it('refuses a bound token alone on a playback path (SESSION_REQUIRED): its proof is for the decision endpoint, which answers a session', async () => {
    const tv = await boundDevice({ account: newAccount(), device: 'tv', type: 'tv' });
    expect((await send(await tv.headers())).status).toBe(200);
    expectSessionRequired(await send({ Authorization: `DPoP ${tv.token}` }, { path: '/seg.ts' }));
    expectSessionRequired(await send(bearer(tv.token), { path: '/seg.ts' }));
  });

  it('end to end: a bound device proves its key once at the decision, then plays every segment on the session it was given — and the session plays nowhere else', async () => {
    const tv = await boundDevice({ account: newAccount(), device: 'tv', type: 'tv' });
    const decided = await send(await tv.headers());
    expect(decided.status).toBe(200);
    const session = decided.headers.get('Hearth-Session')!;
    expect(session).toMatch(/^s1\./);
    for (const path of ['/seg-1.ts', '/seg-2.ts', '/seg-3.ts']) {
      const segment = await send({ 'Hearth-Session': session }, { path });
      expect(segment.status).toBe(200);
      expect(segment.headers.get('Hearth-Decision')).toMatch(/^allow; reason=/);
    }
    // Copied to another network (a thief, a friend): refused before anything is decided.
    const elsewhere = await send({ 'Hearth-Session': session }, { path: '/seg-4.ts', ip: '192.0.2.200' });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body.reason).toBe('SESSION_INVALID');
  });

  it('explains a bound device as bound, with the key check in the trace', async () => {
    const { adminToken } = await import('../support/tokens');
    const account = newAccount();
    const tv = await boundDevice({ account, device: 'tv', type: 'tv' });
    await send(await tv.headers());
    const admin = await adminToken('accounts:read');
    const explained = await read(
      await callGate({
        path: `/admin/v1/accounts/${account}/explain`,
        method: 'POST',
        token: admin,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ deviceId: 'tv', country: 'PE' }),
      }),
    );
    expect(explained.status).toBe(200);
    expect(explained.body.bound).toBe(true);
    expect(explained.body.trace).toContainEqual({ row: 1, check: 'Does the token lack the device’s key?', matched: false, detail: 'device bound; bound token with its key' });
    const summary = await read(await callGate({ path: `/admin/v1/accounts/${account}`, token: admin }));
    expect(summary.body.devices).toEqual([expect.objectContaining({ deviceId: 'tv', bound: true })]);
  });
});

describe('DEVICE_BINDING', () => {
  it('an unbound token sent under the DPoP scheme is refused, whatever proof comes with it (the scheme names a bound token)', async () => {
    const unbound = await deviceToken({ account: newAccount(), device: 'tv', type: 'tv' });
    expectProofRefused(await send({ Authorization: `DPoP ${unbound}`, DPoP: 'x.y.z' }), [unbound]);
    expectProofRefused(await send({ Authorization: `DPoP ${unbound}` }, { path: '/gate/v1/household/devices' }));
    // The same token as Bearer is an ordinary unbound token under `optional`.
    expect((await send(bearer(unbound))).status).toBe(200);
  });

  it('required: an unbound token is refused on the decision, the device API and playback; a bound one works', async () => {
    await setRule('PE', 'challenge');
    const env = { DEVICE_BINDING: 'required' };
    const account = newAccount();
    const unbound = await deviceToken({ account, device: 'phone' });
    for (const path of ['/gate/v1/decision', '/gate/v1/household/devices']) expectProofRefused(await send(bearer(unbound), { path, env }));
    expectSessionRequired(await send(bearer(unbound), { path: '/seg.ts', env }));
    const tv = await boundDevice({ account, device: 'tv', type: 'tv' });
    expect((await send(await tv.headers(), { env })).status).toBe(200);
  });

  it('optional (the default): unbound tokens work as before', async () => {
    const unbound = await deviceToken({ account: newAccount(), device: 'phone' });
    expect((await send(bearer(unbound))).status).toBe(200);
    expect((await send(bearer(unbound), { env: { DEVICE_BINDING: 'optional' } })).status).toBe(200);
  });

  it('anything else is MISCONFIGURED', async () => {
    const unbound = await deviceToken({ account: newAccount(), device: 'phone' });
    const answer = await send(bearer(unbound), { env: { DEVICE_BINDING: 'sometimes' } });
    expect(answer.status).toBe(500);
    expect(answer.body).toMatchObject({ reason: 'MISCONFIGURED', bindings: ['DEVICE_BINDING'] });
  });
});

describe('mintDeviceProof (development tooling)', () => {
  it('drops query and fragment from htu', async () => {
    const keys = await makeDeviceKeyPair('ES256');
    const proof = await mintDeviceProof({ privateJwk: keys.privateJwk, method: 'GET', url: 'https://gate.hearth.test/gate/v1/decision?x=1#y', token: 't' });
    const claims = JSON.parse(atob(proof.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as Json;
    expect(claims.htu).toBe('https://gate.hearth.test/gate/v1/decision');
  });
});
