/**
 * What abuse costs (contract §9): the cost simulation's floods, one per kind
 * of request that proves nothing, each from one client network or one
 * account, against the same local gate (`wrangler dev`, wrangler.toml's own
 * `[[ratelimits]]`, which `wrangler dev` runs locally).
 *
 * For each kind it sends a burst in two phases: until the limit that guards
 * it first answers 429 (what passes: `passed`), then as many again (what a
 * limit stops: `limited`), and counts what the gate did in each — Analytics
 * Engine points, log lines, Durable Object requests and rows, KV reads —
 * from its development stats and its output. Each phase's cost per request
 * is then projected to a billion requests a day arriving at one Cloudflare
 * location: a limit lets `limit` through per period there, and everything
 * past it costs what `limited` cost. Local `wrangler dev` drops Analytics
 * Engine writes, so a flood's points are counted from its lines: every point
 * a refusal or a token failure writes comes with its line (edge/record.ts).
 */
import { mintDeviceToken } from '../dev/tokens.ts';

export interface FloodPrices {
  perMillion: { workerRequests: number; analyticsEnginePoints: number; logLines: number; durableObjectRequests: number; durableObjectRowsWritten: number; kvReads: number };
  /** Invocation logs per request, as wrangler.toml's [observability] sets them (0 when `invocation_logs = false`). */
  invocationLogsPerRequest: number;
}

export interface FloodGate {
  url: string;
  stats(): Promise<Record<string, number>>;
  /** Log lines of the Worker so far (`{"event":…}` lines). */
  logLines(): number;
}

interface Work {
  requests: number;
  /** Of them, answered 429 RATE_LIMITED (the rest passed: a phase may reach a new window of the limit). */
  rateLimited: number;
  points: number;
  logLines: number;
  objectRequests: number;
  objectRows: number;
  kvReads: number;
}

export interface FloodResult {
  kind: string;
  what: string;
  limit: string;
  passed: Work;
  limited: Work;
  /** $ per million requests of the burst as sent, and projected to a billion a day at one location. */
  burstUsdPerMillion: number;
  projectedUsdPerMillion: number;
  overFloor: number;
}

interface Kind {
  kind: string;
  what: string;
  /** The limit that guards it, as wrangler.toml sets it: requests per period (seconds) at one location. */
  limit: { name: string; requests: number; periodSeconds: number } | null;
  request(i: number): Promise<{ path: string; init: RequestInit }>;
  /** Durable Object requests per answer, beyond what the stats count (`rateLimited`: the answer was 429 RATE_LIMITED). */
  objectRequestsPerAnswer?: (rateLimited: boolean) => number;
}

const NETWORK = { name: 'RATE_LIMIT_NETWORK', requests: 200, periodSeconds: 10 };
const ACCOUNT = { name: 'RATE_LIMIT_ACCOUNT', requests: 300, periodSeconds: 60 };

