/**
 * A power cut loses nothing that was answered as done.
 *
 * The real gate runs under `wrangler dev` on a local state folder this test
 * keeps. Each round sets up a few households, then fires a burst of
 * concurrent writes — sign-outs, verifications (a code opened and verified),
 * support grants, extra members and rollout rule changes — and, once a share
 * of them has been answered 2xx, kills wrangler and workerd with SIGKILL (no
 * warning, nothing flushed). The gate then starts again on the same state,
 * and every write acknowledged before the cut must be in force, in every
 * round so far: the device still signed out (its old token 401
 * DEVICE_REVOKED), the temporary access there, the grant, the extra member
 * and the rule listed, and each admin write's audit entry in the log
 * exactly once once the outboxes have delivered. A write cut off before its
 * answer may be in force or not, but never half: a grant, member or rule in
 * force has its audit entry, and an audit entry has its change.
 *
 * Loopback only; every wait is bounded; the folder and every process are
 * removed even when an assertion fails. Prints its figures (SECURITY.md,
 * "Measured robustness").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mintAdminToken, mintDeviceToken } from '../../dev/tokens.ts';
import { ADMIN_SCOPES } from '../../src/vocabulary.ts';
import { startLocalWorker, type LocalWorker } from '../../scripts/local-worker.ts';

/** Each round cuts the power once this share of its burst has been answered 2xx. */
const CUT_AFTER = [0.2, 0.5, 0.8];
const ACCOUNTS_PER_ROUND = 6;
/** Requests in flight at once during a burst (the cut lands among them). */
const IN_FLIGHT = 6;
/** The region whose rule makes an away phone `challenge` (so it may ask for a code). */
const CHALLENGE_REGION = 'PE';
/** Regions whose rules the bursts change, a distinct one per write. */
const RULE_REGIONS = ['AR', 'BR', 'CO', 'EC', 'UY', 'PY', 'VE', 'MX', 'BO', 'CL', 'GT', 'HN', 'SV', 'NI', 'CR', 'PA', 'DO', 'CU'];
const REQUEST_TIMEOUT_MS = 30_000;
/** How long, after a restart, the outboxes and KV have to deliver what they owe. */
const CONVERGE_MS = 60_000;

type Kind = 'sign-out' | 'verification' | 'grant' | 'extra-member' | 'rule';

interface Write {
  kind: Kind;
  round: number;
  account?: string;
  region?: string;
  note?: string;
  /** Sent before the cut (answered or cut off). */
  started?: boolean;
  /** Set when a 2xx arrived (before or after the cut was sent: the answer left a running gate). */
  acknowledged: boolean;
  /** Found in force at the last check. */
  inForce?: boolean;
  /** The grant's id, from its 201. */
  grantId?: string;
  /** Sends the write; resolves with the status of its (last) answer, rejects when cut off. */
  run(): Promise<number>;
}

interface Household {
  account: string;
  tv: string;
  /** Seen at home, then signed out in the burst. */
  tablet: string;
  /** Away: verifies a code in the burst. */
  phone: string;
}

const state = mkdtempSync(join(tmpdir(), 'hearth-power-cut-'));
let gate: LocalWorker | null = null;
let receiver: Server | null = null;
let adminToken = '';
/** The latest code the webhook received, by `account/device`. */
const codes = new Map<string, string>();

afterAll(async () => {
  await gate?.kill().catch(() => {});
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  rmSync(state, { recursive: true, force: true });
});

/** A webhook on loopback standing in for the account owner's inbox (NOTIFY_URL). */
async function startReceiver(): Promise<string> {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      try {
        const message = JSON.parse(body) as { accountId: string; deviceId: string; code: string };
        codes.set(`${message.accountId}/${message.deviceId}`, message.code);
      } catch {
        // not a code: answered all the same
      }
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  if (typeof address !== 'object' || !address) throw new Error('no webhook address');
  return `http://127.0.0.1:${address.port}/hook`;
}

async function start(notifyUrl: string): Promise<number> {
  const started = Date.now();
  gate = await startLocalWorker({ envFile: '.dev.vars', persistTo: state, vars: { NOTIFY_URL: notifyUrl } });
  return Date.now() - started;
}

