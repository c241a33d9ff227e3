/**
 * `npm run simulate` — what the gate costs at scale, by simulation.
 *
 * Drives a realistic population through a local gate (`wrangler dev`, the
 * production settings for telemetry: counters flushed every 10 s, 1 % of
 * allowed decisions logged) at realistic pacing — not a tight loop:
 *
 *   - accounts with a TV, a phone and a tablet; each household forms first
 *     (the TV at home, then the other devices at home);
 *   - a share of devices is active: each asks for a decision once (a
 *     session) and then fetches a segment every 4 s;
 *   - 5 % of active devices are away from home, on a network no household
 *     holds, and were never home (travellers' and visitors' devices); the
 *     region is in `challenge`, so they are challenged, and half of them
 *     verify a code (the traveller's path) and stream on; the rest give up;
 *   - a share of the refused (`--feedback`, 50 %) first answer the question
 *     after the refusal (contract §8, `POST /gate/v1/feedback`): a stored
 *     answer, a household sketch, an Analytics Engine point and a log line;
 *   - a share of households (`--shared`, 30 %) lives behind carrier-grade
 *     NAT: 20 households to a /24 pool, each with its own public address
 *     that all its devices share. Such a /24 is shared (more than
 *     SHARED_NETWORK_HOUSEHOLDS = 8 households), so the TV's address is
 *     written as it streams — at most once per quarter of COPRESENCE_WINDOW.
 *     The run sets COPRESENCE_WINDOW to PT40S so that a minute shows the
 *     throttle at work, and the projection scales those writes to PT2H.
 *
 * It counts what the gate spends — KV reads and writes, Durable Object
 * requests and storage rows, Analytics Engine points, log lines, counter
 * flushes — reports them per million playback requests, and projects them to
 * a service of 100 million segment requests a day with Cloudflare's unit
 * prices. Then it floods the same gate with each kind of request that
 * proves nothing (contract §9; bench/floods.ts) and prices a billion of each a
 * day beside the Workers request floor. Writes bench/results/simulate.json.
 *
 *   npm run simulate [-- --accounts 300 --active 0.6 --seconds 60 --away 0.05 --feedback 0.5 --floods 2000]
 *   npm run simulate -- --floods-only     the floods alone (a minute or two)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { mintAdminToken, mintDeviceToken } from '../dev/tokens.ts';
import { startOrigin } from './local-origin.ts';
import { startLocalWorker } from '../scripts/local-worker.ts';
import { floodLines, runFloods } from './floods.ts';

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '300' },
    active: { type: 'string', default: '0.6' },
    seconds: { type: 'string', default: '60' },
    away: { type: 'string', default: '0.05' },
    feedback: { type: 'string', default: '0.5' },
    shared: { type: 'string', default: '0.3' },
    'segment-seconds': { type: 'string', default: '4' },
    isolates: { type: 'string', default: '500' },
    'regions-per-isolate': { type: 'string', default: '3' },
    smoke: { type: 'boolean', default: false },
    floods: { type: 'string', default: '2000' },
    'floods-only': { type: 'boolean', default: false },
  },
});
const FLOOD_REQUESTS = values.smoke ? 200 : Number(values.floods);
const FLOODS_ONLY = values['floods-only']!;
const smoke = values.smoke!;
const ACCOUNTS = smoke ? 20 : Number(values.accounts);
const ACTIVE = Number(values.active);
const SECONDS = smoke ? 8 : Number(values.seconds);
const AWAY = smoke ? 0.2 : Number(values.away);
const SHARED = Number(values.shared);
/** The share of refused devices whose viewer answers the question after the refusal (contract §8). */
const FEEDBACK = Number(values.feedback);
/** SQLite rows an answer writes in its household's object: the row and its three index entries. */
const FEEDBACK_ROWS = 4;
/** Households per carrier-grade NAT /24 in the simulation: more than SHARED_NETWORK_HOUSEHOLDS (8), so the pool is shared. */
const HOUSEHOLDS_PER_POOL = 20;
/** The run's co-presence window, and the production one the projection scales its address writes to. */
const RUN_COPRESENCE_S = 40;
const PRODUCTION_COPRESENCE_S = 2 * 3600;
/** The projection's households: 2 h of viewing a day at 4 s segments is 1 800 segment requests per active household and day. */
const SEGMENTS_PER_HOUSEHOLD_DAY = 1800;
const SEGMENT_MS = Number(values['segment-seconds']) * 1000;
const REGION = 'PE';
/** Counter flushes scale with isolates, not requests: the projection assumes this many isolates serving the service, each serving this many regions. */
const ISOLATES = Number(values.isolates);
const REGIONS_PER_ISOLATE = Number(values['regions-per-isolate']);
const FLUSHES_PER_ISOLATE_REGION_DAY = 86_400 / 10;
const log = (line: string) => process.stderr.write(line + '\n');

