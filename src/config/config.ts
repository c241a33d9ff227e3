/**
 * Gate configuration: every Worker binding (docs/api.md, "Configuration"), parsed and
 * validated once per set of bindings.
 *
 * Values may arrive as TOML values or as strings (`.dev.vars`, `--var`,
 * secrets), so numbers, JSON and durations are accepted both ways. A missing
 * or malformed required binding is reported by name; the gate then answers
 * `500 MISCONFIGURED` instead of guessing. Secrets are never echoed into
 * error messages, only the binding's name and what is wrong with it.
 */
import * as z from 'zod';
import { DurationError, parseDurationMs } from './duration';
import { PUBLISHED_DEVELOPMENT_KEY_X, PUBLISHED_DEVELOPMENT_SECRETS } from './published-development-credentials';
import { err, ok, type Result } from '../result';
import type { NotifyTarget } from '../challenges/notify';

/** Every configuration binding the gate reads (docs/api.md, "Configuration"). */
export type ConfigBinding =
  | 'ENVIRONMENT'
  | 'DEVICE_JWKS'
  | 'DEVICE_TOKEN_ISSUER'
  | 'DEVICE_TOKEN_AUDIENCE'
  | 'DEVICE_TOKEN_MAX_AGE'
  | 'ADMIN_JWKS'
  | 'ADMIN_TOKEN_ISSUER'
  | 'ADMIN_TOKEN_MAX_AGE'
  | 'NETWORK_HASH_KEY'
  | 'ORIGIN_URL'
  | 'ORIGIN_TIMEOUT'
  | 'NOTIFY_URL'
  | 'NOTIFY_TIMEOUT'
  | 'NOTIFY_SIGNING_KEY'
  | 'OPS_NOTIFY_URL'
  | 'SUPPORT_URL'
  | 'TRUST_WINDOW'
  | 'TEMP_ACCESS_DURATION'
  | 'TRAVEL_WINDOW'
  | 'TRAVEL_GRANTS_PER_WINDOW'
  | 'CODE_TTL'
  | 'CODE_MAX_ATTEMPTS'
  | 'EXTRA_MEMBER_SLOTS'
  | 'HOME_NETWORKS_MAX'
  | 'PRIMARY_LOCATION_CHANGES_PER_WINDOW'
  | 'SECOND_HOMES'
  | 'AWAY_ACCESS_MAX'
  | 'AWAY_ACCESS_PER_YEAR'
  | 'IPV4_PREFIX'
  | 'IPV6_PREFIX'
  | 'SHARED_NETWORK_HOUSEHOLDS'
  | 'COPRESENCE_WINDOW'
  | 'DECISION_LOG_SAMPLE'
  | 'DECISIONS_SEGMENT_SAMPLE'
  | 'DEVICE_BINDING'
  | 'METRICS_FLUSH_INTERVAL'
  | 'METRICS_SHARDS'
  | 'SESSION_SIGNING_KEY'
  | 'PLAYBACK_SESSION_TTL'
  | 'CORS_ALLOWED_ORIGINS'
  | 'NOTICE_PERIOD'
  | 'ROLLOUT_APPROVAL';

/** A configuration value as it may arrive: a string (secrets, `.dev.vars`, `--var`), a TOML number, or a JSON object. */
export type ConfigValue = string | number | object;

