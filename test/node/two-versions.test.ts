/**
 * One step of compatibility, both ways (CONTRIBUTING.md, "One step of
 * compatibility"; docs/ops.md, "Gradual deployments"): during a gradual
 * deployment the previous release's Worker calls this commit's Durable
 * Objects and reads the KV snapshots they publish, and a rollback runs the
 * mix backwards. Each direction is one `wrangler dev` of two Workers
 * (test/node/two-versions.ts), the front binding the other's classes by
 * `script_name`, through one scripted scenario — a household forms, a code
 * verifies, a device signs out, a rule with a guard advances and trips, an
 * account is erased — whose answers must be those either release gives
 * alone (ANSWERS; `HEARTH_TWO_VERSIONS_ALONE=1` runs each release alone
 * through it as well, which is how ANSWERS was checked).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAdminToken, mintDeviceToken } from '../../dev/tokens.ts';
import { startLocalWorker, type LocalWorker } from '../../scripts/local-worker.ts';
import { buildAssets, previousTree, releases, startPairing, type PreviousTree } from './two-versions.ts';

/** What the scenario answers on either release alone, step by step. */
const ANSWERS = [
  'rule set: 200',
  'rule: enforce 50% advancing',
  'rule: enforce 100% steady',
  'tv at home: 200 allow HOUSEHOLD_ESTABLISHED',
  'phone at home: 200 allow',
  'tablet away: 200 challenge OUTSIDE_HOUSEHOLD',
  'tablet asks a code: 201',
  'tablet verifies the code: 200',
  'tablet away: 200 allow',
  'household lists: phone home, tablet temporary, tv home',
  'phone signs itself out: 204',
  'phone after its sign-out: 401 deny DEVICE_REVOKED',
  'household lists: phone signed-out, tablet temporary, tv home',
  'guard: 3 households treated, 3 refused',
  'rule: tripped',
  'region after the trip: monitor',
  'metrics: sessions allow 8, challenge 3, deny 1',
  'account erased: 204',
  'tv after the erase: 401 deny DEVICE_REVOKED',
  'support after the erase: 404 ACCOUNT_NOT_FOUND',
];

const REGION = 'PE';
const ADMIN_SCOPE = 'rollout:read rollout:write accounts:read accounts:write';
// Counts flush at once, so the guard reads them right after the decisions.
const VARS = { METRICS_FLUSH_INTERVAL: 'PT0S' };

let previous: PreviousTree;
const started: LocalWorker[] = [];

beforeAll(() => {
  previous = previousTree();
  buildAssets(process.cwd());
  console.info(`previous release ${releases.previous.version} at ${releases.previous.commit.slice(0, 12)}: dependencies ${previous.dependencies}, ready in ${previous.seconds} s`);
}, 300_000);

afterAll(() => {
  for (const worker of started) worker.stop();
});

async function start(front: string, objects: string, names: [string, string]): Promise<LocalWorker> {
  const worker = await startPairing({ front, objects, names, vars: VARS });
  started.push(worker);
  return worker;
}