/**
 * Unit prices of the Workers Paid plan, from Cloudflare's pricing pages as
 * published on 2026-11-21 (developers.cloudflare.com: workers/platform/pricing,
 * kv/platform/pricing, durable-objects/platform/pricing,
 * analytics/analytics-engine/pricing). Monthly inclusions are subtracted.
 */
const PRICES = {
  workerRequests: { perMillion: 0.3, includedMonthly: 10e6, source: 'Workers Standard: requests' },
  kvReads: { perMillion: 0.5, includedMonthly: 10e6, source: 'Workers KV: reads' },
  kvWrites: { perMillion: 5.0, includedMonthly: 1e6, source: 'Workers KV: writes' },
  durableObjectRequests: { perMillion: 0.15, includedMonthly: 1e6, source: 'Durable Objects: requests (each RPC call is one)' },
  durableObjectRowsWritten: { perMillion: 1.0, includedMonthly: 50e6, source: 'Durable Objects SQLite storage: rows written' },
  analyticsEnginePoints: { perMillion: 0.25, includedMonthly: 10e6, source: 'Workers Analytics Engine: data points written' },
  logLines: { perMillion: 0.6, includedMonthly: 20e6, source: 'Workers Logs: log events' },
} as const;
const SERVICE_SEGMENTS_PER_DAY = 100e6;
/**
 * Workers Logs bills each invocation log as a log event, one per request,
 * unless wrangler.toml turns them off (`[observability.logs]
 * invocation_logs = false`) or samples requests (`head_sampling_rate`).
 */
const INVOCATION_LOGS_PER_REQUEST = (() => {
  const toml = readFileSync(new URL('../wrangler.toml', import.meta.url), 'utf8');
  if (/^\s*invocation_logs\s*=\s*false/m.test(toml)) return 0;
  return Number(/^\s*head_sampling_rate\s*=\s*([0-9.]+)/m.exec(toml)?.[1] ?? 1);
})();
/** The floods' target (contract §9): a billion a day of each kind at most this many times the request price. */
const FLOOD_TARGET_OVER_FLOOR = 1.2;
/** wrangler.toml's DECISIONS_SEGMENT_SAMPLE: the share of allowed segments written to Analytics Engine. */
const SEGMENT_SAMPLE = 0.01;
/** The cost target: the whole gate at most this many times the Workers request price alone. */
const TARGET_OVER_FLOOR = 1.5;

interface Device {
  account: number;
  id: string;
  type: 'tv' | 'mobile' | 'tablet';
  token: string;
  home: string;
  away: string | null;
}