async function call(path: string, init: { method?: string; token?: string; ip?: string; country?: string; body?: unknown } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  if (init.ip) headers['CF-Connecting-IP'] = init.ip;
  if (init.country) headers['Hearth-Sim-Country'] = init.country;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(`${gate!.url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

const admin = (path: string, method = 'GET', body?: unknown) => call(path, { method, token: adminToken, ...(body !== undefined ? { body } : {}) });

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

async function until<T>(what: string, read: () => Promise<T | undefined>, deadlineMs = 30_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const homeAddress = (round: number, i: number) => `203.0.${100 + round * 10 + i}.7`;
const awayAddress = (round: number, i: number) => `198.51.100.${round * 10 + i + 1}`;

/** Households for one round: the TV forms it at home, the tablet joins it there, the phone stays away. */
async function setUpRound(round: number): Promise<Household[]> {
  const households: Household[] = [];
  for (let i = 0; i < ACCOUNTS_PER_ROUND; i++) {
    const account = `power-cut-${round}-${i}`;
    const [tv, tablet, phone] = await Promise.all([
      mintDeviceToken({ account, device: 'tv', type: 'tv', ttlSeconds: 3600 }),
      mintDeviceToken({ account, device: 'tablet', type: 'tablet', ttlSeconds: 3600 }),
      mintDeviceToken({ account, device: 'phone', type: 'mobile', ttlSeconds: 3600 }),
    ]);
    for (const token of [tv, tablet]) {
      const answer = await call('/gate/v1/decision', { token, ip: homeAddress(round, i), country: CHALLENGE_REGION });
      expect(answer.status).toBe(200);
      await answer.arrayBuffer();
    }
    households.push({ account, tv, tablet, phone });
  }
  // Visits are written off the hot path: wait until each household holds its tablet.
  for (const { account } of households) {
    await until(`the household of ${account}`, async () => {
      const summary = await json<{ devices: Array<{ deviceId: string }> }>(await admin(`/admin/v1/accounts/${account}`));
      return summary.devices?.some((device) => device.deviceId === 'tablet') ? true : undefined;
    });
  }
  return households;
}

/** The burst's writes for one round, shuffled. */
function burst(round: number, households: Household[]): Write[] {
  const writes: Write[] = [];
  households.forEach((household, i) => {
    const { account } = household;
    writes.push({
      kind: 'sign-out',
      round,
      account,
      acknowledged: false,
      run: async () => (await call('/gate/v1/household/devices/tablet', { method: 'DELETE', token: household.tv, ip: homeAddress(round, i), country: CHALLENGE_REGION })).status,
    });
    writes.push({
      kind: 'verification',
      round,
      account,
      acknowledged: false,
      run: async () => {
        const at = { token: household.phone, ip: awayAddress(round, i), country: CHALLENGE_REGION };
        const opened = await call('/gate/v1/challenges', { ...at, method: 'POST' });
        if (opened.status !== 201) return opened.status;
        const { challengeId } = await json<{ challengeId: string }>(opened);
        // The webhook has the code before the gate answers 201.
        const code = codes.get(`${account}/phone`);
        if (!code) throw new Error('the webhook got no code');
        return (await call(`/gate/v1/challenges/${challengeId}/verify`, { ...at, method: 'POST', body: { code } })).status;
      },
    });
    const grant: Write = {
      kind: 'grant',
      round,
      account,
      acknowledged: false,
      run: async () => {
        const answer = await admin(`/admin/v1/accounts/${account}/grants`, 'POST', { deviceId: 'guest', days: 7, reason: `power cut ${round}` });
        if (answer.status === 201) grant.grantId = (await json<{ grantId: string }>(answer)).grantId;
        return answer.status;
      },
    };
    writes.push(grant);
    writes.push({
      kind: 'extra-member',
      round,
      account,
      acknowledged: false,
      run: async () => (await admin(`/admin/v1/accounts/${account}/extra-members`, 'POST', { deviceId: 'student', label: `round ${round}` })).status,
    });
    const region = RULE_REGIONS[round * ACCOUNTS_PER_ROUND + i]!;
    const note = `power cut ${round}: ${region}`;
    writes.push({ kind: 'rule', round, region, note, acknowledged: false, run: async () => (await admin(`/admin/v1/rollout/${region}`, 'PUT', { mode: 'monitor', note })).status });
  });
  // A fixed shuffle: every kind is in flight around the cut.
  return writes
    .map((write, i) => ({ write, key: (i * 7919) % writes.length }))
    .toSorted((a, b) => a.key - b.key)
    .map(({ write }) => write);
}

/**
 * Runs the burst with IN_FLIGHT requests at a time and cuts the power once
 * `cutAfter` of them were acknowledged. Answers, in words, every write the
 * gate refused before the cut (each of them should have been done).
 */
async function burstAndCut(writes: Write[], cutAfter: number): Promise<string[]> {
  const threshold = Math.max(1, Math.round(writes.length * cutAfter));
  const refused: string[] = [];
  let acknowledged = 0;
  let cut: Promise<void> | null = null;
  let next = 0;
  const lane = async () => {
    while (!cut && next < writes.length) {
      const write = writes[next++]!;
      write.started = true;
      try {
        const status = await write.run();
        write.acknowledged = status >= 200 && status < 300;
        if (!write.acknowledged && !cut) refused.push(`${write.kind} ${write.account ?? write.region} answered ${status}`);
      } catch (error) {
        // Cut off: not acknowledged. Before the cut, a failure is the gate's.
        if (!cut) refused.push(`${write.kind} ${write.account ?? write.region} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (write.acknowledged && ++acknowledged >= threshold) cut ??= gate!.kill();
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  await (cut ?? gate!.kill());
  if (acknowledged < threshold) refused.push(`only ${acknowledged} writes were acknowledged; the cut was to come after ${threshold}`);
  return refused;
}

interface AuditEntry {
  action: string;
  target: string;
  note: string | null;
}

async function auditLog(): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const answer = await admin(`/admin/v1/audit?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    if (answer.status !== 200) throw new Error(`audit answered ${answer.status}`);
    const body = await json<{ entries: AuditEntry[]; nextCursor: string | null }>(answer);
    entries.push(...body.entries);
    cursor = body.nextCursor;
    if (!cursor) return entries;
  }
  throw new Error('the audit log has more than 50 pages');
}

interface AccountSummary {
  devices: Array<{ deviceId: string; status: string }>;
  grants: Array<{ grantId: string }>;
  extraMembers: Array<{ deviceId: string }>;
}

/**
 * Everything wrong with the gate's state for `writes` now, in words: an
 * acknowledged write not in force, an audit entry missing or doubled, a
 * change in force without its entry or the reverse. Marks each write
 * `inForce` on the way.
 */
async function problems(writes: Write[], households: Map<string, Household & { i: number }>): Promise<string[]> {
  const found: string[] = [];
  const log = await auditLog();
  const count = new Map<string, number>();
  for (const entry of log) count.set(`${entry.action} ${entry.target}`, (count.get(`${entry.action} ${entry.target}`) ?? 0) + 1);
  for (const [key, times] of count) if (times > 1) found.push(`audit entry ${key} appears ${times} times`);
  /** An audited change: in force if acknowledged, and in force exactly when its entry is in the log. */
  const audited = (key: string, acknowledged: boolean, inForce: boolean, what: string) => {
    const times = count.get(key) ?? 0;
    if (acknowledged && !inForce) found.push(`${what}: acknowledged, not in force`);
    if (inForce && times === 0) found.push(`${what}: in force without its audit entry`);
    if (!inForce && times > 0) found.push(`${what}: audit entry without the change in force`);
  };

  const rollout = await json<{ regions: Record<string, { note?: string }> }>(await admin('/admin/v1/rollout'));
  const summaries = new Map<string, AccountSummary>();
  for (const account of new Set(writes.flatMap((write) => (write.account ? [write.account] : [])))) {
    const answer = await admin(`/admin/v1/accounts/${account}`);
    if (answer.status !== 200) throw new Error(`account ${account} answered ${answer.status}`);
    summaries.set(account, await json<AccountSummary>(answer));
  }

  for (const write of writes) {
    const summary = write.account ? summaries.get(write.account)! : null;
    const household = write.account ? households.get(write.account)! : null;
    const what = `${write.kind} ${write.account ?? write.region} (round ${write.round})`;
    const status = (deviceId: string) => summary!.devices.find((device) => device.deviceId === deviceId)?.status;
    switch (write.kind) {
      case 'sign-out': {
        write.inForce = status('tablet') === 'signed-out';
        if (!write.acknowledged) break;
        if (!write.inForce) found.push(`${what}: acknowledged, the tablet is not signed out`);
        // And at the edge (the KV snapshot): the old token is refused.
        const answer = await call('/gate/v1/decision', { token: household!.tablet, ip: homeAddress(write.round, household!.i), country: CHALLENGE_REGION });
        const reason = answer.status === 401 ? (await json<{ reason?: string }>(answer)).reason : `${answer.status}`;
        if (reason !== 'DEVICE_REVOKED') found.push(`${what}: acknowledged, the old token answers ${reason}, not 401 DEVICE_REVOKED`);
        break;
      }
      case 'verification': {
        write.inForce = status('phone') === 'temporary';
        if (!write.acknowledged) break;
        if (!write.inForce) found.push(`${what}: acknowledged, the phone has no temporary access`);
        const answer = await json<{ decision?: string; reason?: string }>(
          await call('/gate/v1/decision', { token: household!.phone, ip: awayAddress(write.round, household!.i), country: CHALLENGE_REGION }),
        );
        if (answer.reason !== 'TEMPORARY_ACCESS') found.push(`${what}: acknowledged, the phone away is answered ${answer.decision} ${answer.reason}`);
        break;
      }
      case 'grant': {
        // A grant cut off before its answer has an id only the gate knows: take every one the summary or the log names.
        const prefix = `grant.create accounts/${write.account}/grants/`;
        const ids = new Set([...summary!.grants.map((grant) => grant.grantId), ...[...count.keys()].filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length))]);
        if (write.grantId) ids.add(write.grantId);
        write.inForce = summary!.grants.length > 0;
        for (const id of ids)
          audited(
            prefix + id,
            id === write.grantId,
            summary!.grants.some((grant) => grant.grantId === id),
            `${what} ${id}`,
          );
        break;
      }
      case 'extra-member':
        write.inForce = summary!.extraMembers.some((member) => member.deviceId === 'student');
        audited(`extra-member.add accounts/${write.account}/extra-members/student`, write.acknowledged, write.inForce, what);
        break;
      case 'rule':
        write.inForce = rollout.regions[write.region!]?.note === write.note;
        audited(`rollout.set rollout/${write.region}`, write.acknowledged, write.inForce, what);
        break;
    }
  }
  return found;
}

describe('a power cut in the middle of a burst of writes', () => {
  it('loses no acknowledged write and audits each exactly once, over three cuts', async () => {
    const notifyUrl = await startReceiver();
    const restarts: number[] = [await start(notifyUrl)];
    adminToken = await mintAdminToken({ scope: ADMIN_SCOPES.join(' '), sub: 'power-cut@ops', ttlSeconds: 3600 });
    // The away phones are challenged (so they may ask for a code); the rule is in force before any cut.
    expect((await admin(`/admin/v1/rollout/${CHALLENGE_REGION}`, 'PUT', { mode: 'challenge', note: 'power cut: challenge' })).status).toBe(200);

    const all: Write[] = [];
    const households = new Map<string, Household & { i: number }>();
    const converged: number[] = [];
    for (const [round, cutAfter] of CUT_AFTER.entries()) {
      const set = await setUpRound(round);
      set.forEach((household, i) => households.set(household.account, { ...household, i }));
      const writes = burst(round, set);
      all.push(...writes);
      expect(await burstAndCut(writes, cutAfter)).toEqual([]);

      // Power back: the same state, a new gate. Every round so far is checked again.
      restarts.push(await start(notifyUrl));
      const back = Date.now();
      let left: string[] = [];
      const deadline = Date.now() + CONVERGE_MS;
      do {
        left = await problems(all, households);
        if (left.length > 0) await new Promise((r) => setTimeout(r, 500));
      } while (left.length > 0 && Date.now() < deadline);
      expect(left).toEqual([]);
      converged.push(Date.now() - back);
    }

    const acknowledged = all.filter((write) => write.acknowledged);
    const byKind = (kind: Kind) => `${acknowledged.filter((write) => write.kind === kind).length}/${all.filter((write) => write.kind === kind).length}`;
    const audited = acknowledged.filter((write) => write.kind === 'grant' || write.kind === 'extra-member' || write.kind === 'rule').length;
    const cutOff = all.filter((write) => write.started && !write.acknowledged);
    console.log(
      [
        `power cut: ${CUT_AFTER.length} rounds, ${all.length} writes in the bursts, ${all.filter((write) => write.started).length} sent before the cut, ${acknowledged.length} acknowledged`,
        `  by kind (acknowledged/sent): sign-outs ${byKind('sign-out')}, verifications ${byKind('verification')}, grants ${byKind('grant')}, extra members ${byKind('extra-member')}, rules ${byKind('rule')}`,
        `  in force after restart: ${acknowledged.filter((write) => write.inForce).length}/${acknowledged.length}; admin writes audited exactly once: ${audited}/${audited}; half-applied writes: 0`,
        `  cut off in flight (sent, no answer): ${cutOff.length}, of which in force after restart: ${cutOff.filter((write) => write.inForce).length}; never sent: ${all.filter((write) => !write.started).length}`,
        `  restart to first answer (ms): ${restarts.slice(1).join(', ')}; restart to everything delivered (ms): ${converged.join(', ')}`,
      ].join('\n'),
    );
  }, 300_000);
});
