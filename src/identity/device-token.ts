/**
 * Device tokens (docs/api.md): who is asking to play — account, device and
 * device type — from a verified JWT.
 */
import * as z from 'zod';
import type { TokenTrust } from '../config/config';
import { DEVICE_TYPES, ID_PATTERN, type DeviceType } from '../vocabulary';
import { requestCredential, JwtVerifier, type TokenFailureReason } from './jwt-verifier';
import { unixSeconds } from '../time';
import type { Result } from '../result';

export const DEVICE_COOKIE = 'hearth_device';

export interface DeviceIdentity {
  accountId: string;
  deviceId: string;
  deviceType: DeviceType;
  /** `iat`, in seconds: compared against a device's sign-out time. */
  issuedAtSeconds: number;
  /** RFC 7638 thumbprint of the key the token is bound to (cnf.jkt); null for an unbound token. */
  keyThumbprint: string | null;
}

/** An RFC 7638 SHA-256 thumbprint: 32 bytes, base64url without padding. */
export const KEY_THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

const deviceClaims = z.object({
  sub: z.string().regex(ID_PATTERN),
  did: z.string().regex(ID_PATTERN),
  dty: z.enum(DEVICE_TYPES),
  iat: z.number(),
  /** RFC 7800 confirmation: a bound token names its key's thumbprint; anything else under `cnf` makes the token invalid. */
  cnf: z.object({ jkt: z.string().regex(KEY_THUMBPRINT) }).optional(),
});

export type DeviceIdentityResult = Result<DeviceIdentity, { reason: TokenFailureReason }>;

function deviceIdentity(payload: unknown): DeviceIdentity | null {
  const claims = deviceClaims.safeParse(payload);
  if (!claims.success) return null;
  const { sub, did, dty, iat, cnf } = claims.data;
  return { accountId: sub, deviceId: did, deviceType: dty, issuedAtSeconds: iat, keyThumbprint: cnf?.jkt ?? null };
}

export class DeviceTokenVerifier {
  readonly #jwt: JwtVerifier<DeviceIdentity>;

  constructor(trust: TokenTrust, maxTokenAgeMs: number) {
    this.#jwt = new JwtVerifier(trust, deviceIdentity, ['exp', 'iat'], unixSeconds(maxTokenAgeMs));
  }

  get cachedTokens(): number {
    return this.#jwt.cachedTokens;
  }

  async identify(headers: Headers, nowMs: number): Promise<DeviceIdentityResult> {
    // `Bearer`, `DPoP` or the cookie: whether a bound token came with its proof is checked where a proof is required (identity/device-proof.ts).
    return this.#jwt.verify(requestCredential(headers, DEVICE_COOKIE)?.token ?? null, nowMs);
  }
}