/** The scenario on `gate`: every answer, as one line each. */
async function scenario(gate: LocalWorker): Promise<string[]> {
  const answers: string[] = [];
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const admin = await mintAdminToken({ scope: ADMIN_SCOPE, sub: 'two-versions@ops' });
  const adminCall = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gate.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
  };
  const device = async (account: string, id: string, type: string, ip: string, method = 'GET', path = '/gate/v1/decision', body?: unknown) => {
    const token = await mintDeviceToken({ account, device: id, type, ttlSeconds: 600 });
    return deviceCall(token, ip, method, path, body);
  };
  const deviceCall = async (token: string, ip: string, method = 'GET', path = '/gate/v1/decision', body?: unknown) => {
    const response = await fetch(`${gate.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'CF-Connecting-IP': ip, 'Hearth-Sim-Country': REGION, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
  };
  const decision = (answer: { status: number; body: Record<string, any> }, reason = true) => [answer.status, answer.body.decision ?? '', reason ? (answer.body.reason ?? '') : ''].join(' ').trim();
  const rule = async () => (await adminCall('GET', '/admin/v1/rollout')).body.regions?.[REGION] ?? {};
  const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean, ms: number): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await read();
      if (done(value) || Date.now() > deadline) return value;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  // A rule with stages and a guard: 50 % for 2 s, then everyone; the guard trips above 70 % refused of 3 households.
  const set = await adminCall('PUT', `/admin/v1/rollout/${REGION}`, {
    mode: 'enforce',
    stages: [{ percent: 50, hold: 'PT2S' }, { percent: 100 }],
    guard: { maxRefusalRate: 0.7, minHouseholds: 3, window: 'PT5M' },
    note: 'two versions',
  });
  answers.push(`rule set: ${set.status}`);
  const first = await rule();
  answers.push(`rule: ${first.mode} ${first.percent}% ${first.status}`);
  const advanced = await until(rule, (r) => r.percent === 100, 15_000);
  answers.push(`rule: ${advanced.mode} ${advanced.percent}% ${advanced.status}`);

  // A household forms, a code verifies, a device signs itself out.
  const account = `acct-two-${run}`;
  const home = (host: number) => `203.0.113.${host}`;
  const away = '198.51.100.77';
  const tvToken = await mintDeviceToken({ account, device: 'tv', type: 'tv', ttlSeconds: 600 });
  answers.push(`tv at home: ${decision(await deviceCall(tvToken, home(10)))}`);
  const phoneToken = await mintDeviceToken({ account, device: 'phone', type: 'mobile', ttlSeconds: 600 });
  answers.push(`phone at home: ${decision(await deviceCall(phoneToken, home(11)), false)}`);
  const tabletToken = await mintDeviceToken({ account, device: 'tablet', type: 'tablet', ttlSeconds: 600 });
  answers.push(`tablet away: ${decision(await deviceCall(tabletToken, away))}`);
  const asked = await deviceCall(tabletToken, away, 'POST', '/gate/v1/challenges', {});
  answers.push(`tablet asks a code: ${asked.status}`);
  const code = await codeFor(gate, account, 'tablet');
  const verified = await deviceCall(tabletToken, away, 'POST', `/gate/v1/challenges/${asked.body.challengeId}/verify`, { code });
  answers.push(`tablet verifies the code: ${verified.status}`);
  answers.push(`tablet away: ${decision(await deviceCall(tabletToken, away), false)}`);
  const listed = async () =>
    ((await deviceCall(tvToken, home(10), 'GET', '/gate/v1/household/devices')).body.devices ?? [])
      .map((d: { deviceId: string; status: string }) => `${d.deviceId} ${d.status}`)
      .toSorted()
      .join(', ');
  answers.push(`household lists: ${await listed()}`);
  const signedOut = await deviceCall(phoneToken, home(11), 'DELETE', '/gate/v1/household/devices/phone');
  answers.push(`phone signs itself out: ${signedOut.status}`);
  answers.push(`phone after its sign-out: ${decision(await deviceCall(phoneToken, home(11)))}`);
  answers.push(`household lists: ${await listed()}`);

  // The guard: three more households, each a TV at home (allowed) and a phone away (refused).
  for (let i = 1; i <= 3; i++) {
    await device(`${account}-g${i}`, 'tv', 'tv', `203.0.113.${100 + i}`);
    await device(`${account}-g${i}`, 'phone', 'mobile', `198.51.100.${100 + i}`);
  }
  const tripped = await until(rule, (r) => r.status === 'tripped', 20_000);
  const households = tripped.reading?.households ?? tripped.trippedBy?.households ?? {};
  answers.push(`guard: ${households.treated} households treated, ${households.refused} refused`);
  answers.push(`rule: ${tripped.status}`);
  answers.push(`region after the trip: ${(await device(`${account}-after`, 'phone', 'mobile', away)).body.mode}`);

  // The counts the front flushed to the region's objects, read back through the front.
  const totals = (await adminCall('GET', `/admin/v1/metrics?region=${REGION}`)).body.regions?.[REGION]?.totals?.sessions ?? {};
  answers.push(`metrics: sessions allow ${totals.allow}, challenge ${totals.challenge}, deny ${totals.deny}`);

  // An erase.
  answers.push(`account erased: ${(await adminCall('DELETE', `/admin/v1/accounts/${account}`)).status}`);
  // The erase refuses every token issued at or before its second: a TV token minted before it.
  answers.push(`tv after the erase: ${decision(await deviceCall(tvToken, home(10)))}`);
  const support = await adminCall('GET', `/admin/v1/accounts/${account}`);
  answers.push(`support after the erase: ${support.status} ${support.body.reason}`);
  await adminCall('DELETE', `/admin/v1/rollout/${REGION}`);
  return answers;
}

/** The code the development delivery wrote to the gate's log for `device` of `account`. */
async function codeFor(gate: LocalWorker, account: string, device: string): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const line = gate
      .output()
      .split('\n')
      .findLast((l) => l.includes('verification_code_development_delivery') && l.includes(`"accountId":"${account}"`) && l.includes(`"deviceId":"${device}"`));
    const code = line?.match(/"code":"(\d{6})"/)?.[1];
    if (code) return code;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no code for ${account}/${device} in the gate's log`);
}

const healthz = async (gate: LocalWorker) => ((await (await fetch(`${gate.url}/healthz`)).json()) as { version: string }).version;

describe.runIf(process.env.HEARTH_TWO_VERSIONS_ALONE === '1')('each release alone', () => {
  it.each([
    ['previous', () => previous.dir],
    ['current', () => process.cwd()],
  ])(
    'the %s release answers ANSWERS',
    async (_name, tree) => {
      const gate = await startLocalWorker({ cwd: tree(), envFile: '.dev.vars', vars: VARS });
      started.push(gate);
      expect(await scenario(gate)).toEqual(ANSWERS);
    },
    180_000,
  );
});

describe(`releases ${releases.previous.version} and ${releases.current.version} side by side`, () => {
  it(`${releases.previous.version}'s Worker over ${releases.current.version}'s Durable Objects answers as either alone`, async () => {
    const gate = await start(previous.dir, process.cwd(), ['hearth-a-previous', 'hearth-a-current']);
    expect(await healthz(gate)).toMatch(/^(0\.1\.0|1\.3\.0)/);
    expect(await scenario(gate)).toEqual(ANSWERS);
  }, 180_000);

  it(`${releases.current.version}'s Worker over ${releases.previous.version}'s Durable Objects answers as either alone`, async () => {
    const gate = await start(process.cwd(), previous.dir, ['hearth-b-current', 'hearth-b-previous']);
    expect(await healthz(gate)).toMatch(new RegExp(`^${releases.current.version.replaceAll('.', '\\.')}`));
    expect(await scenario(gate)).toEqual(ANSWERS);
  }, 180_000);
});