/** Households behind carrier-grade NAT: spread evenly (a low-discrepancy sequence), so runs are repeatable. */
const behindNat = (account: number) => (account * 0.569_840_290_998) % 1 < SHARED;
/** Every other household on a /24 of its own; away devices on networks no household holds. */
const natRank = new Map(
  Array.from({ length: ACCOUNTS }, (_, account) => account)
    .filter(behindNat)
    .map((account, rank) => [account, rank]),
);
const homeIp = (account: number) => {
  const rank = natRank.get(account);
  if (rank === undefined) return `${20 + (account >> 16)}.${(account >> 8) & 255}.${account & 255}.10`;
  const pool = Math.floor(rank / HOUSEHOLDS_PER_POOL);
  return `41.${200 + (pool >> 8)}.${pool & 255}.${10 + (rank % HOUSEHOLDS_PER_POOL)}`;
};
const awayIp = (account: number, device: number) => `198.${18 + (account % 2)}.${(account >> 1) & 255}.${device + 1}`;

let logLines = 0;
let partial = '';
const codes = new Map<string, string>();
function onOutput(chunk: string): void {
  const lines = (partial + chunk).split('\n');
  partial = lines.pop() ?? '';
  for (const line of lines) {
    if (line.includes('{"event":')) logLines += 1;
    const delivered = /"event":"verification_code_development_delivery".*"deviceId":"([^"]+)".*"code":"(\d{6})"/.exec(line);
    if (delivered) codes.set(delivered[1]!, delivered[2]!);
  }
}

