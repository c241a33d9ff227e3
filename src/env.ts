/**
 * The Worker's bindings as the code sees them, by name: a mistyped binding
 * fails to compile. Configuration values are typed as what they may arrive as
 * (strings, or numbers from TOML) and are validated by `config/config.ts`,
 * never trusted as typed.
 */
import type { ControlStore } from './state/control-store';
import type { HouseholdStore } from './state/household-store';
import type { RegionMetrics } from './state/region-metrics';

/** Every configuration binding the gate reads (docs/api.md, "Configuration"). */
export type ConfigBinding =
  | 'ENVIRONMENT'
  | 'DEVICE_JWKS'
  | 'DEVICE_TOKEN_ISSUER'
  | 'DEVICE_TOKEN_AUDIENCE'
  | 'DEVICE_TOKEN_MAX_AGE'
  | 'ADMIN_JWKS'
  | 'ADMIN_TOKEN_ISSUER'
  | 'NETWORK_HASH_KEY'
  | 'ORIGIN_URL'
  | 'ORIGIN_TIMEOUT'
  | 'NOTIFY_URL'
  | 'NOTIFY_SIGNING_KEY'
  | 'OPS_NOTIFY_URL'
  | 'TRUST_WINDOW'
  | 'TEMP_ACCESS_DURATION'
  | 'TRAVEL_WINDOW'
  | 'TRAVEL_GRANTS_PER_WINDOW'
  | 'CODE_TTL'
  | 'CODE_MAX_ATTEMPTS'
  | 'EXTRA_MEMBER_SLOTS'
  | 'HOME_NETWORKS_MAX'
  | 'PRIMARY_LOCATION_CHANGES_PER_WINDOW'
  | 'IPV4_PREFIX'
  | 'IPV6_PREFIX'
  | 'DECISION_LOG_SAMPLE'
  | 'METRICS_FLUSH_INTERVAL';

/** A configuration value as it may arrive: a string (secrets, `.dev.vars`, `--var`), a TOML number, or a JSON object. */
export type ConfigValue = string | number | object;

export type ConfigBindings = { [Name in ConfigBinding]?: ConfigValue };

export interface HearthEnv extends ConfigBindings {
  HEARTH_KV: KVNamespace;
  HOUSEHOLDS: DurableObjectNamespace<HouseholdStore>;
  CONTROL: DurableObjectNamespace<ControlStore>;
  /** One Durable Object per region: its decision counts (metrics and previews). */
  METRICS: DurableObjectNamespace<RegionMetrics>;
  /** Workers Analytics Engine: one data point per decision, when bound. */
  DECISIONS?: AnalyticsEngineDataset;
  /** Workers Static Assets: page scripts and styles, and the development demo stream. */
  ASSETS?: Fetcher;
}

/**
 * wrangler.toml and this file agree: `wrangler types` writes what wrangler.toml
 * and `.dev.vars` declare into worker-configuration.d.ts (`Cloudflare.Env`), and
 * it must be a HearthEnv — a binding renamed in one place and not the other,
 * or declared with another type, fails to compile here.
 */
type UnknownToTheCode = Exclude<keyof Cloudflare.Env, keyof HearthEnv>;
type MustHold<Check extends true> = Check;
export type WranglerDeclaresWhatTheCodeReads = MustHold<Cloudflare.Env extends HearthEnv ? ([UnknownToTheCode] extends [never] ? true : false) : false>;