export type ConfigBindings = { [Name in ConfigBinding]?: ConfigValue };

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
  /** The longest an admin token may live (`exp` − `iat`, ADMIN_TOKEN_MAX_AGE); a longer one is refused, and none is cached longer. */
  adminTokenMaxAgeMs: number;
  networkHashKey: Uint8Array;
  originUrl: string | null;
  notify: NotifyTarget | null;
  /** How long to wait for the origin's response headers (the body then streams without limit). */
  originTimeoutMs: number;
  /** Webhook for ops events, signed like the code webhook with NOTIFY_SIGNING_KEY, with the same NOTIFY_TIMEOUT. */
  opsNotifyUrl: string | null;
  /** How long a webhook delivery (a code, an ops event) waits for the webhook's answer. */
  notifyTimeoutMs: number;
  /** Where the help page's "contact support" sends a person (a web page, or a mailto: address); null: no link. */
  supportUrl: string | null;
  /** The oldest a device token may be (now − iat); also how long a sign-out mark is kept. */
  deviceTokenMaxAgeMs: number;
  trustWindowMs: number;
  temporaryAccessMs: number;
  travelWindowMs: number;
  travelGrantsPerWindow: number;
  codeTtlMs: number;
  codeMaxAttempts: number;
  extraMemberSlots: number;
  homeNetworksMax: number;
  primaryLocationChangesPerWindow: number;
  /** Second homes a household may hold, each set with the owner's code (contract §6); 0 turns them off. */
  secondHomes: number;
  /** The longest away access the owner may give one device (AWAY_ACCESS_MAX), and how many an account may give in 365 days. */
  awayAccessMaxMs: number;
  awayAccessPerYear: number;
  ipv4Prefix: number;
  ipv6Prefix: number;
  /** A network held as home by more than this many households within the trust window is shared. */
  sharedNetworkHouseholds: number;
  /** How long the anchor TV's exact address counts as home for the household's other devices on a shared network. */
  copresenceWindowMs: number;
  /** Share of allowed decisions that get a log line (refusals and errors always do). */
  decisionLogSample: number;
  /** Share of allowed segments written to Analytics Engine (sessions, refusals and errors always are); each point weighs 1/sample. */
  decisionsSegmentSample: number;
  /** How often an isolate flushes its decision counts at most (0: at the end of every request). */
  metricsFlushIntervalMs: number;
  /** How many RegionMetrics objects each region's counts are spread over (each isolate flushes to one of them). */
  metricsShards: number;
  /**
   * `optional`: bound tokens (cnf.jkt) must prove possession of their key,
   * unbound tokens work as before; `required`: every device token must be bound.
   */
  deviceBinding: DeviceBinding;
  /** SESSION_SIGNING_KEY: newest first; sessions are signed with the first and verified with any. */
  sessionSigningKeys: Uint8Array[];
  /** The longest a playback session lives (never longer than DEVICE_TOKEN_MAX_AGE: see parseConfig). */
  playbackSessionTtlMs: number;
  /** Web origins whose players may call playback paths and `/gate/v1/*` from the browser (edge/cors.ts); empty: none. */
  corsAllowedOrigins: ReadonlySet<string>;
  /** How long a stricter rollout rule is on the status page before it applies (NOTICE_PERIOD; 0: at once). */
  noticePeriodMs: number;
  /** `stricter`: a stricter rollout change by one person waits for a second person's approval (ROLLOUT_APPROVAL). */
  rolloutApproval: RolloutApproval;
}

export const DEVICE_BINDINGS = ['optional', 'required'] as const;
export const ROLLOUT_APPROVALS = ['stricter', 'none'] as const;
export type RolloutApproval = (typeof ROLLOUT_APPROVALS)[number];
export type DeviceBinding = (typeof DEVICE_BINDINGS)[number];

/** One binding that is missing or malformed. `message` never contains the value itself. */
export interface ConfigProblem {
  binding: string;
  message: string;
}

export type ConfigResult = Result<GateConfig, ConfigProblem[]>;

type RawBindings = ConfigBindings;

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