const origin = await startOrigin();
const gate = await startLocalWorker({ envFile: '.dev.vars', vars: { ORIGIN_URL: origin.url, COPRESENCE_WINDOW: `PT${RUN_COPRESENCE_S}S` }, onOutput });
try {
  const adminToken = await mintAdminToken({ scope: 'rollout:write rollout:read', sub: 'simulate@hearth.dev.invalid', ttlSeconds: 3600 });
  const rule = await fetch(`${gate.url}/admin/v1/rollout/${REGION}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ mode: 'challenge', note: 'cost simulation' }),
  });
  if (!rule.ok) throw new Error(`could not set the rule: ${rule.status}`);

  // Contract §9: a billion a day of each kind of request that proves nothing, beside the floor (bench/floods.ts).
  log(`flooding: ${FLOOD_REQUESTS} requests of each kind past its limit`);
  const floods = await runFloods(
    { url: gate.url, stats: async () => (await (await fetch(`${gate.url}/gate/dev/stats`)).json()) as Record<string, number>, logLines: () => logLines },
    {
      perMillion: {
        workerRequests: PRICES.workerRequests.perMillion,
        analyticsEnginePoints: PRICES.analyticsEnginePoints.perMillion,
        logLines: PRICES.logLines.perMillion,
        durableObjectRequests: PRICES.durableObjectRequests.perMillion,
        durableObjectRowsWritten: PRICES.durableObjectRowsWritten.perMillion,
        kvReads: PRICES.kvReads.perMillion,
      },
      invocationLogsPerRequest: INVOCATION_LOGS_PER_REQUEST,
    },
    REGION,
    FLOOD_REQUESTS,
  );
  const floodReport = floodLines(floods, { floorPerMillion: PRICES.workerRequests.perMillion, target: FLOOD_TARGET_OVER_FLOOR, invocationLogsPerRequest: INVOCATION_LOGS_PER_REQUEST });
  if (FLOODS_ONLY) {
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(
      `bench/results/simulate-floods${smoke ? '-smoke' : ''}.json`,
      JSON.stringify({ date: new Date().toISOString(), smoke, invocationLogsPerRequest: INVOCATION_LOGS_PER_REQUEST, floods }, null, 2) + '\n',
    );
    process.stdout.write(floodReport.join('\n') + '\n');
  } else
    await (async () => {
      const devices: Device[] = [];
      for (let account = 0; account < ACCOUNTS; account++) {
        const id = `sim-${account}`;
        for (const type of ['tv', 'mobile', 'tablet'] as const) {
          devices.push({
            account,
            id: `${type}-${account}`,
            type,
            token: await mintDeviceToken({ account: id, device: `${type}-${account}`, type, ttlSeconds: 7200 }),
            home: homeIp(account),
            away: null,
          });
        }
      }
      const call = async (device: Device, path: string, ip: string, init: RequestInit = {}) => {
        const response = await fetch(`${gate.url}${path}`, {
          ...init,
          headers: { Authorization: `Bearer ${device.token}`, 'CF-Connecting-IP': ip, 'Hearth-Sim-Country': REGION, ...(init.headers as Record<string, string>) },
        });
        const text = await response.text();
        return { status: response.status, text };
      };

      // Who streams, and who is away (spread evenly by low-discrepancy sequences, so runs are repeatable); TVs stay home.
      const active = devices.filter((_, i) => (i * 0.618_033_988_75) % 1 < ACTIVE);
      active.forEach((device, i) => {
        if (device.type !== 'tv' && (i * 0.754_877_666_25) % 1 < AWAY / (2 / 3)) device.away = awayIp(device.account, i % 250);
      });

      // The households form: every TV at home, then every device that is not away this time.
      log(`forming ${ACCOUNTS} households (${devices.length} devices)`);
      for (let i = 0; i < devices.length; i += 3 * 25) {
        const batch = devices.slice(i, i + 3 * 25);
        await Promise.all(batch.filter((d) => d.type === 'tv').map((d) => call(d, '/gate/v1/decision', d.home)));
        await new Promise((r) => setTimeout(r, 200));
        await Promise.all(batch.filter((d) => d.type !== 'tv' && !d.away).map((d) => call(d, '/gate/v1/decision', d.home)));
      }
      await new Promise((r) => setTimeout(r, 11_000)); // visits written, counters of the set-up flushed
      const before = (await (await fetch(`${gate.url}/gate/dev/stats`)).json()) as Record<string, number>;
      const logBefore = logLines;
      const sent = { sessions: 0, segments: 0, refusedSegments: 0, challenges: 0, verifications: 0, gaveUp: 0, feedback: 0 };
      const deadline = Date.now() + SECONDS * 1000;
      log(`simulating ${active.length} active devices (${active.filter((d) => d.away).length} away) for ${SECONDS} s, a segment every ${SEGMENT_MS / 1000} s each`);

      const stream = async (device: Device, index: number) => {
        await new Promise((r) => setTimeout(r, (index / active.length) * SEGMENT_MS)); // players start spread out
        const ip = device.away ?? device.home;
        sent.sessions += 1;
        const session = JSON.parse((await call(device, '/gate/v1/decision', ip)).text) as { decision: string };
        if (session.decision !== 'allow') {
          // The question after the refusal, answered by a share of viewers (spread evenly, so runs are repeatable).
          if ((index * 0.414_213_562_37) % 1 < FEEDBACK) {
            const answered = await call(device, '/gate/v1/feedback', ip, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ situation: 'travelling' }) });
            if (answered.status === 201) sent.feedback += 1;
          }
          if (index % 2 === 1) return void (sent.gaveUp += 1);
          sent.challenges += 1;
          const opened = JSON.parse((await call(device, '/gate/v1/challenges', ip, { method: 'POST' })).text) as { challengeId?: string };
          for (let i = 0; i < 50 && !codes.has(device.id); i++) await new Promise((r) => setTimeout(r, 100));
          if (!opened.challengeId || !codes.has(device.id)) return;
          sent.verifications += 1;
          await call(device, `/gate/v1/challenges/${opened.challengeId}/verify`, ip, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ code: codes.get(device.id) }),
          });
        }
        for (let segment = 1; Date.now() < deadline; segment++) {
          const started = Date.now();
          sent.segments += 1;
          const answer = await call(device, `/titles/${device.account}/seg-${segment}.ts`, ip);
          if (answer.status !== 200) sent.refusedSegments += 1;
          await new Promise((r) => setTimeout(r, Math.max(0, SEGMENT_MS - (Date.now() - started))));
        }
      };
      await Promise.all(active.map(stream));
      await new Promise((r) => setTimeout(r, 11_000)); // the last counters flush
      const after = (await (await fetch(`${gate.url}/gate/dev/stats`)).json()) as Record<string, number>;
      const delta = (name: string) => (after[name] ?? 0) - (before[name] ?? 0);

      const playback = sent.sessions + sent.segments; // every answer the gate gave on the hot path
      // The anchor TV's writes (at home, once per quarter co-presence window; on a shared network, its address) happen at
      // the run's PT40S window; they are priced apart, at PT2H.
      const addressWrites = delta('anchorWrites');
      const householdWrites = delta('visitWrites') - addressWrites + sent.challenges + sent.verifications;
      const measured = {
        'KV reads': delta('kvReads'),
        // Each household write is written through to KV at most once a second per account, so this is an upper bound.
        'KV writes (≤ household writes)': householdWrites,
        // An answer to the question: its refusal confirmed (counted in storeReads) and the answer stored (one request).
        'Durable Object requests: households': delta('visitWrites') - addressWrites + delta('storeReads') + 2 * sent.challenges + 2 * sent.verifications + sent.feedback,
        'Durable Object rows written: feedback': FEEDBACK_ROWS * sent.feedback,
        'Durable Object requests: region metrics': delta('metricsObjectRequests'),
        'Durable Object rows written: region metrics': delta('metricsRowsWritten'),
        // v1.3: a point per session, refusal, token failure and error; allowed segments at DECISIONS_SEGMENT_SAMPLE (expected count).
        // v1.4: a point per answer to the question (contract §8).
        'Analytics Engine points (segments sampled)': sent.sessions + sent.refusedSegments + (sent.segments - sent.refusedSegments) * SEGMENT_SAMPLE + sent.feedback,
        'log lines': logLines - logBefore,
        'counter flushes': delta('metricsFlushes'),
        // The anchor TV written as it streams at home, and its address on a shared network (at the run's PT40S window); sharing counts read.
        [`household writes: anchor TV at home / its shared-network address (at PT${RUN_COPRESENCE_S}S)`]: addressWrites,
        'Durable Object requests: network sharing counts': delta('sharingReads'),
      };
      const formation = { sharingReads: before.sharingReads ?? 0, anchorWrites: before.anchorWrites ?? 0 };
      const perMillion = Object.fromEntries(Object.entries(measured).map(([name, n]) => [name, (n * 1e6) / playback]));

      // Projection: 100 M segment requests a day, scaled from what one million cost here.
      const daily = (name: string) => (perMillion[name]! * SERVICE_SEGMENTS_PER_DAY) / 1e6;
      const monthly = (perDay: number) => perDay * 30;
      const flushesPerDay = ISOLATES * REGIONS_PER_ISOLATE * FLUSHES_PER_ISOLATE_REGION_DAY;
      const rowsPerFlush = delta('metricsObjectRequests') === 0 ? 2 : delta('metricsRowsWritten') / delta('metricsObjectRequests');
      const cost = (perDay: number, price: (typeof PRICES)[keyof typeof PRICES]) => (Math.max(0, monthly(perDay) - price.includedMonthly) * price.perMillion) / 1e6;
      // Shared networks. The TV's address writes scale with the window (the run's PT40S → PT2H); each is one household
      // object request and one KV write (kept out of the household lines above).
      const addressWritesPerDay = daily(`household writes: anchor TV at home / its shared-network address (at PT${RUN_COPRESENCE_S}S)`) * (RUN_COPRESENCE_S / PRODUCTION_COPRESENCE_S);
      // Sharing counts: one call (and one row) per household and home network confirmed, at most once a day.
      const households = SERVICE_SEGMENTS_PER_DAY / SEGMENTS_PER_HOUSEHOLD_DAY;
      const lines: Array<{ item: string; perDay: number; price: (typeof PRICES)[keyof typeof PRICES] }> = [
        { item: 'Worker requests', perDay: SERVICE_SEGMENTS_PER_DAY, price: PRICES.workerRequests },
        { item: 'KV reads', perDay: daily('KV reads'), price: PRICES.kvReads },
        { item: 'KV writes (upper bound)', perDay: daily('KV writes (≤ household writes)'), price: PRICES.kvWrites },
        { item: 'Durable Object requests: households', perDay: daily('Durable Object requests: households'), price: PRICES.durableObjectRequests },
        // Flushes scale with isolates: at most one per isolate and region every 10 s, whatever the traffic.
        { item: `Durable Object requests: metrics (${ISOLATES} isolates × ${REGIONS_PER_ISOLATE} regions)`, perDay: flushesPerDay, price: PRICES.durableObjectRequests },
        { item: 'Durable Object rows written: metrics', perDay: flushesPerDay * rowsPerFlush, price: PRICES.durableObjectRowsWritten },
        {
          item: `Durable Object rows written: feedback (${Math.round(FEEDBACK * 100)} % of the refused answer)`,
          perDay: daily('Durable Object rows written: feedback'),
          price: PRICES.durableObjectRowsWritten,
        },
        { item: 'Analytics Engine data points', perDay: daily('Analytics Engine points (segments sampled)'), price: PRICES.analyticsEnginePoints },
        { item: 'Log lines', perDay: daily('log lines'), price: PRICES.logLines },
        // One log event per request unless wrangler.toml turns invocation logs off (it does: see INVOCATION_LOGS_PER_REQUEST).
        { item: 'Workers Logs: invocation logs', perDay: SERVICE_SEGMENTS_PER_DAY * INVOCATION_LOGS_PER_REQUEST, price: PRICES.logLines },
        { item: `Anchor TV at home and its shared-network address: writes, KV (at PT2H)`, perDay: addressWritesPerDay, price: PRICES.kvWrites },
        { item: `Anchor TV at home and its shared-network address: DO requests`, perDay: addressWritesPerDay, price: PRICES.durableObjectRequests },
        { item: `Shared networks: sharing counts, DO requests (${Math.round(households)} households)`, perDay: households, price: PRICES.durableObjectRequests },
        { item: 'Shared networks: sharing counts, DO rows written', perDay: 2 * households, price: PRICES.durableObjectRowsWritten },
      ];
      // Household writes per device and day, from the throttles at production settings (household.ts): what a
      // device's "seen" costs, whatever the traffic. A device streaming all day in one session writes once a day;
      // each session start rewrites "last seen" once it is an hour old; the anchor TV at home once per quarter window.
      const writesPerDeviceDay = {
        'phone or tablet streaming all day in one session': 1,
        'phone or tablet starting 4 sessions an evening, an hour or more apart': 4,
        'anchor TV streaming 4 hours a day at home (one write per PT30M)': 1 + (4 * 60) / (PRODUCTION_COPRESENCE_S / 60 / 4),
      };
      const projection = lines.map((line) => ({
        item: line.item,
        perDay: Math.round(line.perDay),
        perMonth: Math.round(monthly(line.perDay)),
        usdPerMonth: Number(cost(line.perDay, line.price).toFixed(2)),
        price: line.price,
      }));
      // What a million playback requests cost in all, beside the floor: the Workers request price alone.
      const totalPerMonth = projection.reduce((sum, p) => sum + p.usdPerMonth, 0);
      const requestsPerMonthMillions = monthly(SERVICE_SEGMENTS_PER_DAY) / 1e6;
      const perMillionUsd = totalPerMonth / requestsPerMonthMillions;
      const floorPerMillionUsd = PRICES.workerRequests.perMillion;
      const overFloor = perMillionUsd / floorPerMillionUsd;
      const aboveFloor = projection.filter((p) => p.price !== PRICES.workerRequests).toSorted((a, b) => b.usdPerMonth - a.usdPerMonth)[0];
      const costPerMillion = {
        usd: Number(perMillionUsd.toFixed(3)),
        floorUsd: floorPerMillionUsd,
        overFloor: Number(overFloor.toFixed(2)),
        target: TARGET_OVER_FLOOR,
        largestBesideRequests: aboveFloor?.item ?? null,
      };
      const report = {
        date: new Date().toISOString(),
        smoke,
        command: `npm run simulate${smoke ? ' -- --smoke' : ''}`,
        population: {
          accounts: ACCOUNTS,
          devices: devices.length,
          active: active.length,
          away: active.filter((d) => d.away).length,
          behindNat: natRank.size,
          seconds: SECONDS,
          feedbackShareOfRefused: FEEDBACK,
          segmentSeconds: SEGMENT_MS / 1000,
          copresenceWindowSeconds: RUN_COPRESENCE_S,
        },
        formation,
        sent: { ...sent, playback },
        measured,
        perMillionPlaybackRequests: perMillion,
        householdWritesPerDeviceDay: writesPerDeviceDay,
        costPerMillion,
        projection: { segmentsPerDay: SERVICE_SEGMENTS_PER_DAY, prices: 'Workers Paid plan, developers.cloudflare.com pricing pages as of 2026-11-21', lines: projection },
        invocationLogsPerRequest: INVOCATION_LOGS_PER_REQUEST,
        floods,
      };
      mkdirSync('bench/results', { recursive: true });
      writeFileSync(`bench/results/${smoke ? 'simulate-smoke' : 'simulate'}.json`, JSON.stringify(report, null, 2) + '\n');

      const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
      process.stdout.write(
        [
          `Hearth cost simulation — ${report.date}${smoke ? ' (SMOKE: figures are not meaningful)' : ''}`,
          `${ACCOUNTS} accounts, ${devices.length} devices, ${active.length} active (${report.population.away} away), ${report.population.behindNat} households behind carrier-grade NAT, ${SECONDS} s, a segment every ${SEGMENT_MS / 1000} s`,
          `forming the households read ${formation.sharingReads} sharing counts (one per household) and made ${formation.anchorWrites} anchor TV writes`,
          `sent: ${sent.sessions} sessions, ${sent.segments} segments (${sent.refusedSegments} refused), ${sent.challenges} codes asked, ${sent.verifications} verified, ${sent.gaveUp} gave up, ${sent.feedback} answers to the question after a refusal (${Math.round(FEEDBACK * 100)} % of the refused)`,
          '',
          'Per million playback requests (sessions + segments)',
          ...Object.entries(perMillion).map(([name, n]) => `  ${name.padEnd(50)} ${fmt(n, 0).padStart(10)}`),
          '',
          'Household writes per device and day (the "seen" throttles at production settings)',
          ...Object.entries(writesPerDeviceDay).map(([name, n]) => `  ${name.padEnd(70)} ${fmt(n, 0).padStart(4)}`),
          '',
          `Projected to ${fmt(SERVICE_SEGMENTS_PER_DAY / 1e6, 0)} M segment requests a day (30-day month, Workers Paid, inclusions subtracted)`,
          ...projection.map((p) => `  ${p.item.padEnd(56)} ${fmt(p.perDay, 0).padStart(14)}/day  $${fmt(p.usdPerMonth, 2).padStart(9)}/month`),
          `  ${'total'.padEnd(56)} ${''.padStart(14)}      $${fmt(totalPerMonth, 2).padStart(9)}/month`,
          '',
          `Per million playback requests: $${perMillionUsd.toFixed(3)} in all, beside $${floorPerMillionUsd.toFixed(2)} for the Workers requests alone (the floor): ${overFloor.toFixed(2)}× the floor, ` +
            (overFloor <= TARGET_OVER_FLOOR
              ? `within the ${TARGET_OVER_FLOOR}× target.`
              : `above the ${TARGET_OVER_FLOOR}× target; the largest line beside the requests: ${aboveFloor?.item} ($${fmt(aboveFloor?.usdPerMonth ?? 0, 2)}/month).`),
          '',
          ...floodReport,
        ].join('\n') + '\n',
      );
    })();
} finally {
  gate.stop();
  origin.close();
}
