/**
 * Benchmarks inside workerd, the real runtime: microseconds per hot-path
 * decision (token → network id → snapshot → decide), beside the cost of one
 * jose `jwtVerify` of the same token and one Web Crypto Ed25519 verification
 * (the floor), measured in the same run with interleaved rounds.
 *
 * Playback sessions beside them: one session check (seen before, and first
 * sight: one HMAC-SHA-256) and the same-token decision made with a session.
 *
 * A guarded region's flush at two guard windows (PT15M, PT6H) over dense
 * minutes: the flush must cost about the same whatever the window (the guard
 * keeps its households in memory by minute and hour and reads no rows).
 *
 * `GET /run?rounds=R&ms=M&households=H&only=T` → JSON (H: households a minute
 * in the guard's window, default 1,500 — past the exact form, so every minute
 * holds HyperLogLog registers; T: only the rows whose names contain it, and
 * jose jwtVerify); `GET /memory?accounts=N&tokens=T` → cache sizes
 * after N distinct accounts and T distinct tokens went through.
 */
import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import { mintDeviceToken } from '../../dev/tokens';
import developmentKeys from '../../dev/development-keys.json';
import { decideForDevice } from '../../src/edge/decide-request';
import { DECISION_HEADER } from '../../src/edge/decision-response';
import { identifyByToken, identifyPlayback, type Identification } from '../../src/edge/identify';
import { recordDecision, rememberVisit } from '../../src/edge/record';
import { originRequest } from '../../src/routes/playback';
import { counterName, type CountedAnswer } from '../../src/metrics/tally';
import type { HearthEnv } from '../../src/env';
import { gateFor, type Gate } from '../../src/gate';
import { emptyHousehold } from '../../src/household/household';
import { decide, STATE_UNAVAILABLE } from '../../src/policy/decide';
import { ok } from '../../src/result';
import { rolloutBucket, ruleFor } from '../../src/policy/rollout';
import { HouseholdSketch } from '../../src/metrics/household-sketch';
import type { Guard } from '../../src/policy/rollout';
import { regionMetrics } from '../../src/state/region-metrics';
import { app } from '../../src/app';
import { clientAddress, networkPrefixBytes } from '../../src/network/network-id';

export { ControlStore } from '../../src/state/control-store';
export { HouseholdStore } from '../../src/state/household-store';
export { RegionMetrics } from '../../src/state/region-metrics';
export { NetworkSharing } from '../../src/state/network-sharing';

const HOME_IP = '203.0.113.10';
const AWAY_IP = '198.51.100.77';
const deviceJwk = developmentKeys.device[0] as JWK;

function mint(account: string, device: string, type: string, issuer: string, serial = 0): Promise<string> {
  return mintDeviceToken({ account, device, type, claims: { iss: issuer, jti: String(serial) } });
}

function sessionRequest(credential: string, ip: string): Request {
  return new Request('https://gate.bench/titles/1/seg-00001.ts', {
    headers: { 'Hearth-Session': credential, 'CF-Connecting-IP': ip },
    cf: { country: 'PE' },
  } as RequestInit);
}

function playbackRequest(token: string, ip: string): Request {
  return new Request('https://gate.bench/titles/1/seg-00001.ts', {
    headers: { Authorization: `Bearer ${token}`, 'CF-Connecting-IP': ip },
    cf: { country: 'PE' },
  } as RequestInit);
}

/**
 * Runs `operation` for at least `ms` milliseconds (or exactly `limit` times);
 * microseconds per call. workerd's clock has millisecond resolution, so a
 * measurement spans hundreds of calls.
 */
async function timeIt(ms: number, operation: (i: number) => Promise<unknown>, limit = Infinity): Promise<number> {
  let iterations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms && iterations < limit) {
    for (let j = 0; j < 64 && iterations < limit; j++) await operation(iterations++);
    elapsed = performance.now() - start;
  }
  return (elapsed * 1000) / iterations;
}

const FRESH_TOKENS_PER_ROUND = 2000;
const MINUTE_MS = 60_000;

