/**
 * Baseline: hono + jose, verifying the device token on every request (keys
 * imported once, no verified-token cache) and forwarding. What a careful
 * "just check the token" gate costs.
 */
import { Hono } from 'hono';
import { createLocalJWKSet, jwtVerify } from 'jose';

interface Env {
  ORIGIN_URL: string;
  DEVICE_JWKS: string;
  DEVICE_TOKEN_ISSUER: string;
}

let keys: ReturnType<typeof createLocalJWKSet> | undefined;
const app = new Hono<{ Bindings: Env }>();

app.all('*', async (c) => {
  keys ??= createLocalJWKSet(JSON.parse(c.env.DEVICE_JWKS));
  const token = /^Bearer (\S+)$/.exec(c.req.header('Authorization') ?? '')?.[1];
  if (!token) return c.text('token missing', 401);
  try {
    await jwtVerify(token, keys, { issuer: c.env.DEVICE_TOKEN_ISSUER, audience: 'playback', algorithms: ['EdDSA', 'ES256'] });
  } catch {
    return c.text('token invalid', 401);
  }
  const url = new URL(c.req.url);
  return fetch(c.env.ORIGIN_URL + url.pathname + url.search, { method: c.req.method, headers: c.req.raw.headers, body: c.req.raw.body });
});

export default app;
