/**
 * The one minter of development tokens, signed with dev/development-keys.json
 * — keys published in this repository, so no production gate trusts them
 * (a production gate refuses to start with them). Shared by the token and ops
 * CLIs (Node), the tests and the benchmark (workerd), and the demo page's
 * development route. It imports only jose and the key file.
 */
import { importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
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
}

export function mintDeviceToken(request: DevelopmentDeviceToken): Promise<string> {
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
    ...request.claims,
  };
  for (const claim of request.omit ?? []) delete payload[claim];
  return signWithDevelopmentKey(jwk, payload, request.header);
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