/** A random keyed-hash-like household hash (16 hex digits). */
function randomHousehold(): string {
  return [...crypto.getRandomValues(new Uint8Array(8))].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

function sketchOf(households: number): Uint8Array {
  const sketch = new HouseholdSketch();
  for (let i = 0; i < households; i++) sketch.add(randomHousehold());
  return sketch.serialise();
}

/**
 * A region (its own object, new each run) whose guard reads `window`, every
 * minute of the window already counted with `households` treated households
 * (a tenth of them refused), the guard's window loaded once. Answers one
 * flush: a session and its household added to the current minute, then the
 * guard read — never unhealthy (it needs a billion households), so the
 * ControlStore is not called.
 */
async function guardedFlush(env: HearthEnv, window: 'PT15M' | 'PT6H', households: number): Promise<() => Promise<unknown>> {
  const region = `bench-guard-${window}-${Date.now()}`;
  const metrics = regionMetrics(env, region);
  const guard: Guard = { maxRefusalRate: 0.99, minHouseholds: 1_000_000_000, window };
  await metrics.setGuard(guard);
  const minutes = window === 'PT15M' ? 15 : 360;
  const now = Date.now();
  const current = now - (now % MINUTE_MS);
  for (let m = minutes; m >= 1; m--) {
    const record = {
      [counterName({ kind: 'decision', route: 'session', decision: 'allow', enforced: 'allow', reason: 'IN_HOUSEHOLD', mode: 'enforce' })]: households,
      [counterName({ kind: 'decision', route: 'session', decision: 'challenge', enforced: 'challenge', reason: 'OUTSIDE_HOUSEHOLD', mode: 'enforce' })]: Math.ceil(households / 10),
    };
    await metrics.add(region, [{ minute: current - m * MINUTE_MS, record, households: { treated: sketchOf(households), refused: sketchOf(Math.ceil(households / 10)) } }]);
  }
  await metrics.guardReading(guard);
  const session = { [counterName({ kind: 'decision', route: 'session', decision: 'allow', enforced: 'allow', reason: 'IN_HOUSEHOLD', mode: 'enforce' })]: 1 };
  return () => {
    const at = Date.now();
    return metrics.add(region, [{ minute: at - (at % MINUTE_MS), record: session, households: { treated: sketchOf(1) } }]);
  };
}

const median = (values: number[]) => {
  const sorted = values.toSorted((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** A playback segment's decision as the route makes it, without the response: identify, decide, remember the visit. */
async function decideSegment(gate: Gate, request: Request, identify: (gate: Gate, request: Request, now: number, whenBound: 'SESSION_REQUIRED') => Promise<Identification>) {
  const now = Date.now();
  const identification = await identify(gate, request, now, 'SESSION_REQUIRED');
  if (!identification.ok) return identification;
  const decided = await decideForDevice(gate, request, identification.value, now, 'segment');
  rememberVisit(gate, decided, 'segment', () => undefined, 'en');
  return ok(decided);
}

async function run(env: HearthEnv, ctx: ExecutionContext, rounds: number, ms: number, guardHouseholds: number, only: string | null) {
  const built = gateFor(env);
  if (!built.ok) throw new Error(`bench gate misconfigured: ${JSON.stringify(built.error)}`);
  const gate: Gate = built.value;
  const issuer = gate.config.deviceTokens.issuer;
  const account = `bench-${Date.now()}`;

  await gate.rollouts.change({ region: 'PE', rule: { mode: 'challenge', percent: 100, failOpen: true }, actor: 'bench' });
  const homeNetwork = (await gate.networks.networkId(HOME_IP))!;
  await gate.households.recordVisit(account, { deviceId: 'tv', deviceType: 'tv', networkId: homeNetwork, addressId: null, at: Date.now() }, gate.limits, { holderId: null });
  await gate.households.recordVisit(account, { deviceId: 'phone', deviceType: 'mobile', networkId: homeNetwork, addressId: null, at: Date.now() }, gate.limits, { holderId: null });
  await gate.households.recordVisit(account, { deviceId: 'stranger', deviceType: 'mobile', networkId: null, addressId: null, at: Date.now() }, gate.limits, { holderId: null });

  const tvToken = await mint(account, 'tv', 'tv', issuer);
  const phoneToken = await mint(account, 'phone', 'mobile', issuer);
  const strangerToken = await mint(account, 'stranger', 'mobile', issuer);
  // Distinct, never-seen tokens (and their requests) for the "new token" figures, made before each round outside the timing.
  let fresh: string[] = [];
  let freshRequests: Request[] = [];
  let serial = 0;
  const mintFresh = async () => {
    fresh = await Promise.all(Array.from({ length: FRESH_TOKENS_PER_ROUND }, () => mint(account, 'tv', 'tv', issuer, ++serial)));
    freshRequests = fresh.map((token) => playbackRequest(token, HOME_IP));
  };
  // The same requests again and again, as a player fetching segments sends them; built once, outside the timing.
  const tvRequest = playbackRequest(tvToken, HOME_IP);
  const phoneRequest = playbackRequest(phoneToken, AWAY_IP);
  const strangerRequest = playbackRequest(strangerToken, AWAY_IP);

  // The baseline verifies against the same public key set the gate is configured with.
  const jwks = createLocalJWKSet(gate.config.deviceTokens.jwks as Parameters<typeof createLocalJWKSet>[0]);
  const verifyOptions = { issuer, audience: 'playback', algorithms: ['EdDSA'] };
  const [headerB64, payloadB64, signatureB64] = tvToken.split('.') as [string, string, string];
  const signingInput = new TextEncoder().encode(`${headerB64}.${payloadB64}`);
  const signature = Uint8Array.from(atob(signatureB64.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  const publicKey = await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: deviceJwk.x }, { name: 'Ed25519' }, false, ['verify']);

  const noWait = () => undefined;
  const expect = async (token: string, ip: string, reason: string) => {
    const result = await decideSegment(gate, playbackRequest(token, ip), identifyByToken);
    if (!result.ok || result.value.decision.reason !== reason)
      throw new Error(`bench setup: expected ${reason}, got ${JSON.stringify(result.ok ? result.value.decision.reason : result.error.reason)}`);
  };
  await expect(tvToken, HOME_IP, 'IN_HOUSEHOLD');
  await expect(phoneToken, AWAY_IP, 'TRUSTED_DEVICE');
  await expect(strangerToken, AWAY_IP, 'OUTSIDE_HOUSEHOLD');
  await jwtVerify(tvToken, jwks, verifyOptions);

  // A playback session for the TV at home, as GET /gate/v1/decision would issue it, and distinct ones for "first sight".
  const issuedAtSeconds = Math.floor(Date.now() / 1000);
  const tvSession = { accountId: account, deviceId: 'tv', deviceType: 'tv' as const, networkId: homeNetwork, keyThumbprint: null, issuedAtSeconds, expiresAtSeconds: issuedAtSeconds + 3600 };
  const tvCredential = await gate.sessions.issue(tvSession);
  const tvSessionRequest = sessionRequest(tvCredential, HOME_IP);
  let freshSessions: string[] = [];
  let sessionSerial = 0;
  const issueFresh = async () => {
    freshSessions = await Promise.all(Array.from({ length: FRESH_TOKENS_PER_ROUND }, () => gate.sessions.issue({ ...tvSession, expiresAtSeconds: tvSession.expiresAtSeconds + ++sessionSerial })));
  };
  const sessionDecision = await decideSegment(gate, tvSessionRequest, identifyPlayback);
  if (!sessionDecision.ok || sessionDecision.value.decision.reason !== 'IN_HOUSEHOLD') throw new Error('bench setup: tv session');

  const scenarios: Record<string, (i: number) => Promise<unknown>> = {
    'ed25519 verify (floor)': () => crypto.subtle.verify('Ed25519', publicKey, signature, signingInput),
    'jose jwtVerify': () => jwtVerify(tvToken, jwks, verifyOptions),
    'jose jwtVerify, new tokens': (i) => jwtVerify(fresh[i]!, jwks, verifyOptions),
    'decision: home, new token': (i) => decideSegment(gate, freshRequests[i]!, identifyByToken),
    'decision: home, same token (segments)': () => decideSegment(gate, tvRequest, identifyByToken),
    'decision: trusted device away': () => decideSegment(gate, phoneRequest, identifyByToken),
    'decision: challenge (confirmed with the Durable Object)': () => decideSegment(gate, strangerRequest, identifyByToken),
    'session check, seen before': () => gate.sessions.verify(tvCredential, Date.now()),
    'session check, new sessions (HMAC)': (i) => gate.sessions.verify(freshSessions[i]!, Date.now()),
    'decision: home, same token on a playback path (segments)': () => decideSegment(gate, tvRequest, identifyPlayback),
    'decision: home, same session (segments)': () => decideSegment(gate, tvSessionRequest, identifyPlayback),
  };
  // Where the time of one same-token decision goes, stage by stage.
  const tvHeaders = tvRequest.headers;
  const snapshot = await gate.households.read(account, Date.now());
  const rollout = await gate.rollouts.current(Date.now());
  const appliedRule = ruleFor(rollout, 'PE', Date.now());
  const bucket = await rolloutBucket('PE', account);
  const tvIdentity = await gate.deviceTokens.identify(tvHeaders, Date.now());
  if (!tvIdentity.ok) throw new Error('bench setup: tv token');
  const tvDecided = await decideSegment(gate, tvRequest, identifyByToken);
  if (!tvDecided.ok) throw new Error('bench setup: tv decision');
  const tvDecision = tvDecided.value;
  const originAnswer = new Response(null, { status: 200, headers: { 'Content-Type': 'video/mp2t', 'Content-Length': '2048', 'Cache-Control': 'public, max-age=6' } });
  const countedSegment: CountedAnswer = {
    route: 'segment',
    decision: 'allow',
    enforced: 'allow',
    reason: 'IN_HOUSEHOLD',
    mode: 'challenge',
    deviceType: 'tv',
    evidence: 'network',
    sharedNetwork: false,
  };
  const throughApp = await app.fetch(playbackRequest(tvToken, HOME_IP), env, ctx);
  await throughApp.arrayBuffer();
  if (!throughApp.headers.get(DECISION_HEADER)?.startsWith('allow')) throw new Error(`bench setup: segment through app.fetch answered ${throughApp.status} ${throughApp.headers.get(DECISION_HEADER)}`);
  Object.assign(scenarios, {
    'stage: new Request() (harness)': async () => playbackRequest(tvToken, HOME_IP),
    'stage: token, seen before': () => gate.deviceTokens.identify(tvHeaders, Date.now()),
    'stage: network id (HMAC)': () => gate.networks.networkId(HOME_IP),
    // Its parts: the client's address from the headers (with the Pseudo IPv4 check) and the address cut to its prefix.
    'stage: network id, address read and cut (no HMAC)': () => networkPrefixBytes(clientAddress(tvRequest.headers), gate.networks.prefixes),
    // Only on a shared home network (and on a visit write): the whole address's keyed id.
    'stage: address id (HMAC, shared networks only)': () => gate.networks.addressId(HOME_IP),
    'stage: rollout rule + bucket': async () => rolloutBucket(ruleFor(await gate.rollouts.current(Date.now()), 'PE', Date.now()).key, account),
    'stage: snapshot lookup (cached)': () => gate.households.read(account, Date.now()),
    // Counting alone: one cell of the isolate's tally (the flush is scheduled once per interval, not timed here).
    'stage: count the decision (isolate counters)': async () => gate.decisions.count('PE', Date.now(), countedSegment, null),
    // Everything a decision is told with at production settings: count, schedule the flush, 1 % log line, no Analytics Engine locally.
    'stage: record the decision (count + sampled log)': async () => recordDecision(gate, 'segment', 'b1a3c0de-0000-4000-8000-000000000000', tvDecision, noWait),
    // Around the decision, on every allowed segment: the origin request (token out, identity in) and the answer re-wrapped with its headers.
    'stage: origin request (headers filtered)': async () => originRequest(tvRequest, 'https://origin.bench', tvIdentity.value),
    'stage: answer re-wrapped (headers added)': async () => {
      const forwarded = new Response(null, originAnswer);
      forwarded.headers.set(DECISION_HEADER, 'allow; reason=IN_HOUSEHOLD');
      forwarded.headers.set('Hearth-Request-Id', 'b1a3c0de-0000-4000-8000-000000000000');
      return forwarded;
    },
    // hono's middleware chain (request id, locale, gate, CORS, cross-site check; in this development build also the
    // development sub-app's) and its routing, with an operation that does next to nothing: GET /healthz.
    'stage: hono middleware + routing (GET /healthz through app.fetch)': () => app.fetch(new Request('https://gate.bench/healthz'), env, ctx),
    // A whole segment request through the app, as the route serves it: middleware, routing, identify, decide, record,
    // the development origin (this build has no ORIGIN_URL: it answers from memory, no subrequest) and the re-wrapped answer.
    'request: segment through app.fetch (development origin, in memory)': async () => {
      const response = await app.fetch(playbackRequest(tvToken, HOME_IP), env, ctx);
      await response.arrayBuffer();
      return response;
    },
    'stage: decide()': async () =>
      decide(
        {
          device: tvIdentity.value,
          networkId: homeNetwork,
          addressId: null,
          region: 'PE',
          appliedRule,
          bucket,
          household: snapshot.ok ? snapshot.value : STATE_UNAVAILABLE,
          policyVersion: rollout.version,
        },
        gate.limits,
        Date.now(),
      ),
  });

  // A guarded region's flush, one call to its RegionMetrics object: the same row written at both windows; what differs is the guard's reading.
  for (const window of ['PT15M', 'PT6H'] as const) {
    const name = `guard flush: ${window} window, dense minutes`;
    if (only === null || name.includes(only)) scenarios[name] = await guardedFlush(env, window, guardHouseholds);
  }

  // `only`: the rows whose names contain it, beside the jwtVerify baseline every ratio is taken against.
  if (only !== null) {
    for (const name of Object.keys(scenarios)) if (!name.includes(only) && name !== 'jose jwtVerify') delete scenarios[name];
  }
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(scenarios).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, operation] of Object.entries(scenarios)) {
      const newTokens = name.includes('new token') || name.includes('new sessions');
      if (name === 'jose jwtVerify, new tokens') await mintFresh();
      if (name === 'session check, new sessions (HMAC)') await issueFresh();
      samples[name]!.push(await timeIt(ms, operation, newTokens ? FRESH_TOKENS_PER_ROUND : Infinity));
    }
  }
  const results = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, { medianUs: median(values), roundsUs: values }]));
  return { rounds, msPerMeasurement: ms, guardHouseholdsPerMinute: guardHouseholds, results };
}

