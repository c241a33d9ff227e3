/**
 * The simulation is the gate (docs/fairness.md): three personas of
 * `npm run personas` — a household whose ISP changes, a friend in another
 * city, the household behind carrier-grade NAT — replayed through a real
 * `wrangler dev`, request for request, with a day lasting DAY_MS. The
 * simulation runs in lockstep (bench/personas/engine.ts, `Replay`): each
 * step happens at the real time the replay makes it, the simulation answers
 * it from the gate's pure modules, and the same request goes to the gate.
 * Every answer must be the same: decisions (outcome and reason), codes sent
 * or refused, codes verified, the owner's extra members.
 *
 * The windows are compressed to the run's day and set well off the steps:
 * TRUST_WINDOW 46.5 days, TEMP_ACCESS_DURATION 7.5, TRAVEL_WINDOW 30.5 (half
 * a day off whole days), COPRESENCE_WINDOW 12 hours (the tablet streams an
 * hour after the TV), and the personas' hours are whole hours. No step then
 * sits near the edge of a window, where the gate's clock — a request's
 * flight after the replay's, longer on a busy machine — could fall on the
 * other side. Where one does all the same (the replay falls behind its
 * schedule on a busy machine), the simulation answers at the end of the
 * request's flight, or at its start when only that agrees with the gate: the
 * gate decided somewhere in between, on a busy machine late in it. A verified code's access runs from the
 * gate's own time (its answer's `expiresAt`), which the simulation takes.
 *
 * The household behind carrier-grade NAT shares its /24 with 9 neighbours
 * here, not 29: more than SHARED_NETWORK_HOUSEHOLDS (8) all the same, for a
 * third of the requests.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAdminToken, mintDeviceToken } from '../../dev/tokens.ts';
import { startLocalWorker, type LocalWorker } from '../../scripts/local-worker.ts';
import { ADMIN_SCOPES } from '../../src/vocabulary.ts';
import { runPersona, SIMULATED_REGION, type Answer, type DeviceSpec, type Persona, type Replay, type ReplayStep } from '../../bench/personas/engine.ts';
import { cgnatHousehold, ispChange, SHARERS } from '../../bench/personas/personas.ts';
import { PRESETS, presetOf } from '../../bench/personas/presets.ts';

const DAY_MS = 2000;
const DAYS = 20;
/** The longest a visit the gate writes after answering (in `waitUntil`) may take to land, on a busy machine. */
const WRITE_SETTLE_MS = 10_000;
const days = (n: number) => `PT${(n * DAY_MS) / 1000}S`;
const WINDOWS = { TRUST_WINDOW: days(46.5), TEMP_ACCESS_DURATION: days(7.5), TRAVEL_WINDOW: days(30.5), COPRESENCE_WINDOW: days(12 / 24) };

/** Whole hours: every persona's step at the start of its hour. */
const onTheHour = (persona: Persona): Persona => ({ ...persona, day: (day) => persona.day(day).map((action) => Object.assign(action, { hour: Math.floor(action.hour) })) });
const PERSONAS = [ispChange(12), SHARERS.find((persona) => persona.id === 'friend')!, cgnatHousehold(9)].map(onTheHour);

let gate: LocalWorker;
let receiver: Server;
let adminToken = '';
/** Steps replayed, and how far behind its schedule the replay fell at most (ms): the run's pace on this machine. */
let steps = 0;
let late = 0;
/** The latest code the webhook received, by `account/device`. */
const codes = new Map<string, string>();

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const message = JSON.parse(body) as { accountId: string; deviceId: string; code: string };
      codes.set(`${message.accountId}/${message.deviceId}`, message.code);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  if (typeof address !== 'object' || !address) throw new Error('no webhook address');
  gate = await startLocalWorker({ envFile: '.dev.vars', vars: { ...WINDOWS, NOTIFY_URL: `http://127.0.0.1:${address.port}/hook` } });
  adminToken = await mintAdminToken({ scope: ADMIN_SCOPES.join(' '), sub: 'personas@hearth.test', ttlSeconds: 600 });
  const rule = await call('/admin/v1/rollout/' + SIMULATED_REGION, { method: 'PUT', token: adminToken, body: { mode: 'enforce', percent: 100 } });
  if (rule.status !== 200) throw new Error(`setting the rule answered ${rule.status}`);
}, 120_000);

afterAll(async () => {
  gate?.stop();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
});

