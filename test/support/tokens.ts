/**
 * Mints tokens with the development keys (dev/development-keys.json), inside
 * workerd, the way an account service would.
 */
import { importJWK, SignJWT, type JWTPayload } from 'jose';
import developmentKeys from '../../dev/development-keys.json';
import { type DeviceType } from '../../src/vocabulary';

export const DEVICE_ISSUER = 'https://accounts.hearth.dev.invalid';
export const ADMIN_ISSUER = 'https://ops.hearth.dev.invalid';

type Jwk = (typeof developmentKeys.device)[number];

async function sign(jwk: Jwk, payload: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  const key = await importJWK(jwk as Parameters<typeof importJWK>[0], jwk.alg);
  return new SignJWT(payload).setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, ...header }).sign(key);
}

export interface DeviceTokenOptions {
  account: string;
  device: string;
  type?: DeviceType | string;
  /** Which development key signs: 0 = Ed25519, 1 = ES256. */
  key?: 0 | 1;
  iat?: number;
  exp?: number;
  nbf?: number;
  iss?: string;
  aud?: string;
  kid?: string;
  omit?: string[];
}

export function deviceToken(options: DeviceTokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = {
    iss: options.iss ?? DEVICE_ISSUER,
    aud: options.aud ?? 'playback',
    sub: options.account,
    did: options.device,
    dty: options.type ?? 'mobile',
    iat: options.iat ?? now,
    exp: options.exp ?? now + 3600,
    ...(options.nbf !== undefined ? { nbf: options.nbf } : {}),
  };
  for (const claim of options.omit ?? []) delete payload[claim];
  const jwk = developmentKeys.device[options.key ?? 0]!;
  return sign(jwk, payload, options.kid ? { kid: options.kid } : {});
}

export function adminToken(scope: string, sub = 'ops@hearth.test'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign(developmentKeys.admin[0]!, { iss: ADMIN_ISSUER, aud: 'hearth-admin', sub, scope, iat: now, exp: now + 600 });
}

export { developmentKeys };
