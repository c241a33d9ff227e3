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
import { CappedSample } from './metrics/capped-sample';
import { NetworkHasher } from './network/network-id';
import { PlaybackSessions } from './session/playback-session';
import { HouseholdReadModel } from './state/household-read-model';
import { DecisionCounter } from './metrics/counter';
import { HouseholdHasher, type HouseholdHash } from './metrics/household-sketch';
import { regionMetrics } from './state/region-metrics';
import { RolloutReadModel } from './state/rollout-read-model';
import { err, type Result } from './result';
import { MS_PER_SECOND } from './time';

export interface Gate {
  env: HearthEnv;
  config: GateConfig;
  limits: HouseholdLimits;
  deviceTokens: DeviceTokenVerifier;
  adminTokens: JwtVerifier<AdminIdentity> | null;
  /** Rollout buckets by `<ruleKey>:<accountId>`: deterministic, so cached without expiry (bounded). */
  buckets: BoundedCache<string, number>;
  /** This isolate's decision counts, flushed to each region's RegionMetrics object (its shard `metricsShard`). */
  decisions: DecisionCounter;
  /** Which of each region's METRICS_SHARDS objects this isolate flushes to (docs/ops.md, "Metrics shards"). */
  metricsShard: number;
  networks: NetworkHasher;
  /** Keyed household hashes for the household sketches, by account id: deterministic, so cached without expiry (bounded). */
  householdHasher: HouseholdHasher;
  householdHashes: BoundedCache<string, HouseholdHash>;
  households: HouseholdReadModel;
  /** The rollout rules in force, read from KV and kept briefly (state/rollout-read-model.ts). */
  rollouts: RolloutReadModel;
  /** Playback sessions: issued on allowed decisions, taken by playback paths instead of a token. */
  sessions: PlaybackSessions;
  /** `<account>\0<device>` whose refused key this isolate told the account's object of today (edge/record.ts): one call a day, not one a request. */
  keyRefusalsTold: BoundedCache<string, true>;
  /** Requests that prove nothing (contract §9): what this isolate wrote and held back for them. */
  unproven: UnprovenRequests;
}

/**
 * What this isolate did about requests that prove nothing (contract §9):
 * the samples their points and lines are drawn from, per client network, and
 * counts of what was answered without any trace. The development stats and
 * the cost simulation read the counts.
 */
export interface UnprovenRequests {
  /** A missing or bad device token, proof or session. */
  credentials: CappedSample;
  /** A failed admin sign-in. */
  admin: CappedSample;
  /** Answers a rate limit stopped (429 RATE_LIMITED). */
  rateLimited: number;
  /** CORS preflights from an origin that is not listed, answered at once. */
  refusedPreflights: number;
  /** Requests to reserved paths nothing serves (404, 405). */
  nobodysPaths: number;
  /** Times a rate limiter failed (and let the request through). */
  limiterFailures: number;
}

export type GateResult = Result<Gate, ConfigProblem[]>;

const gates = new WeakMap<object, GateResult>();
const BUCKET_CACHE_ENTRIES = 50_000;
const KEY_REFUSAL_CACHE_ENTRIES = 10_000;

/** The gate for `env`, built on first use and reused while the bindings object lives. */
export function gateFor(env: HearthEnv): GateResult {
  let result = gates.get(env);
  if (!result) {
    result = buildGate(env);
    gates.set(env, result);
  }
  return result;
}

/** The shard the first gate of this isolate flushes to: random, drawn on first use (no random values at module scope). */
let nextMetricsShard: number | null = null;

/**
 * A metrics shard for a new gate: random for the isolate's first, the next
 * one for each further gate (a new set of bindings — tests build several in
 * one isolate, and land on every shard in turn).
 */
function pickMetricsShard(shards: number): number {
  nextMetricsShard ??= crypto.getRandomValues(new Uint32Array(1))[0]!;
  return nextMetricsShard++ % shards;
}

/**
 * The storage bindings the gate cannot decide without (wrangler.toml binds
 * them). One missing is named with every other misconfiguration, instead of
 * surfacing as an internal error — or, worse, as an allow — on the request
 * that first touches it. DECISIONS (Analytics Engine) is optional.
 */
const STORAGE_BINDINGS = {
  HEARTH_KV: 'a KV namespace',
  HOUSEHOLDS: 'the HouseholdStore Durable Object namespace',
  CONTROL: 'the ControlStore Durable Object namespace',
  METRICS: 'the RegionMetrics Durable Object namespace',
  NETWORKS: 'the NetworkSharing Durable Object namespace',
} as const satisfies Partial<Record<keyof HearthEnv, string>>;

function storageProblems(env: HearthEnv): ConfigProblem[] {
  return Object.entries(STORAGE_BINDINGS)
    .filter(([binding]) => !env[binding as keyof typeof STORAGE_BINDINGS])
    .map(([binding, kind]) => ({ binding, message: `is not bound (wrangler.toml binds it as ${kind})` }));
}

function buildGate(env: HearthEnv): GateResult {
  const parsed = parseConfig(env);
  const storage = storageProblems(env);
  // Every problem at once: the configuration's (the admin API's among them) and the storage's.
  if (!parsed.ok) return err([...parsed.error, ...storage]);
  if (storage.length > 0) return err([...storage, ...parsed.value.adminProblems]);
  const config = parsed.value;
  const metricsShard = pickMetricsShard(config.metricsShards);
  const rollouts = new RolloutReadModel(env);
  return {
    ok: true,
    value: {
      env,
      config,
      limits: householdLimits(config),
      deviceTokens: new DeviceTokenVerifier(config.deviceTokens, config.deviceTokenMaxAgeMs),
      adminTokens: config.adminTokens ? new JwtVerifier(config.adminTokens, adminIdentity, ['exp', 'iat', 'sub'], undefined, config.adminTokenMaxAgeMs / MS_PER_SECOND) : null,
      buckets: new BoundedCache(BUCKET_CACHE_ENTRIES),
      decisions: new DecisionCounter(
        config.metricsFlushIntervalMs,
        (region, minutes) => regionMetrics(env, region, metricsShard).add(region, minutes, metricsShard),
        (rollout) => rollouts.adopt(rollout),
      ),
      metricsShard,
      networks: new NetworkHasher(config.networkHashKey, config),
      householdHasher: new HouseholdHasher(config.networkHashKey),
      householdHashes: new BoundedCache(BUCKET_CACHE_ENTRIES),
      households: new HouseholdReadModel(env),
      rollouts,
      sessions: new PlaybackSessions(config.sessionSigningKeys),
      keyRefusalsTold: new BoundedCache(KEY_REFUSAL_CACHE_ENTRIES),
      unproven: {
        credentials: new CappedSample(config.decisionLogSample),
        admin: new CappedSample(config.decisionLogSample),
        rateLimited: 0,
        refusedPreflights: 0,
        nobodysPaths: 0,
        limiterFailures: 0,
      },
    },
  };
}
