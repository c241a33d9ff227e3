/**
 * The key bindings: JWK Sets of public verification keys (DEVICE_JWKS,
 * ADMIN_JWKS), the network hash key and the session signing keys, and the
 * refusal of the development credentials published in this repository. A
 * key's problem names the key (its kid) or its position, never its bytes.
 */
import * as z from 'zod';
import { PUBLISHED_DEVELOPMENT_KEY_X } from './published-development-credentials';
import type { ConfigProblem, PublicKeySet } from './gate-config';

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];
/** 32 bytes, base64url without padding: an Ed25519 public key, or one P-256 coordinate. */
const COORDINATE_32 = /^[A-Za-z0-9_-]{43}$/;

/**
 * Whether a public JWK can ever verify a token under the pinned algorithms:
 * an Ed25519 key (OKP) for EdDSA, or a P-256 key (EC) for ES256.
 */
function verifiableKeyProblem(key: Record<string, unknown>): string | null {
  const { kty, crv, alg } = key;
  if (kty === 'OKP' && crv === 'Ed25519') {
    if (alg !== undefined && alg !== 'EdDSA' && alg !== 'Ed25519') return `key "${String(key.kid)}" is Ed25519, so its alg must be EdDSA`;
    return typeof key.x === 'string' && COORDINATE_32.test(key.x) ? null : `key "${String(key.kid)}" needs x: 32 bytes, base64url`;
  }
  if (kty === 'EC' && crv === 'P-256') {
    if (alg !== undefined && alg !== 'ES256') return `key "${String(key.kid)}" is P-256, so its alg must be ES256`;
    return typeof key.x === 'string' && COORDINATE_32.test(key.x) && typeof key.y === 'string' && COORDINATE_32.test(key.y) ? null : `key "${String(key.kid)}" needs x and y: 32 bytes each, base64url`;
  }
  return `key "${String(key.kid)}" can never verify: only Ed25519 (EdDSA) and P-256 (ES256) keys are accepted`;
}

const jwkSchema = z
  .looseObject({ kty: z.string(), kid: z.string().min(1, 'every key needs a "kid"'), alg: z.string().optional() })
  .refine((key) => !PRIVATE_JWK_MEMBERS.some((member) => Object.hasOwn(key, member)), 'holds private key material; give public keys only')
  .superRefine((key, ctx) => {
    const problem = verifiableKeyProblem(key);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const jwksSchema = z.object({ keys: z.array(jwkSchema).min(1, 'must hold at least one key') }).superRefine((set, ctx) => {
  const seen = new Set<string>();
  for (const key of set.keys) {
    if (seen.has(key.kid)) ctx.addIssue({ code: 'custom', message: `kid "${key.kid}" appears more than once; every key needs its own kid` });
    seen.add(key.kid);
  }
});

const fromJson = (value: unknown) => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return Symbol.for('invalid-json');
  }
};

/** DEVICE_JWKS, ADMIN_JWKS: a JWK Set, as JSON text or an object. */
export const jwksBinding = z.preprocess(fromJson, z.custom<unknown>((value) => value !== Symbol.for('invalid-json'), 'is not valid JSON').pipe(jwksSchema)) as unknown as z.ZodType<PublicKeySet>;

/** In production, the credentials published in this repository for development are refused. */
export function publishedKeyProblem(jwks: PublicKeySet | undefined): string | null {
  const published = jwks?.keys.find((key) => typeof key.x === 'string' && PUBLISHED_DEVELOPMENT_KEY_X.has(key.x));
  return published ? `holds the development key "${published.kid}", which is published in this repository; never use it in production` : null;
}

export function refusePublished(problems: ConfigProblem[], binding: string, problem: string | null): void {
  if (problem) problems.push({ binding, message: problem });
}

/** NETWORK_HASH_KEY: at least 32 random bytes, base64url. */
export const hashKey = z.string().transform((value, ctx) => {
  const bytes = decodeBase64Url(value.trim());
  if (!bytes) {
    ctx.addIssue({ code: 'custom', message: 'must be base64url' });
    return z.NEVER;
  }
  if (bytes.length < 32) {
    ctx.addIssue({ code: 'custom', message: `must hold at least 32 random bytes (has ${bytes.length})` });
    return z.NEVER;
  }
  return bytes;
});

/**
 * SESSION_SIGNING_KEY: one key, or several separated by spaces (newest
 * first, for rotation), each at least 32 random bytes, base64url.
 */
export const sessionKeys = z.string().transform((value, ctx) => {
  const keys: Uint8Array[] = [];
  for (const [index, text] of value.trim().split(/\s+/).entries()) {
    const bytes = decodeBase64Url(text);
    const which = `key ${index + 1}`;
    if (!bytes) ctx.addIssue({ code: 'custom', message: `${which} must be base64url` });
    else if (bytes.length < 32) ctx.addIssue({ code: 'custom', message: `${which} must hold at least 32 random bytes (has ${bytes.length})` });
    else keys.push(bytes);
  }
  return keys;
});

function decodeBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(text)) return null;
  const base64 = text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  try {
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}
