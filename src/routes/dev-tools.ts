/**
 * Development-only helpers for the demo page (404 in production):
 * `POST /gate/dev/device-token` mints a device token with the development
 * signing key (`DEV_DEVICE_SIGNING_JWK`, present only in .dev.vars)
 * and sets it as the `hearth_device` cookie, the way an account service would
 * after sign-in.
 */
import { importJWK, SignJWT, type JWK } from 'jose';
import { z } from 'zod';
import { DEVICE_COOKIE } from '../identity/device-token';
import type { HearthHonoContext } from '../http/context';
import { readJsonBody } from '../http/json-body';
import { problemFor } from '../http/problem';
import { DEVICE_TYPES, ID_PATTERN } from '../vocabulary';

const DEV_TOKEN_TTL_SECONDS = 3600;
const tokenRequest = z.object({ account: z.string().regex(ID_PATTERN), device: z.string().regex(ID_PATTERN), type: z.enum(DEVICE_TYPES) });

export async function devDeviceToken(c: HearthHonoContext): Promise<Response> {
  const gate = c.get('gate');
  const jwkText = c.env.DEV_DEVICE_SIGNING_JWK;
  if (gate.config.environment !== 'development' || typeof jwkText !== 'string') {
    return problemFor(c, 'NOT_FOUND');
  }
  const body = await readJsonBody(c, tokenRequest);
  if (!body.ok) return body.response;
  const jwk = JSON.parse(jwkText) as JWK;
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ iss: gate.config.deviceTokens.issuer, aud: gate.config.deviceTokens.audience, sub: body.value.account, did: body.value.device, dty: body.value.type, iat: now, exp: now + DEV_TOKEN_TTL_SECONDS })
    .setProtectedHeader({ alg: jwk.alg!, kid: jwk.kid! })
    .sign(await importJWK(jwk, jwk.alg));
  return c.json({ token, expiresAt: new Date((now + DEV_TOKEN_TTL_SECONDS) * 1000).toISOString() }, 201, {
    'Set-Cookie': `${DEVICE_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${DEV_TOKEN_TTL_SECONDS}`,
    'Cache-Control': 'no-store',
  });
}
