/**
 * The one minter of development tokens, signed with dev/development-keys.json
 * — keys published in this repository, so no production gate trusts them
 * (a production gate refuses to start with them). Shared by the token and ops
 * CLIs (Node), the tests and the benchmark (workerd), and the demo page's
 * development route. It imports only jose and the key file.
 */
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import keys from './development-keys.json' with { type: 'json' };

export const DEVELOPMENT_DEVICE_ISSUER = 'https://accounts.hearth.dev.invalid';
export const DEVELOPMENT_ADMIN_ISSUER = 'https://ops.hearth.dev.invalid';

export type DevelopmentKey = (typeof keys.device)[number];
export const developmentKeys: { device: DevelopmentKey[]; admin: DevelopmentKey[] } = keys;

const imported = new Map<string, ReturnType<typeof importJWK>>();

/** Signs `payload` with a development key (imported once per key). */
export async function signWithDevelopmentKey(jwk: DevelopmentKey, payload: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  let key = imported.get(jwk.kid);
  if (!key) {
    key = importJWK(jwk as JWK, jwk.alg);
    imported.set(jwk.kid, key);
  }
  return new SignJWT(payload).setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'JWT', ...header }).sign(await key);
}

export interface DevelopmentDeviceToken {
  account: string;
  device: string;
  /** A device type; tests also send types the gate must refuse. */
  type?: string;
  /** `EdDSA` (default) or `ES256`: which development device key signs. */
  alg?: 'EdDSA' | 'ES256';
  ttlSeconds?: number;
  /** Claims to set as given (tests: odd `iat`, `nbf`, `iss`, `aud`…), and claims to leave out. */
  claims?: JWTPayload;
  omit?: string[];
  /** Header members to set as given (tests: an unknown `kid`). */
  header?: Record<string, unknown>;
  /** A public JWK the token is bound to: the token carries `cnf.jkt`, its RFC 7638 thumbprint (contract §2.1). */
  bindTo?: JWK;
}

export async function mintDeviceToken(request: DevelopmentDeviceToken): Promise<string> {
  const jwk = developmentKeys.device.find((key) => key.alg === (request.alg ?? 'EdDSA'));
  if (!jwk) throw new Error('alg must be EdDSA or ES256');
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = {
    iss: DEVELOPMENT_DEVICE_ISSUER,
    aud: 'playback',
    sub: request.account,
    did: request.device,
    dty: request.type ?? 'mobile',
    iat: now,
    exp: now + (request.ttlSeconds ?? 3600),
    ...(request.bindTo ? { cnf: { jkt: await calculateJwkThumbprint(request.bindTo, 'sha256') } } : {}),
    ...request.claims,
  };
  for (const claim of request.omit ?? []) delete payload[claim];
  return signWithDevelopmentKey(jwk, payload, request.header);
}

/** A device's key pair as JWKs (the private one carries `d`): Ed25519 for `EdDSA`, P-256 for `ES256`. */
export interface DeviceKeyPair {
  alg: 'EdDSA' | 'ES256';
  publicJwk: JWK;
  privateJwk: JWK;
}

/** Makes a device key pair, as a device would hold it (never sent anywhere but its public half). */
export async function makeDeviceKeyPair(alg: 'EdDSA' | 'ES256' = 'EdDSA'): Promise<DeviceKeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, publicJwk: { ...(await exportJWK(publicKey)), alg }, privateJwk: { ...(await exportJWK(privateKey)), alg } };
}

export interface DevelopmentProof {
  /** The device's private JWK (`d` present); its public half goes into the proof's header. */
  privateJwk: JWK;
  method: string;
  /** The request's URL; query and fragment are dropped, as RFC 9449 asks. */
  url: string;
  /** The token the proof travels with (`ath`). */
  token: string;
  /** Claims to set as given (tests: a stale `iat`, a reused `jti`, a wrong `ath`), and claims to leave out. */
  claims?: JWTPayload;
  omit?: string[];
  /** Header members to set as given (tests: `typ`, a private key in `jwk`). */
  header?: Record<string, unknown>;
}

/** A DPoP proof (RFC 9449 §4) for one request: `typ: dpop+jwt`, the public key in `jwk`, `htm`, `htu`, `iat`, `jti`, `ath`. */
export async function mintDeviceProof(request: DevelopmentProof): Promise<string> {
  const { d: _private, ...publicJwk } = request.privateJwk;
  const alg = request.privateJwk.alg ?? (request.privateJwk.kty === 'EC' ? 'ES256' : 'EdDSA');
  const key = (await importJWK(request.privateJwk, alg)) as CryptoKey;
  const target = new URL(request.url);
  const payload: JWTPayload = {
    htm: request.method,
    htu: `${target.origin}${target.pathname}`,
    iat: Math.floor(Date.now() / 1000),
    jti: crypto.randomUUID(),
    ath: base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(request.token)))),
    ...request.claims,
  };
  for (const claim of request.omit ?? []) delete payload[claim];
  return new SignJWT(payload).setProtectedHeader({ typ: 'dpop+jwt', alg, jwk: publicJwk, ...request.header }).sign(key);
}

export interface DevelopmentAdminToken {
  scope: string;
  sub?: string;
  ttlSeconds?: number;
}

export function mintAdminToken(request: DevelopmentAdminToken): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signWithDevelopmentKey(developmentKeys.admin[0]!, {
    iss: DEVELOPMENT_ADMIN_ISSUER,
    aud: 'hearth-admin',
    sub: request.sub ?? 'developer@hearth.dev.invalid',
    scope: request.scope,
    iat: now,
    exp: now + (request.ttlSeconds ?? 3600),
  });
}
