/**
 * Production bindings for tests, with credentials made at run time: a
 * production gate refuses every key and secret published in this repository
 * (dev/), so tests of production behaviour bring their own, generated here
 * and never written anywhere.
 */
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { DEVICE_ISSUER, type DeviceTokenOptions } from './tokens';

export interface ProductionIdentity {
  /** Bindings to pass as `env` overrides: production, fresh keys and secrets, https webhooks. */
  bindings: Record<string, unknown>;
  /** A device token signed with the fresh production device key. */
  deviceToken(options: DeviceTokenOptions): Promise<string>;
}

const KID = 'test-production-ed25519';
let identity: Promise<ProductionIdentity> | undefined;

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

async function makeIdentity(): Promise<ProductionIdentity> {
  const device = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const admin = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const publicSet = async (key: CryptoKey, kid: string) => JSON.stringify({ keys: [{ ...(await exportJWK(key)), kid, alg: 'EdDSA', use: 'sig' }] });
  const bindings = {
    ENVIRONMENT: 'production',
    DEVICE_JWKS: await publicSet(device.publicKey, KID),
    ADMIN_JWKS: await publicSet(admin.publicKey, 'test-production-admin'),
    NETWORK_HASH_KEY: randomSecret(),
    NOTIFY_SIGNING_KEY: randomSecret(),
    SESSION_SIGNING_KEY: randomSecret(),
    ORIGIN_URL: 'http://origin.test',
    NOTIFY_URL: 'https://notify.test/hook',
    OPS_NOTIFY_URL: 'https://notify.test/ops',
  };
  return {
    bindings,
    deviceToken(options) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ sub: options.account, did: options.device, dty: options.type ?? 'mobile' })
        .setProtectedHeader({ alg: 'EdDSA', kid: KID })
        .setIssuer(options.iss ?? DEVICE_ISSUER)
        .setAudience(options.aud ?? 'playback')
        .setIssuedAt(options.iat ?? now)
        .setExpirationTime(options.exp ?? now + 3600)
        .sign(device.privateKey);
    },
  };
}

/** The production identity of this test file (made once, so the same bindings reuse one gate). */
export function production(): Promise<ProductionIdentity> {
  identity ??= makeIdentity();
  return identity;
}