/** The five kinds of contract §9's flood table, each on its own network and account; `requests`: how many of each at most. */
async function kinds(url: string, region: string, requests: number): Promise<Kind[]> {
  const run = Date.now().toString(36);
  const headers = (ip: string, extra: Record<string, string> = {}) => ({ 'CF-Connecting-IP': ip, 'Hearth-Sim-Country': region, ...extra });
  const now = Math.floor(Date.now() / 1000);
  const valid = await mintDeviceToken({ account: `flood-${run}-x`, device: 'x', type: 'mobile' });
  const forged = `${valid.slice(0, -6)}AAAAAA`;
  const expired = await mintDeviceToken({ account: `flood-${run}-x`, device: 'x', type: 'mobile', claims: { iat: now - 7200, exp: now - 3600 } });
  // A household at home, and a device of it away that the region refuses.
  const account = `flood-${run}`;
  const tv = await mintDeviceToken({ account, device: 'tv', type: 'tv' });
  await fetch(`${url}/gate/v1/decision`, { headers: { ...headers('203.0.113.200'), Authorization: `Bearer ${tv}` } });
  const cousin = await mintDeviceToken({ account, device: 'cousin', type: 'mobile' });
  const codesAccount = `flood-${run}-codes`;
  await fetch(`${url}/gate/v1/decision`, { headers: { ...headers('203.0.113.201'), Authorization: `Bearer ${await mintDeviceToken({ account: codesAccount, device: 'tv', type: 'tv' })}` } });
  const traveller = await mintDeviceToken({ account: codesAccount, device: 'traveller', type: 'mobile' });
  const strangerAccount = `flood-${run}-strangers`;
  await fetch(`${url}/gate/v1/decision`, { headers: { ...headers('203.0.113.202'), Authorization: `Bearer ${await mintDeviceToken({ account: strangerAccount, device: 'tv', type: 'tv' })}` } });
  // Minted before the flood, so it runs as fast as the others (a limit's window is on the wall clock).
  const strangers = await Promise.all(Array.from({ length: requests + 10 * ACCOUNT.requests }, (_, i) => mintDeviceToken({ account: strangerAccount, device: `made-up-${i}`, type: 'mobile' })));
  const badTokens = [undefined, 'garbage', expired, forged];
  return [
    {
      kind: 'bad tokens',
      what: 'no token, garbage, expired or a wrong signature, on a playback path and /gate/v1/decision, one network',
      limit: NETWORK,
      request: async (i) => {
        const token = badTokens[i % badTokens.length];
        return { path: i % 2 ? `/titles/1/seg-${i}.ts` : '/gate/v1/decision', init: { headers: headers('192.0.2.200', token ? { Authorization: `Bearer ${token}` } : {}) } };
      },
    },
    {
      kind: 'preflights and /favicon.ico',
      what: 'a preflight from an origin not listed, and /favicon.ico without a token, one network',
      limit: NETWORK,
      request: async (i) =>
        i % 2
          ? { path: '/favicon.ico', init: { headers: headers('192.0.3.200') } }
          : { path: '/titles/1/index.m3u8', init: { method: 'OPTIONS', headers: headers('192.0.3.200', { Origin: 'https://stranger.example', 'Access-Control-Request-Method': 'GET' }) } },
    },
    {
      kind: 'a refused device, repeated',
      what: 'one device of one account, challenged away from home, on a playback path and /gate/v1/decision',
      limit: ACCOUNT,
      request: async (i) => ({ path: i % 2 ? `/titles/1/seg-${i}.ts` : '/gate/v1/decision', init: { headers: headers('198.51.100.200', { Authorization: `Bearer ${cousin}` }) } }),
    },
    {
      kind: 'a new device id each time',
      what: 'one account, a made-up device id per request, refused away from home',
      limit: ACCOUNT,
      request: async (i) => ({
        path: `/titles/1/seg-${i}.ts`,
        init: { headers: headers('198.51.100.201', { Authorization: `Bearer ${strangers[i % strangers.length]}` }) },
      }),
    },
    {
      kind: 'codes past the limit, wrong guesses',
      what: 'one device asking for codes past 3 an hour, and guessing a code wrong',
      limit: ACCOUNT,
      request: async (i) =>
        i % 2
          ? { path: '/gate/v1/challenges', init: { method: 'POST', headers: headers('198.51.100.202', { Authorization: `Bearer ${traveller}` }) } }
          : {
              path: `/gate/v1/challenges/${crypto.randomUUID()}/verify`,
              init: { method: 'POST', headers: headers('198.51.100.202', { Authorization: `Bearer ${traveller}`, 'Content-Type': 'application/json' }), body: '{"code":"000000"}' },
            },
      // Each answer past the limit's asked the account's object: the decision on its state and the code (the review counted 2).
      objectRequestsPerAnswer: (rateLimited) => (rateLimited ? 0 : 2),
    },
  ];
}

async function burst(gate: FloodGate, kind: Kind, from: number, count: number, untilLimited: boolean): Promise<{ sent: number; objectRequests: number; rateLimited: number }> {
  let sent = 0;
  let objectRequests = 0;
  let limited = false;
  let count429 = 0;
  const BATCH = 10;
  const done = () => sent >= count || (untilLimited && limited);
  while (!done()) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(BATCH, count - sent) }, async (_, j) => {
        const { path, init } = await kind.request(from + sent + j);
        const response = await fetch(`${gate.url}${path}`, init);
        // A limit's 429 is RATE_LIMITED; a code's own limit (CHALLENGE_RATE_LIMITED) is an answer that passed it.
        const text = await response.text();
        return response.status === 429 && text.includes('"reason":"RATE_LIMITED"');
      }),
    );
    sent += batch.length;
    for (const rateLimited of batch) {
      if (rateLimited) {
        limited = true;
        count429 += 1;
      }
      objectRequests += kind.objectRequestsPerAnswer?.(rateLimited) ?? 0;
    }
  }
  return { sent, objectRequests, rateLimited: count429 };
}

