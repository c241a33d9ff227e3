/**
 * The gate for one set of bindings: configuration parsed once, keys imported
 * once, caches bounded — everything a request needs that outlives it.
 * Request-scoped data never lands here.
 */
import { parseConfig, type ConfigProblem, type GateConfig } from './config/config';
import type { HearthEnv } from './env';
import type { HouseholdLimits } from './household/household';
import { DeviceTokenVerifier } from './identity/device-token';
import { adminIdentity, type AdminIdentity } from './identity/admin-token';
import { JwtVerifier } from './identity/jwt-verifier';
import { householdLimits } from './household/limits';
import { BoundedCache } from './cache/bounded-cache';
import { NetworkHasher } from './network/network-id';
import { PlaybackSessions } from './session/playback-session';
import { HouseholdReadModel } from './state/household-read-model';
import { DecisionCounter } from './metrics/counter';
import { HouseholdHasher, type HouseholdHash } from './metrics/household-sketch';
import { regionMetrics } from './state/region-metrics';
import { adoptRollout } from './state/rollout-read-model';
import type { Result } from './result';

export interface Gate {
  env: HearthEnv;
  config: GateConfig;
  limits: HouseholdLimits;
  deviceTokens: DeviceTokenVerifier;
  adminTokens: JwtVerifier<AdminIdentity> | null;
  /** Rollout buckets by `<ruleKey>:<accountId>`: deterministic, so cached without expiry (bounded). */
  buckets: BoundedCache<string, number>;
  /** This isolate's decision counts, flushed to each region's RegionMetrics object. */
  decisions: DecisionCounter;
  networks: NetworkHasher;
  /** Keyed household hashes for the household sketches, by account id: deterministic, so cached without expiry (bounded). */
  householdHasher: HouseholdHasher;
  householdHashes: BoundedCache<string, HouseholdHash>;
  households: HouseholdReadModel;
  /** Playback sessions: issued on allowed decisions, taken by playback paths instead of a token. */
  sessions: PlaybackSessions;
}

export type GateResult = Result<{ gate: Gate }, { problems: ConfigProblem[] }>;

const gates = new WeakMap<object, GateResult>();
const BUCKET_CACHE_ENTRIES = 50_000;

/** The gate for `env`, built on first use and reused while the bindings object lives. */
export function gateFor(env: HearthEnv): GateResult {
  let result = gates.get(env);
  if (!result) {
    result = buildGate(env);
    gates.set(env, result);
  }
  return result;
}

function buildGate(env: HearthEnv): GateResult {
  const parsed = parseConfig(env);
  if (!parsed.ok) return parsed;
  const { config } = parsed;
  return {
    ok: true,
    gate: {
      env,
      config,
      limits: householdLimits(config),
      deviceTokens: new DeviceTokenVerifier(config.deviceTokens, config.deviceTokenMaxAgeMs),
      adminTokens: config.adminTokens ? new JwtVerifier(config.adminTokens, adminIdentity, ['exp', 'iat', 'sub']) : null,
      buckets: new BoundedCache(BUCKET_CACHE_ENTRIES),
      decisions: new DecisionCounter(config.metricsFlushIntervalMs, (region, minutes) => regionMetrics(env, region).add(region, minutes), adoptRollout),
      networks: new NetworkHasher(config.networkHashKey, config),
      householdHasher: new HouseholdHasher(config.networkHashKey),
      householdHashes: new BoundedCache(BUCKET_CACHE_ENTRIES),
      households: new HouseholdReadModel(env),
      sessions: new PlaybackSessions(config.sessionSigningKeys),
    },
  };
}