async function call(path: string, init: { method?: string; token?: string; ip?: string; body?: unknown } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'Hearth-Sim-Country': SIMULATED_REGION };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  if (init.ip) headers['CF-Connecting-IP'] = init.ip;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(`${gate.url}${path}`, { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}), signal: AbortSignal.timeout(20_000) });
}

/** Each network name a /24 of its own, each address its host: `cgn-pool.7` → 81.20.n.7. */
const networks = new Map<string, number>();
function ipOf(address: string): string {
  const [network, host] = [address.slice(0, address.lastIndexOf('.')), address.slice(address.lastIndexOf('.') + 1)];
  if (!networks.has(network)) networks.set(network, networks.size + 1);
  return `81.20.${networks.get(network)}.${host}`;
}

/** A replay of one persona against the gate: tokens minted once per device, the steps as the device API and admin API take them. */
function replayFor(temporaryAccessMs: number): Replay {
  const tokens = new Map<DeviceSpec, Promise<string>>();
  const tokenOf = (device: DeviceSpec) => {
    if (!tokens.has(device)) tokens.set(device, mintDeviceToken({ account: device.account, device: device.id, type: device.type, ttlSeconds: 3600 }));
    return tokens.get(device)!;
  };
  const challenges = new Map<DeviceSpec, string>();
  const reasonOf = async (response: Response) => ((await response.json()) as { reason?: string }).reason ?? `HTTP ${response.status}`;
  /** When each device's latest decision was asked: its visit, once written, was seen no earlier. */
  const askedAt = new Map<DeviceSpec, number>();
  const ask = async (step: ReplayStep) => {
    const sent = Date.now();
    if (step.step === 'decision') askedAt.set(step.device, sent);
    const said = await answer(step);
    return { answer: said, sent, received: Date.now(), ...(step.step === 'verify' ? { at: verifiedAt.get(step.device) } : {}) };
  };
  const verifiedAt = new Map<DeviceSpec, number>();
  const answer = async (step: ReplayStep): Promise<string> => {
    const { device } = step;
    const at = { token: await tokenOf(device), ip: ipOf(step.address ?? '0.0') };
    const account = encodeURIComponent(device.account);
    switch (step.step) {
      case 'decision': {
        const response = await call('/gate/v1/decision', at);
        const body = (await response.json()) as { decision?: string; reason?: string };
        return response.status === 200 ? `${body.decision} ${body.reason}` : `deny ${body.reason}`;
      }
      case 'code': {
        const response = await call('/gate/v1/challenges', { ...at, method: 'POST' });
        if (response.status !== 201) return reasonOf(response);
        challenges.set(device, ((await response.json()) as { challengeId: string }).challengeId);
        return 'sent';
      }
      case 'verify': {
        const code = codes.get(`${device.account}/${device.id}`);
        const response = await call(`/gate/v1/challenges/${challenges.get(device)}/verify`, { ...at, method: 'POST', body: { code } });
        if (response.status !== 200) return reasonOf(response);
        // The gate's moment of the grant: its access ends TEMP_ACCESS_DURATION later.
        verifiedAt.set(device, Date.parse(((await response.json()) as { expiresAt: string }).expiresAt) - temporaryAccessMs);
        return 'ok';
      }
      case 'second-home': {
        const opened = await call('/gate/v1/challenges', { ...at, method: 'POST', body: { purpose: 'second-home' } });
        if (opened.status !== 201) return reasonOf(opened);
        const { challengeId } = (await opened.json()) as { challengeId: string };
        const set = await call('/gate/v1/household/second-home', { ...at, method: 'POST', body: { challengeId, code: codes.get(`${device.account}/${device.id}`) } });
        return set.status === 200 ? 'ok' : reasonOf(set);
      }
      case 'away-access': {
        const opened = await call('/gate/v1/challenges', { ...at, method: 'POST', body: { purpose: 'away-access', days: step.days } });
        if (opened.status !== 201) return reasonOf(opened);
        const { challengeId } = (await opened.json()) as { challengeId: string };
        const given = await call('/gate/v1/household/away-access', { ...at, method: 'POST', body: { challengeId, code: codes.get(`${device.account}/${device.id}`) } });
        return given.status === 200 ? 'ok' : reasonOf(given);
      }
      case 'move': {
        const opened = await call('/gate/v1/challenges', { ...at, method: 'POST', body: { purpose: 'primary-location' } });
        if (opened.status !== 201) return reasonOf(opened);
        const { challengeId } = (await opened.json()) as { challengeId: string };
        const moved = await call('/gate/v1/household/primary-location', { ...at, method: 'POST', body: { challengeId, code: codes.get(`${device.account}/${device.id}`) } });
        return moved.status === 200 ? 'ok' : reasonOf(moved);
      }
      case 'extra-member': {
        const response = await call(`/admin/v1/accounts/${account}/extra-members`, { method: 'POST', token: adminToken, body: { deviceId: device.id, label: device.name } });
        return response.ok ? 'ok' : reasonOf(response);
      }
      case 'grant': {
        const response = await call(`/admin/v1/accounts/${account}/grants`, { method: 'POST', token: adminToken, body: { deviceId: device.id, days: step.days, reason: 'personas replay' } });
        return response.ok ? 'ok' : reasonOf(response);
      }
      case 'sign-out': {
        const response = await call(`/gate/v1/household/devices/${encodeURIComponent(device.id)}`, { method: 'DELETE', token: await tokenOf(step.by!), ip: at.ip });
        return response.ok ? 'ok' : reasonOf(response);
      }
    }
  };
  return {
    async now(nominal) {
      steps += 1;
      late = Math.max(late, Date.now() - nominal);
      const wait = nominal - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      return Date.now();
    },
    ask,
    // The account's device list is read from its Durable Object: once it shows the visit, the write has landed (and this isolate keeps it).
    async settle(step) {
      const since = askedAt.get(step.device)!;
      const deadline = Date.now() + WRITE_SETTLE_MS;
      while (Date.now() < deadline) {
        const response = await call('/gate/v1/household/devices', { token: await tokenOf(step.device), ip: ipOf(step.address ?? '0.0') });
        const { devices = [] } = (await response.json()) as { devices?: Array<{ deviceId: string; lastSeenAt: string }> };
        if (devices.some((device) => device.deviceId === step.device.id && Date.parse(device.lastSeenAt) >= since)) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`the visit of ${step.device.account}/${step.device.id} did not land within ${WRITE_SETTLE_MS} ms`);
    },
  };
}