const intFrom = (min: number, max: number) =>
  z.preprocess(
    (value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value),
    z.number(`must be a whole number`).int(`must be a whole number`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`),
  );

const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return parseDurationMs(String(value));
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof DurationError ? error.message : 'is not a duration' });
    return z.NEVER;
  }
});

/** A number from 0 to 1 (a TOML number, or a string holding one). */
const share = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value),
  z.number('must be a number from 0 to 1').min(0, 'must be at least 0').max(1, 'must be at most 1'),
);

/** Counts reach their region within this long of a decision (docs/api.md); a shorter interval is allowed, a longer one is not. */
export const MAX_METRICS_FLUSH_INTERVAL_MS = 10_000;

/** A person waits for the code webhook's answer: a delivery may wait at most this long (NOTIFY_TIMEOUT). */
export const MAX_NOTIFY_TIMEOUT_MS = 30_000;

/** The longest away access AWAY_ACCESS_MAX may allow: a year and a day (a posting, a school year). */
export const MAX_AWAY_ACCESS_MS = 366 * 24 * 60 * 60 * 1000;

/** The most RegionMetrics objects per region: a guard's reading pulls one sketch from each (docs/ops.md, "Metrics shards"). */
export const MAX_METRICS_SHARDS = 64;
const metricsShardsSchema = intFrom(1, MAX_METRICS_SHARDS);

/**
 * METRICS_SHARDS and METRICS_FLUSH_INTERVAL alone, for the Durable Objects
 * that read all of a region's shards (the region's first shard, the
 * ControlStore): 1 shard and 10 s when unset. A malformed value reads as the
 * default here; the gate itself refuses to serve with it (parseConfig names
 * it), so no isolate flushes to a shard past the first.
 */
export function metricsSettingsOf(raw: ConfigBindings): { shards: number; flushIntervalMs: number } {
  const given = (value: ConfigValue | undefined) => value !== undefined && value !== null && value !== '';
  const shards = given(raw.METRICS_SHARDS) ? metricsShardsSchema.safeParse(raw.METRICS_SHARDS) : null;
  const interval = given(raw.METRICS_FLUSH_INTERVAL) ? durationUpTo(MAX_METRICS_FLUSH_INTERVAL_MS, { allowZero: true }).safeParse(raw.METRICS_FLUSH_INTERVAL) : null;
  return { shards: shards?.success ? shards.data : 1, flushIntervalMs: interval?.success ? interval.data : MAX_METRICS_FLUSH_INTERVAL_MS };
}

/** The longest NOTICE_PERIOD: a year. */
export const MAX_NOTICE_PERIOD_MS = 365 * 24 * 60 * 60 * 1000;
const DEFAULT_NOTICE_PERIOD = 'P14D';

/**
 * NOTICE_PERIOD and ROLLOUT_APPROVAL alone, for the ControlStore, which
 * applies them (contract §8). A malformed value reads as the default — the
 * careful one: a stricter rule waits and asks for a second person — and the
 * gate itself refuses to serve with it (parseConfig names it), so no admin
 * change reaches the store under it.
 */
export function rolloutSettingsOf(raw: ConfigBindings): { noticePeriodMs: number; rolloutApproval: RolloutApproval } {
  const notice = durationUpTo(MAX_NOTICE_PERIOD_MS, { allowZero: true }).safeParse(raw.NOTICE_PERIOD ?? DEFAULT_NOTICE_PERIOD);
  const approval = z.enum(ROLLOUT_APPROVALS).safeParse(raw.ROLLOUT_APPROVAL ?? 'stricter');
  return { noticePeriodMs: notice.success ? notice.data : parseDurationMs(DEFAULT_NOTICE_PERIOD), rolloutApproval: approval.success ? approval.data : 'stricter' };
}

/** A duration up to `maxMs`, from zero (`PT0S`) when `allowZero`, else longer than zero. */
const durationUpTo = (maxMs: number, { allowZero }: { allowZero: boolean }) =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    try {
      const ms = parseDurationMs(String(value), { allowZero });
      if (ms <= maxMs) return ms;
      ctx.addIssue({ code: 'custom', message: `must be at most ${maxMs / 1000} s` });
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof DurationError ? error.message : 'is not a duration' });
    }
    return z.NEVER;
  });

const nonEmpty = z.string().trim().min(1, 'is required');
const httpUrl = z
  .string()
  .trim()
  .url('must be an absolute URL')
  .refine((url) => /^https?:\/\//i.test(url), 'must be an http(s) URL');
/** In production, where codes and ops events travel: https only. */
const httpsUrl = httpUrl.refine((url) => /^https:\/\//i.test(url), 'must be an https URL in production (codes would travel in clear text)');
/** Where a person finds support: a web page (https in production) or a `mailto:` address. */
const supportUrlSchema = (production: boolean) =>
  z
    .string()
    .trim()
    .url('must be an absolute URL')
    .refine(
      (url) => /^mailto:[^\s@]+@[^\s@]+$/i.test(url) || (production ? /^https:\/\//i : /^https?:\/\//i).test(url),
      production ? 'must be an https URL or a mailto: address' : 'must be an http(s) URL or a mailto: address',
    );
/** Request paths are appended to the origin, so it has no query or fragment of its own. */
const originUrlSchema = httpUrl.refine((value) => !value.includes('?') && !value.includes('#'), 'must not carry a query or fragment (request paths are appended to it)');

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

/**
 * SESSION_SIGNING_KEY: one key, or several separated by spaces (newest
 * first, for rotation), each at least 32 random bytes, base64url.
 */
const sessionKeys = z.string().transform((value, ctx) => {
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

/**
 * CORS_ALLOWED_ORIGINS: web origins separated by spaces or commas, each
 * exactly as a browser sends it in `Origin` (`https://player.example`, a
 * port when it is not the default, no path, no trailing slash), since the
 * match is exact. `*` is refused: the answers carry credentials. In
 * production, https only: a player page served over http can be changed by
 * anyone on its path, and would then hold the viewer's session.
 */
const corsOrigins = (production: boolean) =>
  z.string().transform((value, ctx) => {
    const origins = new Set<string>();
    for (const text of value
      .trim()
      .split(/[\s,]+/)
      .filter((part) => part.length > 0)) {
      const problem = corsOriginProblem(text, production);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
      else origins.add(text);
    }
    return origins as ReadonlySet<string>;
  });

function corsOriginProblem(text: string, production: boolean): string | null {
  if (text === '*' || text === 'null') return `"${text}" is not allowed: list each player's origin (answers carry credentials)`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not an origin (write it as https://player.example)`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `"${text}" must be an http(s) origin`;
  if (production && url.protocol !== 'https:') return `"${text}" must be an https origin in production`;
  if (url.origin !== text) return `"${text}" must be written exactly as browsers send it: ${url.origin} (no path, no trailing slash, lower case, no default port)`;
  return null;
}

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
  return function read<T>(binding: ConfigBinding, schema: z.ZodType<T>, fallback?: T | (() => T)): T {
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

const jwksBinding = z.preprocess(fromJson, z.custom<unknown>((value) => value !== Symbol.for('invalid-json'), 'is not valid JSON').pipe(jwksSchema)) as unknown as z.ZodType<PublicKeySet>;

/** In production, the credentials published in this repository for development are refused. */
function publishedKeyProblem(jwks: PublicKeySet | undefined): string | null {
  const published = jwks?.keys.find((key) => typeof key.x === 'string' && PUBLISHED_DEVELOPMENT_KEY_X.has(key.x));
  return published ? `holds the development key "${published.kid}", which is published in this repository; never use it in production` : null;
}

function refusePublished(problems: ConfigProblem[], binding: string, problem: string | null): void {
  if (problem) problems.push({ binding, message: problem });
}

const PUBLISHED_SECRET = 'is the development value published in this repository; set a secret of your own';
/** The signing key of the webhooks: at least 32 bytes in production. */
const MIN_SIGNING_KEY_BYTES = 32;

/** Parses and validates the bindings; never throws. */
export function parseConfig(raw: RawBindings): ConfigResult {
  const problems: ConfigProblem[] = [];
  const read = reader(raw, problems);

  const environment = read<Environment>('ENVIRONMENT', z.enum(['production', 'development'], 'must be "production" or "development"'), 'production');
  const development = environment === 'development';
  const production = !development;

  const deviceTokens: TokenTrust = {
    jwks: read('DEVICE_JWKS', jwksBinding),
    issuer: read('DEVICE_TOKEN_ISSUER', nonEmpty),
    audience: read('DEVICE_TOKEN_AUDIENCE', nonEmpty, 'playback'),
  };

  const adminProblems: ConfigProblem[] = [];
  const readAdmin = reader(raw, adminProblems);
  const adminJwks = readAdmin('ADMIN_JWKS', jwksBinding);
  const adminIssuer = readAdmin('ADMIN_TOKEN_ISSUER', nonEmpty);
  const adminTokenMaxAgeMs = readAdmin('ADMIN_TOKEN_MAX_AGE', duration, parseDurationMs('PT12H'));
  if (production) {
    refusePublished(problems, 'DEVICE_JWKS', publishedKeyProblem(deviceTokens.jwks));
    refusePublished(adminProblems, 'ADMIN_JWKS', publishedKeyProblem(adminJwks));
  }
  const adminTokens = adminProblems.length === 0 ? { jwks: adminJwks, issuer: adminIssuer, audience: 'hearth-admin' } : null;

  const webhookUrl = production ? httpsUrl : httpUrl;
  const networkHashKey = read('NETWORK_HASH_KEY', hashKey);
  const originUrl = read<string | null>('ORIGIN_URL', originUrlSchema, development ? null : undefined);
  const notifyUrl = read<string | null>('NOTIFY_URL', webhookUrl, development ? null : undefined);
  const opsNotifyUrl = read<string | null>('OPS_NOTIFY_URL', webhookUrl, null);
  const supportUrl = read<string | null>('SUPPORT_URL', supportUrlSchema(production), null);
  const signingKey = production ? nonEmpty.refine((key) => new TextEncoder().encode(key).length >= MIN_SIGNING_KEY_BYTES, `must hold at least ${MIN_SIGNING_KEY_BYTES} bytes in production`) : nonEmpty;
  const notifySigningKey = read<string | null>('NOTIFY_SIGNING_KEY', signingKey, notifyUrl || opsNotifyUrl ? undefined : null);
  const sessionSigningKeys = read('SESSION_SIGNING_KEY', sessionKeys);
  const notifyTimeoutMs = read('NOTIFY_TIMEOUT', durationUpTo(MAX_NOTIFY_TIMEOUT_MS, { allowZero: false }), parseDurationMs('PT5S'));
  if (production) {
    for (const binding of ['NETWORK_HASH_KEY', 'NOTIFY_SIGNING_KEY'] as const) {
      const value = raw[binding];
      if (typeof value === 'string' && PUBLISHED_DEVELOPMENT_SECRETS.has(value.trim())) problems.push({ binding, message: PUBLISHED_SECRET });
    }
    // Any one published key among the rotation list is enough to forge sessions.
    const sessionKeyText = raw.SESSION_SIGNING_KEY;
    if (
      typeof sessionKeyText === 'string' &&
      sessionKeyText
        .trim()
        .split(/\s+/)
        .some((key) => PUBLISHED_DEVELOPMENT_SECRETS.has(key))
    ) {
      problems.push({ binding: 'SESSION_SIGNING_KEY', message: PUBLISHED_SECRET });
    }
  }
  const deviceTokenMaxAgeMs = read('DEVICE_TOKEN_MAX_AGE', duration, parseDurationMs('P30D'));
  const playbackSessionTtlMs = read('PLAYBACK_SESSION_TTL', duration, parseDurationMs('PT4H'));
  // Sign-out marks and an erase's floor are kept DEVICE_TOKEN_MAX_AGE: a session living longer could outlast the mark that revokes it.
  if (playbackSessionTtlMs > deviceTokenMaxAgeMs) problems.push({ binding: 'PLAYBACK_SESSION_TTL', message: 'must be at most DEVICE_TOKEN_MAX_AGE' });

  const config: GateConfig = {
    environment,
    deviceTokens,
    adminTokens,
    adminProblems,
    adminTokenMaxAgeMs,
    networkHashKey,
    originUrl: originUrl ? originUrl.replace(/\/+$/, '') : null,
    notify: notifyUrl && notifySigningKey ? { url: notifyUrl, signingKey: notifySigningKey, timeoutMs: notifyTimeoutMs } : null,
    opsNotifyUrl: opsNotifyUrl ?? null,
    notifyTimeoutMs,
    supportUrl: supportUrl ?? null,
    originTimeoutMs: read('ORIGIN_TIMEOUT', duration, parseDurationMs('PT10S')),
    deviceTokenMaxAgeMs,
    trustWindowMs: read('TRUST_WINDOW', duration, parseDurationMs('P31D')),
    temporaryAccessMs: read('TEMP_ACCESS_DURATION', duration, parseDurationMs('P7D')),
    travelWindowMs: read('TRAVEL_WINDOW', duration, parseDurationMs('P30D')),
    travelGrantsPerWindow: read('TRAVEL_GRANTS_PER_WINDOW', intFrom(0, 1000), 2),
    codeTtlMs: read('CODE_TTL', duration, parseDurationMs('PT15M')),
    codeMaxAttempts: read('CODE_MAX_ATTEMPTS', intFrom(1, 100), 5),
    extraMemberSlots: read('EXTRA_MEMBER_SLOTS', intFrom(0, 100), 2),
    homeNetworksMax: read('HOME_NETWORKS_MAX', intFrom(1, 100), 3),
    primaryLocationChangesPerWindow: read('PRIMARY_LOCATION_CHANGES_PER_WINDOW', intFrom(0, 1000), 3),
    secondHomes: read('SECOND_HOMES', intFrom(0, 10), 1),
    awayAccessMaxMs: read('AWAY_ACCESS_MAX', durationUpTo(MAX_AWAY_ACCESS_MS, { allowZero: false }), parseDurationMs('P180D')),
    awayAccessPerYear: read('AWAY_ACCESS_PER_YEAR', intFrom(0, 100), 2),
    ipv4Prefix: read('IPV4_PREFIX', intFrom(1, 32), 24),
    ipv6Prefix: read('IPV6_PREFIX', intFrom(1, 128), 56),
    sharedNetworkHouseholds: read('SHARED_NETWORK_HOUSEHOLDS', intFrom(1, 1_000_000), 8),
    copresenceWindowMs: read('COPRESENCE_WINDOW', duration, parseDurationMs('PT2H')),
    decisionLogSample: read('DECISION_LOG_SAMPLE', share, 0.01),
    decisionsSegmentSample: read('DECISIONS_SEGMENT_SAMPLE', share, 0.01),
    metricsFlushIntervalMs: read('METRICS_FLUSH_INTERVAL', durationUpTo(MAX_METRICS_FLUSH_INTERVAL_MS, { allowZero: true }), MAX_METRICS_FLUSH_INTERVAL_MS),
    metricsShards: read('METRICS_SHARDS', metricsShardsSchema, 1),
    deviceBinding: read<DeviceBinding>('DEVICE_BINDING', z.enum(DEVICE_BINDINGS, 'must be "optional" or "required"'), 'optional'),
    sessionSigningKeys,
    playbackSessionTtlMs,
    corsAllowedOrigins: read('CORS_ALLOWED_ORIGINS', corsOrigins(production), () => new Set<string>()),
    noticePeriodMs: read('NOTICE_PERIOD', durationUpTo(MAX_NOTICE_PERIOD_MS, { allowZero: true }), parseDurationMs(DEFAULT_NOTICE_PERIOD)),
    rolloutApproval: read<RolloutApproval>('ROLLOUT_APPROVAL', z.enum(ROLLOUT_APPROVALS, 'must be "stricter" or "none"'), 'stricter'),
  };
  // A gate that cannot start names every binding at fault at once, the admin API's too (alone, those only close /admin).
  return problems.length === 0 ? ok(config) : err([...problems, ...adminProblems]);
}
