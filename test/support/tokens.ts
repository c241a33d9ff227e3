/**
 * Device and admin tokens for the tests, minted inside workerd by the one
 * development minter (dev/tokens.ts), with the odd claims tests need.
 */
import type { JWK, JWTPayload } from 'jose';
import {
  DEVELOPMENT_ADMIN_ISSUER,
  DEVELOPMENT_DEVICE_ISSUER,
  developmentKeys,
  makeDeviceKeyPair,
  mintAdminToken,
  mintDeviceProof,
  mintDeviceToken,
  type DeviceKeyPair,
  type DevelopmentProof,
} from '../../dev/tokens';
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
  /** A public JWK to bind the token to (`cnf.jkt`). */
  bindTo?: JWK;
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
    ...(options.bindTo ? { bindTo: options.bindTo } : {}),
  });
}

/** Where the test gate is reached (test/support/gate.ts): proofs name this origin in `htu`. */
export const GATE_ORIGIN = 'https://gate.hearth.test';

/** A device holding a key pair, and a token bound to it. */
export interface BoundDevice {
  keys: DeviceKeyPair;
  token: string;
  /**
   * The headers of one request by this device: `Authorization: DPoP` and a
   * fresh proof for `method` and `path` (tests override the proof's claims,
   * header, key or token to make it wrong in one way).
   */
  headers(method?: string, path?: string, proof?: Partial<DevelopmentProof>): Promise<Record<string, string>>;
}

/** A device that made its own key pair (Ed25519, or P-256 with `ES256`), with a token bound to it. */
export async function boundDevice(options: DeviceTokenOptions & { keyAlg?: 'EdDSA' | 'ES256'; keys?: DeviceKeyPair }): Promise<BoundDevice> {
  const keys = options.keys ?? (await makeDeviceKeyPair(options.keyAlg ?? 'EdDSA'));
  const token = await deviceToken({ ...options, bindTo: keys.publicJwk });
  return {
    keys,
    token,
    async headers(method = 'GET', path = '/gate/v1/decision', proof = {}) {
      const dpop = await mintDeviceProof({ privateJwk: keys.privateJwk, method, url: `${GATE_ORIGIN}${path}`, token, ...proof });
      return { Authorization: `DPoP ${token}`, DPoP: dpop };
    },
  };
}

export { makeDeviceKeyPair, mintDeviceProof };

export function adminToken(scope: string, sub = 'ops@hearth.test'): Promise<string> {
  return mintAdminToken({ scope, sub, ttlSeconds: 600 });
}

export { developmentKeys };
