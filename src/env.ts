/**
 * The Worker's bindings as the code sees them, by name: a mistyped binding
 * fails to compile. Configuration values (`ConfigBindings`, named in
 * `config/config.ts`) are typed as what they may arrive as (strings, or
 * numbers from TOML) and are validated there, never trusted as typed.
 */
import type { ConfigBindings } from './config/config';
import type { ControlStore } from './state/control-store';
import type { HouseholdStore } from './state/household-store';
import type { NetworkSharing } from './state/network-sharing';
import type { RegionMetrics } from './state/region-metrics';

export interface HearthEnv extends ConfigBindings {
  HEARTH_KV: KVNamespace;
  HOUSEHOLDS: DurableObjectNamespace<HouseholdStore>;
  CONTROL: DurableObjectNamespace<ControlStore>;
  /** METRICS_SHARDS Durable Objects per region (1 by default): its decision counts (metrics, previews, guards). */
  METRICS: DurableObjectNamespace<RegionMetrics>;
  /** One Durable Object per network id: how many households hold it as home. */
  NETWORKS: DurableObjectNamespace<NetworkSharing>;
  /** Workers Analytics Engine, when bound: a point per session, refusal and error, allowed segments sampled (DECISIONS_SEGMENT_SAMPLE). */
  DECISIONS?: AnalyticsEngineDataset;
  /**
   * Workers Rate Limiting (contract §9; wrangler.toml `[[ratelimits]]`, docs/ops.md "Rate limits"): requests that
   * prove nothing per client network (keyed by its network id), and refused decisions and device-API calls per
   * account (keyed by its keyed household hash). Unbound: no limit.
   */
  RATE_LIMIT_NETWORK?: RateLimit;
  RATE_LIMIT_ACCOUNT?: RateLimit;
  /** Never read by the Worker: wrangler's own switch, in `.dev.vars` because wrangler reads that file into its environment too (no `Request.cf` fetch at start). */
  CLOUDFLARE_CF_FETCH_ENABLED?: string;
  /** The Worker version this isolate runs (wrangler.toml `[version_metadata]`): its label is on /healthz, logs, points and metrics (src/version.ts). */
  CF_VERSION_METADATA?: WorkerVersionMetadata;
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
