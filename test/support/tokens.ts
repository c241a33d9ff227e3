/**
 * Device and admin tokens for the tests, minted inside workerd by the one
 * development minter (dev/tokens.ts), with the odd claims tests need.
 */
import type { JWTPayload } from 'jose';
import { DEVELOPMENT_ADMIN_ISSUER, DEVELOPMENT_DEVICE_ISSUER, developmentKeys, mintAdminToken, mintDeviceToken } from '../../dev/tokens';
import type { DeviceType } from '../../src/vocabulary';

export const DEVICE_ISSUER = DEVELOPMENT_DEVICE_ISSUER;
export const ADMIN_ISSUER = DEVELOPMENT_ADMIN_ISSUER;

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
  const { iat, exp, nbf, iss, aud } = options;
  const claims: JWTPayload = Object.fromEntries(Object.entries({ iat, exp, nbf, iss, aud }).filter(([, value]) => value !== undefined));
  return mintDeviceToken({
    account: options.account,
    device: options.device,
    type: options.type ?? 'mobile',
    alg: options.key === 1 ? 'ES256' : 'EdDSA',
    claims,
    ...(options.omit ? { omit: options.omit } : {}),
    ...(options.kid ? { header: { kid: options.kid } } : {}),
  });
}

export function adminToken(scope: string, sub = 'ops@hearth.test'): Promise<string> {
  return mintAdminToken({ scope, sub, ttlSeconds: 600 });
}

export { developmentKeys };
