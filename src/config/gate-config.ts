/**
 * What the gate's configuration is once read: GateConfig and the shapes it is
 * made of, and the bindings it is read from (docs/api.md, "Configuration").
 * Types only (and the binding vocabulary); config.ts reads the bindings into
 * these.
 */
import type { NotifyTarget } from '../challenges/notify';
import type { Result } from '../result';

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
  /** Webhook for ops events (OPS_NOTIFY_URL), signed like the code webhook with NOTIFY_SIGNING_KEY, with the same NOTIFY_TIMEOUT. */
  opsNotify: NotifyTarget | null;
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
export type DeviceBinding = (typeof DEVICE_BINDINGS)[number];
export const ROLLOUT_APPROVALS = ['stricter', 'none'] as const;
export type RolloutApproval = (typeof ROLLOUT_APPROVALS)[number];

/** One binding that is missing or malformed. `message` never contains the value itself. */
export interface ConfigProblem {
  binding: string;
  message: string;
}

export type ConfigResult = Result<GateConfig, ConfigProblem[]>;
