/**
 * Gate configuration: every Worker binding of CONTRACT.md §1, parsed and
 * validated once per set of bindings.
 *
 * Values may arrive as TOML values or as strings (`.dev.vars`, `--var`,
 * secrets), so numbers, JSON and durations are accepted both ways. A missing
 * or malformed required binding is reported by name; the gate then answers
 * `500 MISCONFIGURED` instead of guessing. Secrets are never echoed into
 * error messages, only the binding's name and what is wrong with it.
 */
import { z } from 'zod';
import { DurationError, parseDurationMs } from './duration';

export type Environment = 'production' | 'development';

/** A JWK Set holding public verification keys only. */
export interface PublicKeySet {
  keys: Array<Record<string, unknown> & { kid: string; kty: string }>;
}

export interface TokenTrust {
  jwks: PublicKeySet;
  issuer: string;
  audience: string;
}

export interface GateConfig {
  environment: Environment;
  deviceTokens: TokenTrust;
  /** Null when the admin bindings are missing: only `/admin` is then misconfigured. */
  adminTokens: TokenTrust | null;
  adminProblems: ConfigProblem[];
  networkHashKey: Uint8Array;
  originUrl: string | null;
  notify: { url: string; signingKey: string } | null;
  trustWindowMs: number;
  temporaryAccessMs: number;
  travelWindowMs: number;
  travelGrantsPerWindow: number;
  codeTtlMs: number;
  codeMaxAttempts: number;
  extraMemberSlots: number;
  homeNetworksMax: number;
  primaryLocationChangesPerWindow: number;
  ipv4Prefix: number;
  ipv6Prefix: number;
}

/** One binding that is missing or malformed. `message` never contains the value itself. */
export interface ConfigProblem {
  binding: string;
  message: string;
}

export type ConfigResult = { ok: true; config: GateConfig } | { ok: false; problems: ConfigProblem[] };

type RawBindings = Record<string, unknown>;

const ALLOWED_KEY_ALGS = new Set(['EdDSA', 'Ed25519', 'ES256']);
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

const jwkSchema = z
  .looseObject({ kty: z.string(), kid: z.string().min(1, 'every key needs a "kid"'), alg: z.string().optional() })
  .refine((key) => !PRIVATE_JWK_MEMBERS.some((member) => member in key), 'holds private key material; give public keys only')
  .refine((key) => key.alg === undefined || ALLOWED_KEY_ALGS.has(key.alg), 'alg must be EdDSA or ES256');

const jwksSchema = z.object({ keys: z.array(jwkSchema).min(1, 'must hold at least one key') });

const fromJson = (value: unknown) => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return Symbol.for('invalid-json');
  }
};

const intFrom = (min: number, max: number) =>
  z.preprocess(
    (value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value),
    z.number().int(`must be a whole number`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`),
  );

const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return parseDurationMs(String(value));
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof DurationError ? error.message : 'is not a duration' });
    return z.NEVER;
  }
});

const nonEmpty = z.string().trim().min(1, 'is required');
const httpUrl = z
  .string()
  .trim()
  .url('must be an absolute URL')
  .refine((url) => /^https?:\/\//i.test(url), 'must be an http(s) URL');

const hashKey = z.string().transform((value, ctx) => {
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

/**
 * Reads one binding through `schema`, recording a named problem instead of throwing.
 * Absent (undefined or empty string) bindings take `fallback`; a required one without
 * a fallback is reported as missing.
 */
function reader(raw: RawBindings, problems: ConfigProblem[]) {
  return function read<T>(binding: string, schema: z.ZodType<T>, fallback?: T | (() => T)): T {
    const value = raw[binding];
    if (value === undefined || value === null || value === '') {
      if (fallback !== undefined) return typeof fallback === 'function' ? (fallback as () => T)() : fallback;
      problems.push({ binding, message: 'is required but not set' });
      return undefined as T;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    problems.push({ binding, message: parsed.error.issues.map((issue) => issue.message).join('; ') });
    return undefined as T;
  };
}

const jwksBinding = z.preprocess(
  fromJson,
  z.custom<unknown>((value) => value !== Symbol.for('invalid-json'), 'is not valid JSON').pipe(jwksSchema),
) as unknown as z.ZodType<PublicKeySet>;

/** Parses and validates the bindings; never throws. */
export function parseConfig(raw: RawBindings): ConfigResult {
  const problems: ConfigProblem[] = [];
  const read = reader(raw, problems);

  const environment = read<Environment>('ENVIRONMENT', z.enum(['production', 'development'], 'must be "production" or "development"'), 'production');
  const development = environment === 'development';

  const deviceTokens: TokenTrust = {
    jwks: read('DEVICE_JWKS', jwksBinding),
    issuer: read('DEVICE_TOKEN_ISSUER', nonEmpty),
    audience: read('DEVICE_TOKEN_AUDIENCE', nonEmpty, 'playback'),
  };

  const adminProblems: ConfigProblem[] = [];
  const readAdmin = reader(raw, adminProblems);
  const adminJwks = readAdmin('ADMIN_JWKS', jwksBinding);
  const adminIssuer = readAdmin('ADMIN_TOKEN_ISSUER', nonEmpty);
  const adminTokens = adminProblems.length === 0 ? { jwks: adminJwks, issuer: adminIssuer, audience: 'hearth-admin' } : null;

  const networkHashKey = read('NETWORK_HASH_KEY', hashKey);
  const originUrl = read<string | null>('ORIGIN_URL', httpUrl, development ? null : undefined);
  const notifyUrl = read<string | null>('NOTIFY_URL', httpUrl, development ? null : undefined);
  const notifySigningKey = read<string | null>('NOTIFY_SIGNING_KEY', nonEmpty, notifyUrl ? undefined : null);

  const config: GateConfig = {
    environment,
    deviceTokens,
    adminTokens,
    adminProblems,
    networkHashKey,
    originUrl: originUrl ? originUrl.replace(/\/+$/, '') : null,
    notify: notifyUrl && notifySigningKey ? { url: notifyUrl, signingKey: notifySigningKey } : null,
    trustWindowMs: read('TRUST_WINDOW', duration, parseDurationMs('P31D')),
    temporaryAccessMs: read('TEMP_ACCESS_DURATION', duration, parseDurationMs('P7D')),
    travelWindowMs: read('TRAVEL_WINDOW', duration, parseDurationMs('P30D')),
    travelGrantsPerWindow: read('TRAVEL_GRANTS_PER_WINDOW', intFrom(0, 1000), 2),
    codeTtlMs: read('CODE_TTL', duration, parseDurationMs('PT15M')),
    codeMaxAttempts: read('CODE_MAX_ATTEMPTS', intFrom(1, 100), 5),
    extraMemberSlots: read('EXTRA_MEMBER_SLOTS', intFrom(0, 100), 2),
    homeNetworksMax: read('HOME_NETWORKS_MAX', intFrom(1, 100), 3),
    primaryLocationChangesPerWindow: read('PRIMARY_LOCATION_CHANGES_PER_WINDOW', intFrom(0, 1000), 3),
    ipv4Prefix: read('IPV4_PREFIX', intFrom(1, 32), 24),
    ipv6Prefix: read('IPV6_PREFIX', intFrom(1, 128), 56),
  };
  return problems.length === 0 ? { ok: true, config } : { ok: false, problems };
}
