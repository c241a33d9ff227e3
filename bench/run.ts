/**
 * `npm run bench` — where the gate's time goes, beside its baselines, in one run.
 *
 *   1. Inside workerd: µs per hot-path decision (new token, same token, trusted
 *      away, challenge) beside one jose jwtVerify and one Ed25519 verify.
 *   2. End to end over loopback: the gate, a bare passthrough Worker and a
 *      hono + jose verify-only Worker against the same local origin, with the
 *      same token, in interleaved rounds: requests/s, p50/p99 latency and
 *      workerd CPU per request (from /proc); and the gate again with the
 *      playback session its decision endpoint handed out instead of the token.
 *   3. KV traffic per request, counted by the gate during its load rounds.
 *   4. Memory: a million accounts and more tokens than the cache holds
 *      through one instance; the caches stay at their bounds.
 *   5. (inside workerd, with 1.) A guarded region's flush — one call to its
 *      RegionMetrics object — with the guard's window at PT15M and at PT6H
 *      over dense minutes: about the same whatever the window.
 *
 * `npm run bench -- --smoke` runs a few seconds of everything (used by CI so
 * the benchmark cannot rot); the figures of a smoke run mean nothing.
 * `npm run bench -- --only 'stage: token'` runs only the inside-workerd rows
 * whose names contain the text (and jose jwtVerify, for the ratio), prints
 * them and writes nothing: for taking one stage apart without the whole run.
 * Writes bench/results/latest.json (and latest-smoke.json for smoke runs).
 */
import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { mintDeviceToken } from '../dev/tokens.ts';
import { startOrigin } from './local-origin.ts';
import { cpuSeconds, descendantsNamed, startLocalWorker, type LocalWorker } from '../scripts/local-worker.ts';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false }, rounds: { type: 'string' }, duration: { type: 'string' }, only: { type: 'string' } } });
const smoke = values.smoke!;
const ROUNDS = Number(values.rounds ?? (smoke ? 1 : 5));
const DURATION_S = Number(values.duration ?? (smoke ? 1 : 8));
const CONNECTIONS = 8;
const HOME_IP = '203.0.113.10';

