/**
 * Development tokens, signed with dev/development-keys.json — keys that are
 * published in this repository, so no production gate ever trusts them.
 */
import { readFileSync } from 'node:fs';
import { importJWK, SignJWT, type JWK } from 'jose';

export const DEVICE_TYPES = ['tv', 'mobile', 'tablet', 'web', 'console', 'other'];
export const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

const keys = JSON.parse(readFileSync(new URL('../dev/development-keys.json', import.meta.url), 'utf8')) as { device: JWK[]; admin: JWK[] };

/** The development bindings (.dev.vars), as `npm run dev` loads them. */
export const developmentEnv: Record<string, string> = Object.fromEntries(
  readFileSync(new URL('../.dev.vars', import.meta.url), 'utf8')
    .split('\n')
    .map((line) => /^([A-Z_]+)=(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [match[1]!, match[2]!.replace(/^'(.*)'$/, '$1')]),
);

async function sign(jwk: JWK, payload: Record<string, unknown>): Promise<string> {
  const key = await importJWK(jwk, jwk.alg);
  return new SignJWT(payload).setProtectedHeader({ alg: jwk.alg!, kid: jwk.kid!, typ: 'JWT' }).sign(key);
}

export interface DeviceTokenRequest {
  account: string;
  device: string;
  type: string;
  alg?: string;
  ttlSeconds: number;
}

export function mintDeviceToken(request: DeviceTokenRequest): Promise<string> {
  const jwk = keys.device.find((key) => key.alg === (request.alg ?? 'EdDSA'));
  if (!jwk) throw new Error('alg must be EdDSA or ES256');
  const now = Math.floor(Date.now() / 1000);
  return sign(jwk, {
    iss: developmentEnv.DEVICE_TOKEN_ISSUER,
    aud: 'playback',
    sub: request.account,
    did: request.device,
    dty: request.type,
    iat: now,
    exp: now + request.ttlSeconds,
  });
}

export function mintAdminToken(scope: string, sub: string, ttlSeconds: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign(keys.admin[0]!, { iss: developmentEnv.ADMIN_TOKEN_ISSUER, aud: 'hearth-admin', sub, scope, iat: now, exp: now + ttlSeconds });
}