const differences = (answers: Answer[]) => answers.filter((a) => a.gate !== a.answer).map((a) => `day ${a.day} ${a.device} ${a.step}: simulation "${a.answer}", gate "${a.gate}"`);

describe('the personas simulation is the gate', () => {
  it(`gives the same answers as wrangler dev, step for step, over ${DAYS} compressed days (an ISP change, a friend, carrier-grade NAT)`, async () => {
    const base = parseEnv(readFileSync('.dev.vars', 'utf8'));
    const preset = presetOf(
      PRESETS.find((p) => p.id === 'hearth-enforce')!,
      base,
      WINDOWS,
    );
    const clock = { origin: Date.now() + 500, dayMs: DAY_MS };
    const runs = await Promise.all(PERSONAS.map((persona) => runPersona(persona, preset, clock, DAYS, replayFor(preset.temporaryAccessMs))));

    console.log(`personas replay: ${steps} steps, at most ${late} ms behind schedule`);
    for (const run of runs) expect({ persona: run.persona, differences: differences(run.answers) }).toEqual({ persona: run.persona, differences: [] });
    const [isp, friend, cgnat] = runs.map((run) => run.answers.map((a) => `${a.device} ${a.step} ${a.answer}`));
    // What the replay went through, so a quiet persona cannot pass for a checked one.
    expect(isp).toContain('tv decision allow TRUSTED_DEVICE');
    expect(isp!.filter((a) => a === 'phone decision allow IN_HOUSEHOLD').length).toBe(DAYS);
    expect(friend).toContain('friend-phone verify ok');
    expect(friend).toContain('friend-phone decision allow TEMPORARY_ACCESS');
    expect(cgnat).toContain('tablet decision allow IN_HOUSEHOLD');
    expect(cgnat).toContain('phone-1 verify ok');
    // Used-up travel grants and the owner's extra member come on day 16; a replay that fell days behind its
    // schedule (a busy machine) gave its codes late, so their access ran on past the run's end.
    const daySixteen = late < 2 * DAY_MS ? ['friend-phone decision deny TRAVEL_LIMIT_REACHED', 'phone-1 extra-member ok', 'phone-1 decision allow EXTRA_MEMBER'] : [];
    expect(daySixteen.filter((step) => !friend!.includes(step) && !cgnat!.includes(step))).toEqual([]);
  }, 120_000);
});
