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
import { parseDurationMs } from './duration';
import { PUBLISHED_DEVELOPMENT_SECRETS } from './published-development-credentials';
import { DEFAULT_NOTICE_PERIOD, noticePeriodSchema, rolloutApprovalSchema } from './rollout-settings';
import {
  DEVICE_BINDINGS,
  type RolloutApproval,
  type ConfigBindings,
  type ConfigProblem,
  type ConfigResult,
  type DeviceBinding,
  type Environment,
  type GateConfig,
  type TokenTrust,
} from './gate-config';
import { hashKey, jwksBinding, publishedKeyProblem, refusePublished, sessionKeys } from './key-schemas';
import {
  corsOrigins,
  duration,
  durationUpTo,
  httpsUrl,
  httpUrl,
  intFrom,
  MAX_AWAY_ACCESS_MS,
  MAX_METRICS_FLUSH_INTERVAL_MS,
  MAX_NOTIFY_TIMEOUT_MS,
  metricsShardsSchema,
  nonEmpty,
  originUrlSchema,
  reader,
  share,
  supportUrlSchema,
  wholeSecondsDuration,
} from './value-schemas';
import { err, ok } from '../result';

export type { ConfigBinding, ConfigBindings, ConfigProblem, ConfigResult, ConfigValue, DeviceBinding, Environment, GateConfig, PublicKeySet, RolloutApproval, TokenTrust } from './gate-config';
export { DEVICE_BINDINGS } from './gate-config';
export { MAX_AWAY_ACCESS_MS, MAX_METRICS_FLUSH_INTERVAL_MS, MAX_METRICS_SHARDS, MAX_NOTIFY_TIMEOUT_MS } from './value-schemas';
export { metricsSettingsOf } from './metrics-settings';
export { rolloutSettingsOf } from './rollout-settings';

const PUBLISHED_SECRET = 'is the development value published in this repository; set a secret of your own';
/** The signing key of the webhooks: at least 32 bytes in production. */
const MIN_SIGNING_KEY_BYTES = 32;

/** Parses and validates the bindings; never throws. */
export function parseConfig(raw: ConfigBindings): ConfigResult {
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
  const playbackSessionTtlMs = read('PLAYBACK_SESSION_TTL', wholeSecondsDuration, parseDurationMs('PT4H'));
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
    // NOTIFY_TIMEOUT is held once per webhook, in its target (never beside it as well).
    notify: notifyUrl && notifySigningKey ? { url: notifyUrl, signingKey: notifySigningKey, timeoutMs: notifyTimeoutMs } : null,
    opsNotify: opsNotifyUrl && notifySigningKey ? { url: opsNotifyUrl, signingKey: notifySigningKey, timeoutMs: notifyTimeoutMs } : null,
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
    noticePeriodMs: read('NOTICE_PERIOD', noticePeriodSchema, parseDurationMs(DEFAULT_NOTICE_PERIOD)),
    rolloutApproval: read<RolloutApproval>('ROLLOUT_APPROVAL', rolloutApprovalSchema, 'stricter'),
  };
  // A gate that cannot start names every binding at fault at once, the admin API's too (alone, those only close /admin).
  return problems.length === 0 ? ok(config) : err([...problems, ...adminProblems]);
}