async function memory(env: HearthEnv, accounts: number, tokens: number) {
  const built = gateFor(env);
  if (!built.ok) throw new Error('bench gate misconfigured');
  const gate = built.value;
  const now = Date.now();
  for (let i = 0; i < accounts; i++) gate.households.remember(`memory-${i}`, emptyHousehold(`memory-${i}`, now), now);
  for (let batch = 0; batch < tokens; batch += 500) {
    const minted = await Promise.all(Array.from({ length: Math.min(500, tokens - batch) }, (_, i) => mint(`memory-${batch + i}`, 'tv', 'tv', gate.config.deviceTokens.issuer, batch + i)));
    for (const token of minted) await gate.deviceTokens.identify(new Headers({ Authorization: `Bearer ${token}` }), Date.now());
  }
  return { accountsThrough: accounts, cachedHouseholds: gate.households.cachedHouseholds, tokensThrough: tokens, cachedTokens: gate.deviceTokens.cachedTokens };
}

export default {
  async fetch(request: Request, env: HearthEnv, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    const number = (name: string, fallback: number) => Number(url.searchParams.get(name) ?? fallback);
    if (url.pathname === '/run') return Response.json(await run(env, ctx, number('rounds', 5), number('ms', 200), number('households', 1_500), url.searchParams.get('only')));
    if (url.pathname === '/memory') return Response.json(await memory(env, number('accounts', 1_000_000), number('tokens', 25_000)));
    return new Response('bench worker: /run or /memory', { status: 404 });
  },
};