const median = (xs: number[]) => {
  const s = xs.toSorted((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const log = (line: string) => process.stderr.write(line + '\n');

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  const text = await response.text();
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 2000)}`);
  return JSON.parse(text) as T;
}

async function load(url: string, headers: Record<string, string>, seconds: number) {
  const result = await autocannon({ url: `${url}/titles/1/seg-00001.ts`, connections: CONNECTIONS, duration: seconds, headers });
  return { requests: result.requests.total, non2xx: result.non2xx, errors: result.errors, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

const workers: LocalWorker[] = [];
let origin: { url: string; close: () => void } | undefined;
try {
  origin = await startOrigin();
  log(`origin on ${origin.url}`);
  const benchWorker = await startLocalWorker({ config: 'bench/workerd/wrangler.toml', envFile: '.dev.vars' });
  workers.push(benchWorker);
  if (values.only !== undefined) {
    const { results } = await getJson<{ results: Record<string, { medianUs: number; roundsUs: number[] }> }>(`${benchWorker.url}/run?rounds=${ROUNDS}&ms=300&only=${encodeURIComponent(values.only)}`);
    const baseline = results['jose jwtVerify']!.medianUs;
    for (const [name, r] of Object.entries(results)) {
      process.stdout.write(
        `${name.padEnd(66)} ${r.medianUs.toFixed(1).padStart(8)} µs   ${(r.medianUs / baseline).toFixed(3)} × jwtVerify   rounds ${r.roundsUs.map((x) => x.toFixed(1)).join(' ')}\n`,
      );
    }
    // The rest of the run is skipped: stop what was started here (the `finally` below does not run after exit).
    for (const worker of workers) worker.stop();
    origin.close();
    process.exit(0);
  }
  const targets = {
    passthrough: await startLocalWorker({ config: 'bench/passthrough/wrangler.toml', vars: { ORIGIN_URL: origin.url } }),
    'verify-only': await startLocalWorker({ config: 'bench/verify-only/wrangler.toml', envFile: '.dev.vars', vars: { ORIGIN_URL: origin.url } }),
    // The gate as it ships: counters, 1 % of allowed decisions logged (DECISION_LOG_SAMPLE), flushes every 10 s.
    gate: await startLocalWorker({ envFile: '.dev.vars', vars: { ORIGIN_URL: origin.url } }),
  };
  workers.push(...Object.values(targets));
  log('workers started');

  // 1. Inside workerd.
  // households: per minute of a guard's window in the guard-flush rows (past 1,024 a minute holds HyperLogLog registers).
  const inside = await getJson<{ results: Record<string, { medianUs: number; roundsUs: number[] }> }>(
    `${benchWorker.url}/run?rounds=${smoke ? 1 : ROUNDS}&ms=${smoke ? 20 : 300}&households=${smoke ? 100 : 1_500}`,
  );
  const us = (name: string) => inside.results[name]!.medianUs;
  const jwtVerifyUs = us('jose jwtVerify');
  const jwtVerifyNewUs = us('jose jwtVerify, new tokens');

  // 4. Memory bounds.
  const memory = await getJson<Record<string, number>>(`${benchWorker.url}/memory?accounts=${smoke ? 20_000 : 1_000_000}&tokens=${smoke ? 600 : 25_000}`);

  // 2 and 3. End to end.
  const account = `bench-e2e-${Date.now()}`;
  const token = await mintDeviceToken({ account, device: 'tv-living-room', type: 'tv', ttlSeconds: 3600 });
  const headers = { Authorization: `Bearer ${token}`, 'CF-Connecting-IP': HOME_IP, 'Hearth-Sim-Country': 'PE' };
  for (const gate of [targets.gate]) {
    await fetch(`${gate.url}/gate/v1/decision`, { headers });
    await new Promise((r) => setTimeout(r, 500));
    const check = await fetch(`${gate.url}/titles/1/seg-00001.ts`, { headers });
    if (check.headers.get('Hearth-Decision') !== 'allow; reason=IN_HOUSEHOLD') throw new Error(`gate not ready: ${check.status} ${check.headers.get('Hearth-Decision')}`);
  }
  // The same player with a playback session (GET /gate/v1/decision → Hearth-Session) instead of its token.
  const session = (await fetch(`${targets.gate.url}/gate/v1/decision`, { headers })).headers.get('Hearth-Session');
  if (!session) throw new Error('gate handed out no playback session');
  const sessionHeaders = { 'Hearth-Session': session, 'CF-Connecting-IP': HOME_IP, 'Hearth-Sim-Country': 'PE' };
  const sessionCheck = await fetch(`${targets.gate.url}/titles/1/seg-00001.ts`, { headers: sessionHeaders });
  if (sessionCheck.headers.get('Hearth-Decision') !== 'allow; reason=IN_HOUSEHOLD') throw new Error(`session not accepted: ${sessionCheck.status}`);
  /** What each end-to-end run loads: a worker and the headers a player sends it. */
  const runs = {
    passthrough: { worker: targets.passthrough, headers },
    'verify-only': { worker: targets['verify-only'], headers },
    gate: { worker: targets.gate, headers },
    'gate, session': { worker: targets.gate, headers: sessionHeaders },
  };

  const pids = Object.fromEntries(Object.entries(targets).map(([name, worker]) => [name, descendantsNamed(worker.pid, 'workerd')]));
  for (const [name, run] of Object.entries(runs)) {
    log(`warming ${name}`);
    await load(run.worker.url, run.headers, smoke ? 1 : 3);
  }
  const statsBefore = await getJson<Record<string, number>>(`${targets.gate.url}/gate/dev/stats`);
  const rounds: Record<string, Array<Awaited<ReturnType<typeof load>> & { cpuUsPerRequest: number }>> = { passthrough: [], 'verify-only': [], gate: [], 'gate, session': [] };
  const names = Object.keys(runs) as Array<keyof typeof runs>;
  const pidOf = (name: keyof typeof runs) => pids[name === 'gate, session' ? 'gate' : name]!;
  for (let round = 0; round < ROUNDS; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]!);
    for (const name of order) {
      const cpuBefore = cpuSeconds(pidOf(name));
      const result = await load(runs[name].worker.url, runs[name].headers, DURATION_S);
      const cpu = cpuSeconds(pidOf(name)) - cpuBefore;
      rounds[name]!.push({ ...result, cpuUsPerRequest: (cpu * 1e6) / Math.max(1, result.requests) });
      log(`round ${round + 1} ${name}: ${Math.round(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms`);
    }
  }
  const statsAfter = await getJson<Record<string, number>>(`${targets.gate.url}/gate/dev/stats`);
  const gateRequests = [...rounds.gate!, ...rounds['gate, session']!].reduce((sum, r) => sum + r.requests, 0);

  const e2e = Object.fromEntries(
    Object.entries(rounds).map(([name, list]) => [
      name,
      {
        rps: median(list.map((r) => r.rps)),
        p50Ms: median(list.map((r) => r.p50)),
        p99Ms: median(list.map((r) => r.p99)),
        cpuUsPerRequest: median(list.map((r) => r.cpuUsPerRequest)),
        non2xx: list.reduce((sum, r) => sum + r.non2xx, 0),
        errors: list.reduce((sum, r) => sum + r.errors, 0),
        rounds: list,
      },
    ]),
  );
  const kv = {
    requests: gateRequests,
    kvReads: statsAfter.kvReads! - statsBefore.kvReads!,
    kvReadsPerRequest: (statsAfter.kvReads! - statsBefore.kvReads!) / Math.max(1, gateRequests),
    durableObjectWrites: statsAfter.visitWrites! - statsBefore.visitWrites!,
  };

  const ratio = (a: number, b: number) => a / b;
  const targetsMet = {
    newTokenVsJwtVerify: {
      value: ratio(us('decision: home, new token'), jwtVerifyNewUs),
      target: '≤ 1.3 (vs jwtVerify of the same new tokens)',
      met: ratio(us('decision: home, new token'), jwtVerifyNewUs) <= 1.3,
    },
    sameTokenVsJwtVerify: { value: ratio(us('decision: home, same token (segments)'), jwtVerifyUs), target: '≤ 0.2', met: ratio(us('decision: home, same token (segments)'), jwtVerifyUs) <= 0.2 },
    sessionVsSameToken: {
      value: ratio(us('decision: home, same session (segments)'), us('decision: home, same token on a playback path (segments)')),
      target: '< 1 (a segment with a session costs less than one with a cached token)',
      met: us('decision: home, same session (segments)') < us('decision: home, same token on a playback path (segments)'),
    },
    sessionVsTokenCpu: {
      value: ratio(e2e['gate, session']!.cpuUsPerRequest, e2e.gate!.cpuUsPerRequest),
      target: '< 1 (workerd CPU per segment, session vs token)',
      met: e2e['gate, session']!.cpuUsPerRequest < e2e.gate!.cpuUsPerRequest,
    },
    gateVsPassthroughRps: { value: ratio(e2e.gate!.rps, e2e.passthrough!.rps), target: '≥ 0.9', met: ratio(e2e.gate!.rps, e2e.passthrough!.rps) >= 0.9 },
    gateVsVerifyOnlyRps: { value: ratio(e2e.gate!.rps, e2e['verify-only']!.rps), target: '≥ 1.0', met: ratio(e2e.gate!.rps, e2e['verify-only']!.rps) >= 1.0 },
    guardFlushWindow: {
      value: ratio(us('guard flush: PT6H window, dense minutes'), us('guard flush: PT15M window, dense minutes')),
      target: '≤ 1.5 (a guarded flush at PT6H vs PT15M: about the same whatever the window)',
      met: ratio(us('guard flush: PT6H window, dense minutes'), us('guard flush: PT15M window, dense minutes')) <= 1.5,
    },
    countingUs: { value: us('stage: count the decision (isolate counters)'), target: '≤ 2 µs per decision', met: us('stage: count the decision (isolate counters)') <= 2 },
    kvReadsPerRequest: { value: kv.kvReadsPerRequest, target: '≤ 0.01', met: kv.kvReadsPerRequest <= 0.01 },
    writesAfterWarmup: { value: kv.durableObjectWrites, target: '0 (≤ 1 per device per day)', met: kv.durableObjectWrites === 0 },
    cachesBounded: { value: memory.cachedHouseholds! + memory.cachedTokens!, target: '≤ 50,000 + 20,000', met: memory.cachedHouseholds! <= 50_000 && memory.cachedTokens! <= 20_000 },
  };

  const report = {
    date: new Date().toISOString(),
    smoke,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    command: `npm run bench${smoke ? ' -- --smoke' : ''}`,
    settings: { rounds: ROUNDS, durationSeconds: DURATION_S, connections: CONNECTIONS },
    insideWorkerd: inside.results,
    endToEnd: e2e,
    kvTraffic: kv,
    memory,
    targets: targetsMet,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(`bench/results/${smoke ? 'latest-smoke' : 'latest'}.json`, JSON.stringify(report, null, 2) + '\n');

  const fmt = (n: number, digits = 1) => n.toFixed(digits);
  const lines = [
    `Hearth benchmarks — ${report.date}${smoke ? ' (SMOKE: figures are not meaningful)' : ''}`,
    `${report.machine.cpu}, ${report.machine.cores} cores, Node ${report.machine.node}`,
    '',
    'Inside workerd (median of interleaved rounds, µs per operation)',
    ...Object.entries(inside.results).map(([name, r]) => `  ${name.padEnd(58)} ${fmt(r.medianUs).padStart(8)} µs   ${fmt(r.medianUs / jwtVerifyUs, 2).padStart(5)} × jwtVerify`),
    '',
    `End to end over loopback (${CONNECTIONS} connections, ${ROUNDS} × ${DURATION_S} s interleaved rounds, medians)`,
    `  ${'worker'.padEnd(14)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'CPU µs/req'.padStart(11)} ${'non-2xx'.padStart(8)}`,
    ...Object.entries(e2e).map(
      ([name, r]) =>
        `  ${name.padEnd(14)} ${fmt(r.rps, 0).padStart(8)} ${String(r.p50Ms).padStart(7)} ${String(r.p99Ms).padStart(7)} ${fmt(r.cpuUsPerRequest, 0).padStart(11)} ${String(r.non2xx).padStart(8)}`,
    ),
    '',
    `KV traffic (gate, during its load rounds): ${kv.kvReads} reads over ${kv.requests} requests = ${kv.kvReadsPerRequest.toFixed(5)} per request; ${kv.durableObjectWrites} Durable Object writes`,
    `Memory: ${memory.accountsThrough} accounts → ${memory.cachedHouseholds} cached snapshots; ${memory.tokensThrough} tokens → ${memory.cachedTokens} cached tokens`,
    '',
    'Targets',
    ...Object.entries(targetsMet).map(([name, t]) => `  ${t.met ? 'MET ' : 'MISS'} ${name.padEnd(26)} ${fmt(t.value, 3).padStart(10)}  (target ${t.target})`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
} finally {
  for (const worker of workers) worker.stop();
  origin?.close();
}