async function measure(gate: FloodGate, phase: () => Promise<{ sent: number; objectRequests: number; rateLimited: number }>): Promise<Work> {
  const before = await gate.stats();
  const linesBefore = gate.logLines();
  const { sent, objectRequests, rateLimited } = await phase();
  await new Promise((r) => setTimeout(r, 300)); // waitUntil work and the last lines
  const after = await gate.stats();
  const delta = (name: string) => (after[name] ?? 0) - (before[name] ?? 0);
  const lines = gate.logLines() - linesBefore;
  return {
    requests: sent,
    rateLimited,
    points: lines,
    logLines: lines,
    // A visit write is one request and two rows (the review's count); a confirmation is one request.
    objectRequests: delta('storeReads') + delta('visitWrites') + delta('sharingReads') + objectRequests,
    objectRows: 2 * delta('visitWrites'),
    kvReads: delta('kvReads'),
  };
}

/** Runs every flood; `requests` per kind at least (more when a limit lets more through first). */
export async function runFloods(gate: FloodGate, prices: FloodPrices, region: string, requests: number): Promise<FloodResult[]> {
  const results: FloodResult[] = [];
  const p = prices.perMillion;
  const usd = (work: Work) =>
    work.points * p.analyticsEnginePoints + work.logLines * p.logLines + work.objectRequests * p.durableObjectRequests + work.objectRows * p.durableObjectRowsWritten + work.kvReads * p.kvReads;
  const floorPerRequest = p.workerRequests + prices.invocationLogsPerRequest * p.logLines;
  for (const kind of await kinds(gate.url, region, requests)) {
    let index = 0;
    const passed = await measure(gate, async () => {
      const sent = await burst(gate, kind, index, kind.limit ? 10 * kind.limit.requests : requests, true);
      index += sent.sent;
      return sent;
    });
    const limited = await measure(gate, async () => {
      const sent = await burst(gate, kind, index, Math.max(requests, passed.requests), false);
      index += sent.sent;
      return sent;
    });
    // What one passing request cost (the first phase), and one a limit stopped: the second phase less what passed in it
    // (it may run into the limit's next window).
    const perPassed = passed.requests - passed.rateLimited > 0 ? usd(passed) / (passed.requests - passed.rateLimited) : 0;
    const perLimited = limited.rateLimited > 0 ? Math.max(0, usd(limited) - (limited.requests - limited.rateLimited) * perPassed) / limited.rateLimited : 0;
    const burstUsd = (usd(passed) + usd(limited)) / (passed.requests + limited.requests) + floorPerRequest;
    // A billion a day at one location: the limit lets `requests` per period through, the rest costs what `limited` did.
    const perDay = 1e9;
    const through = kind.limit ? Math.min(perDay, (kind.limit.requests * 86_400) / kind.limit.periodSeconds) : perDay;
    const projected = (through * perPassed + (perDay - through) * perLimited) / perDay + floorPerRequest;
    results.push({
      kind: kind.kind,
      what: kind.what,
      limit: kind.limit ? `${kind.limit.name}: ${kind.limit.requests} per ${kind.limit.periodSeconds} s` : 'none',
      passed,
      limited,
      burstUsdPerMillion: Number(burstUsd.toFixed(3)),
      projectedUsdPerMillion: Number(projected.toFixed(3)),
      overFloor: Number((projected / p.workerRequests).toFixed(2)),
    });
  }
  return results;
}

/** The floods as the simulation prints them: per kind, what passed and what the limit stopped, and $ per million beside the floor. */
export function floodLines(floods: FloodResult[], { floorPerMillion, target, invocationLogsPerRequest }: { floorPerMillion: number; target: number; invocationLogsPerRequest: number }): string[] {
  const row = (w: Work) => `${w.requests}/${w.rateLimited} ${w.points} ${w.logLines} ${w.objectRequests}`;
  return [
    `Floods (contract §9): a billion requests a day of each kind at one Cloudflare location, beside $${floorPerMillion.toFixed(2)} a million for the requests alone; invocation logs per request: ${invocationLogsPerRequest}`,
    `  ${'kind'.padEnd(36)} ${'limit'.padEnd(30)} ${'passed: req/429 pts lines DO'.padEnd(26)} ${'limited: req/429 pts lines DO'.padEnd(27)} ${'burst $/M'.padStart(9)} ${'$/M'.padStart(7)} ${'× floor'.padStart(8)}`,
    ...floods.map(
      (f) =>
        `  ${f.kind.padEnd(36)} ${f.limit.padEnd(30)} ${row(f.passed).padEnd(26)} ${row(f.limited).padEnd(27)} ${f.burstUsdPerMillion.toFixed(3).padStart(9)} ${f.projectedUsdPerMillion.toFixed(3).padStart(7)} ${`${f.overFloor.toFixed(2)}×`.padStart(8)}`,
    ),
    floods.every((f) => f.overFloor <= target)
      ? `Every kind within the ${target}× target.`
      : `Above the ${target}× target: ${floods
          .filter((f) => f.overFloor > target)
          .map((f) => f.kind)
          .join(', ')}.`,
  ];
}
