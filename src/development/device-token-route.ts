/**
 * `POST /gate/dev/device-token` (development only): mints a device token with
 * the development key, the way an account service would after sign-in, and
 * sets it as the `hearth_device` cookie for the demo page. A new sign-in
 * ends the browser's playback session (`hearth_session`): it was another
 * device's, or this one's from before.
 */
import * as z from 'zod';
import { mintDeviceToken } from '../../dev/tokens';
import type { AppContext } from '../http/context';
import { inputProblem, readJsonBody } from '../http/json-body';
import { DEVICE_COOKIE } from '../identity/device-token';
import { CLEAR_SESSION_COOKIE } from '../session/playback-session';
import { DEVICE_TYPES, ID_PATTERN } from '../vocabulary';

const DEV_TOKEN_TTL_SECONDS = 3600;
/** A public P-256 or Ed25519 key (other members such as `alg`, `ext`, `key_ops` are ignored); a private key is refused. */
const COORDINATE = /^[A-Za-z0-9_-]{43}$/;
const publicJwk = z
  .union([
    z.looseObject({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string().regex(COORDINATE), y: z.string().regex(COORDINATE) }),
    z.looseObject({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().regex(COORDINATE) }),
  ])
  .refine((jwk) => !('d' in jwk), 'must be the public key only (no "d")')
  .transform((jwk): Record<string, string> => (jwk.kty === 'EC' ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: jwk.kty, crv: jwk.crv, x: jwk.x }));
const tokenRequest = z.object({ account: z.string().regex(ID_PATTERN), device: z.string().regex(ID_PATTERN), type: z.enum(DEVICE_TYPES), jwk: publicJwk.optional() });

export async function devDeviceToken(c: AppContext): Promise<Response> {
  const { deviceTokens } = c.get('gate').config;
  const body = await readJsonBody(c, tokenRequest);
  if (!body.ok) return inputProblem(c, body.error);
  const { jwk, ...device } = body.value;
  const token = await mintDeviceToken({ ...device, ttlSeconds: DEV_TOKEN_TTL_SECONDS, claims: { iss: deviceTokens.issuer, aud: deviceTokens.audience }, ...(jwk ? { bindTo: jwk } : {}) });
  if (!jwk) c.header('Set-Cookie', `${DEVICE_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${DEV_TOKEN_TTL_SECONDS}`, { append: true });
  c.header('Set-Cookie', CLEAR_SESSION_COOKIE, { append: true });
  return c.json({ token, expiresAt: new Date(Date.now() + DEV_TOKEN_TTL_SECONDS * 1000).toISOString() }, 201, { 'Cache-Control': 'no-store' });
}
