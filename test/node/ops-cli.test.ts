import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { calculateJwkThumbprint } from 'jose';
import { makeDeviceKeyPair, mintDeviceProof, mintDeviceToken } from '../../dev/tokens.ts';
import { ADMIN_SCOPES } from '../../src/vocabulary.ts';

const run = promisify(execFile);
const gateUrl = inject('gateUrl');
const ALL = ADMIN_SCOPES.join(' ');

async function ops(args: string[], env: Record<string, string | undefined> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['scripts/ops.ts', ...args], { env: { ...process.env, HEARTH_URL: gateUrl, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Tests that run the CLI many times: on a busy machine each run takes seconds. */
const CLI_TIMEOUT = 180_000;

let token = '';
const asAdmin = (args: string[]) => ops(args, { HEARTH_ADMIN_TOKEN: token });

/** A pass-through in front of the gate that notes each request line, as a proxy's access log would. */
async function recordingProxy() {
  const requestLines: string[] = [];
  const server = createServer(async (request, response) => {
    requestLines.push(`${request.method} ${request.url}`);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'content-type', 'accept-language']) if (typeof request.headers[name] === 'string') headers[name] = request.headers[name];
    const upstream = await fetch(`${gateUrl}${request.url}`, { method: request.method!, headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) });
    response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    response.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requestLines, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

beforeAll(async () => {
  const minted = await ops(['admin-token', '--scope', ALL, '--sub', 'cli-test@ops']);
  token = minted.stdout.trim();
});

describe('ops CLI against a running gate', () => {
  it('mints a development admin token, saying so', async () => {
    const minted = await ops(['admin-token', '--scope', 'audit:read']);
    expect(minted.code).toBe(0);
    expect(minted.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(minted.stderr).toContain('DEVELOPMENT');
  });

  it('walks a rollout plan: monitor everywhere, challenge 10% of Peru, enforce', async () => {
    const monitor = await asAdmin(['rollout', 'set', '*', 'monitor', '--note', 'Monitor everywhere']);
    expect(monitor.code).toBe(0);
    expect(monitor.stdout).toMatch(/\*\s+monitor\s+100\s+open/);
    const peru = await asAdmin(['rollout', 'set', 'pe', 'challenge', '--percent', '10', '--note', 'Peru: challenge 10%']);
    expect(peru.stdout).toMatch(/PE\s+challenge\s+10\s+open/);
    const listed = JSON.parse((await asAdmin(['rollout', 'list', '--json'])).stdout);
    expect(listed.regions.PE).toMatchObject({ mode: 'challenge', percent: 10, updatedBy: 'cli-test@ops' });
    const enforce = await asAdmin(['rollout', 'set', 'PE', 'enforce', '--fail-closed', '--if-match', String(listed.version), '--note', 'Peru: enforce']);
    expect(enforce.code).toBe(0);
    expect(enforce.stdout).toMatch(/PE\s+enforce\s+100\s+closed/);
  });

  it('explains a 412 in words, with the version to retry with', async () => {
    const { version } = JSON.parse((await asAdmin(['rollout', 'list', '--json'])).stdout);
    const stale = await asAdmin(['rollout', 'set', 'CL', 'monitor', '--if-match', String(version - 1), '--note', 'stale']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(`now at version ${version}`);
    expect(stale.stderr).toContain(`--if-match ${version}`);
  });

  it('explains a 401 and a 403 with what to do', async () => {
    const missing = await ops(['rollout', 'list'], { HEARTH_ADMIN_TOKEN: undefined });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('HEARTH_ADMIN_TOKEN is not set');
    const bad = await ops(['rollout', 'list'], { HEARTH_ADMIN_TOKEN: 'not-a-token' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('refused this admin token (TOKEN_INVALID)');
    const readOnly = (await ops(['admin-token', '--scope', 'rollout:read'])).stdout.trim();
    const short = await ops(['rollout', 'set', 'PE', 'off', '--note', 'x'], { HEARTH_ADMIN_TOKEN: readOnly });
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('lacks the “rollout:write” scope');
  });

  it('shows the audit trail as a table and as JSON', async () => {
    const table = await asAdmin(['audit', '--limit', '3']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/id\s+at\s+actor\s+action/);
    expect(table.stdout).toContain('rollout.set');
    const json = JSON.parse((await asAdmin(['audit', '--limit', '2', '--json'])).stdout);
    expect(json.entries).toHaveLength(2);
    expect(json.nextCursor).toEqual(expect.any(String));
  });

  it('shows control characters in server text escaped, so no audit line can be hidden or rewritten', async () => {
    const account = `cli-escape-${Date.now()}`;
    // An accounts:write holder writes ESC sequences (erase the line, return) and a right-to-left override into a reason.
    const reason = 'Family trip \x1b[2K\rall clear \u202eenilno\u2066 \x9b31m end';
    const granted = await asAdmin(['account', 'grant', account, '--days', '7', '--reason', reason, '--device', 'phone', '--yes']);
    expect(granted.code).toBe(0);
    // oxlint-disable-next-line no-control-regex -- what the test looks for
    const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

    // The audit entry travels from the account's object to the log: poll briefly.
    let audit = await asAdmin(['audit', '--limit', '5']);
    for (let i = 0; i < 50 && !audit.stdout.includes('Family trip'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      audit = await asAdmin(['audit', '--limit', '5']);
    }
    expect(audit.code).toBe(0);
    expect(audit.stdout).toContain('Family trip \\x1b[2K\\rall clear \\u202eenilno\\u2066 \\x9b31m end');
    expect(audit.stdout).not.toMatch(raw);
    const shown = await asAdmin(['account', 'show', account]);
    expect(shown.stdout).toContain('\\x1b[2K\\r');
    expect(shown.stdout).not.toMatch(raw);
    // JSON keeps the value exact, with every such character as a \u escape.
    const json = await asAdmin(['audit', '--limit', '5', '--json']);
    expect(json.stdout).not.toMatch(raw);
    expect(JSON.parse(json.stdout).entries.some((entry: { note: string | null }) => entry.note === reason)).toBe(true);
  });

  it('supports an account: show, explain, grant, extra member, erase', async () => {
    const account = `cli-${Date.now()}`;
    const tv = await mintDeviceToken({ account, device: 'tv', type: 'tv', ttlSeconds: 600 });
    const home = await fetch(`${gateUrl}/gate/v1/decision`, { headers: { Authorization: `Bearer ${tv}`, 'CF-Connecting-IP': '203.0.113.9', 'Hearth-Sim-Country': 'PE' } });
    expect(home.status).toBe(200);
    // The household is written off the hot path (waitUntil): wait until support can see it.
    let shown = await asAdmin(['account', 'show', account]);
    for (let i = 0; i < 50 && shown.code !== 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      shown = await asAdmin(['account', 'show', account]);
    }
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('household established');
    expect(shown.stdout).toMatch(/tv\s+tv\s+home/);
    // Each home network as support reads it: shared or not, and by how many households (never an address).
    expect(shown.stdout).toMatch(/Home networks\n(?:.*\n){2}1\s+not shared \(1 household\)/);
    expect(shown.stdout).not.toContain('203.0.113');

    // The address goes in the body of a POST: no request line (what proxies and logs keep) carries it.
    const proxy = await recordingProxy();
    const explained = await ops(['account', 'explain', account, '--device', 'phone', '--ip', '198.51.100.1', '--country', 'PE'], { HEARTH_ADMIN_TOKEN: token, HEARTH_URL: proxy.url });
    await proxy.close();
    expect(explained.stdout).toMatch(/^(CHALLENGE|DENY|ALLOW) — /);
    expect(explained.stdout).toMatch(/11\s+None of the above: outside the household\s+yes — decides/);
    // (Then the account itself, by id alone: whether its household lists the device explained.)
    expect(proxy.requestLines).toEqual([`POST /admin/v1/accounts/${account}/explain`, `GET /admin/v1/accounts/${account}`]);

    const granted = await asAdmin(['account', 'grant', account, '--days', '7', '--reason', 'Family emergency abroad', '--device', 'phone']);
    expect(granted.stdout).toContain('until');
    const extra = await asAdmin(['account', 'extra-member', 'add', account, 'student', '--label', 'Sofía']);
    expect(extra.stdout).toContain('holds an extra-member slot');
    const summary = JSON.parse((await asAdmin(['account', 'show', account, '--json'])).stdout);
    expect(summary.grants).toHaveLength(1);
    expect(summary.extraMembers).toEqual([expect.objectContaining({ deviceId: 'student', label: 'Sofía' })]);

    expect((await asAdmin(['account', 'erase', account])).code).toBe(2);
    const erased = await asAdmin(['account', 'erase', account, '--yes']);
    expect(erased.code).toBe(0);
    expect(erased.stdout).toContain('DEVICE_REVOKED');
    const gone = await asAdmin(['account', 'show', account]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('ACCOUNT_NOT_FOUND');
  });

  it('shows each device’s key by its short thumbprint, the anchor conflicts, and what the owner was told, newest first', async () => {
    const account = `cli-keys-${Date.now()}`;
    // A home network of its own (the gate keys an IPv6 network on its /56).
    const at = { 'CF-Connecting-IP': '2001:db8:44:4400::10', 'Hearth-Sim-Country': 'PE' };
    const decision = `${gateUrl}/gate/v1/decision`;
    // The TV holds a key pair: its token is bound to it and every request carries a proof (contract §2.1).
    const keys = await makeDeviceKeyPair();
    const tv = await mintDeviceToken({ account, device: 'tv', type: 'tv', ttlSeconds: 600, bindTo: keys.publicJwk });
    const proof = () => mintDeviceProof({ privateJwk: keys.privateJwk, method: 'GET', url: decision, token: tv });
    expect((await fetch(decision, { headers: { ...at, Authorization: `DPoP ${tv}`, DPoP: await proof() } })).status).toBe(200);
    const phone = await mintDeviceToken({ account, device: 'phone', type: 'mobile', ttlSeconds: 600 });
    expect((await fetch(decision, { headers: { ...at, Authorization: `Bearer ${phone}` } })).status).toBe(200);
    // The phone signs itself out; then a token for the TV's id comes without its key, and is refused.
    expect((await fetch(`${gateUrl}/gate/v1/household/devices/phone`, { method: 'DELETE', headers: { ...at, Authorization: `Bearer ${phone}` } })).status).toBe(204);
    const copy = await mintDeviceToken({ account, device: 'tv', type: 'tv', ttlSeconds: 600 });
    expect((await fetch(decision, { headers: { 'CF-Connecting-IP': '198.51.100.44', 'Hearth-Sim-Country': 'PE', Authorization: `Bearer ${copy}` } })).status).toBe(401);

    // The refused key is told off the hot path: wait until support sees both events.
    let summary = JSON.parse((await asAdmin(['account', 'show', account, '--json'])).stdout);
    for (let i = 0; i < 50 && summary.events.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      summary = JSON.parse((await asAdmin(['account', 'show', account, '--json'])).stdout);
    }
    const thumbprint = (await calculateJwkThumbprint(keys.publicJwk, 'sha256')).slice(0, 8);
    expect(summary.devices).toEqual(expect.arrayContaining([expect.objectContaining({ deviceId: 'tv', bound: true, keyThumbprint: thumbprint })]));

    const shown = await asAdmin(['account', 'show', account]);
    expect(shown.code).toBe(0);
    const deviceLine = (id: string) => shown.stdout.split('\n').find((line) => line.startsWith(`${id} `));
    expect(deviceLine('tv')).toMatch(/^tv\s+tv\s+home\s+key (\S{8})…/);
    expect(/key (\S{8})…/.exec(deviceLine('tv')!)?.[1]).toBe(thumbprint);
    expect(deviceLine('phone')).toMatch(/^phone\s+mobile\s+signed-out\s+not bound/);
    expect(shown.stdout).toContain('Anchor conflicts: none');
    // Newest first: the refused key, then the phone's own sign-out (with who signed it out).
    const events = shown.stdout.split('Household events')[1]!.split('\n\n')[0]!.split('\n').slice(3);
    expect(events).toEqual([
      expect.stringMatching(/^\S+Z\s+tv \(tv\)\s+refused: a token for its id came with another key or none/),
      expect.stringMatching(/^\S+Z\s+phone \(mobile\)\s+signed out\s+by the device itself \(self\)\s+PE$/),
    ]);
    // The whole key is never shown.
    expect(shown.stdout).not.toContain(await calculateJwkThumbprint(keys.publicJwk, 'sha256'));
  });

  it('shows a region’s counts as a table with sparklines, and previews a rule in a sentence', async () => {
    const account = `cli-metrics-${Date.now()}`;
    const call = async (path: string, device: string, type: string, ip: string) => {
      const deviceToken = await mintDeviceToken({ account, device, type: type as 'tv', ttlSeconds: 600 });
      const response = await fetch(`${gateUrl}${path}`, { headers: { Authorization: `Bearer ${deviceToken}`, 'CF-Connecting-IP': ip, 'Hearth-Sim-Country': 'MX' } });
      await response.arrayBuffer();
    };
    await call('/gate/v1/decision', 'tv', 'tv', '203.0.113.30');
    for (let i = 0; i < 3; i++) await call('/gate/v1/decision', `phone-${i}`, 'mobile', '198.51.100.30');
    for (let i = 0; i < 5; i++) await call(`/titles/1/seg-${i}.ts`, 'tv', 'tv', '203.0.113.30');

    // The decisions above flush at the end of each request in this gate; poll briefly for the last one.
    let totals: Record<string, any> = {};
    for (let i = 0; i < 50; i++) {
      const answer = await asAdmin(['metrics', 'MX', '--json']);
      totals = JSON.parse(answer.stdout).regions.MX?.totals ?? {};
      if (totals.segments?.allow === 5 && totals.sessions?.allow === 4) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(totals.sessions).toEqual({ allow: 4, challenge: 0, deny: 0 });
    expect(totals.segments).toEqual({ allow: 5, challenge: 0, deny: 0 });
    expect(totals.wouldRefuse).toEqual({ sessions: 3, segments: 0 });

    const shown = await asAdmin(['metrics', 'MX']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/sessions\s+4\s+0\s+0\s+3 \(75%\)/);
    expect(shown.stdout).toMatch(/sessions\s+[▁▂▃▄▅▆▇█]+\s+\(max \d+ per step\)/);
    expect(shown.stdout).toContain('top reasons   IN_HOUSEHOLD 5, OUTSIDE_HOUSEHOLD 3, HOUSEHOLD_ESTABLISHED 1');
    expect(shown.stdout).toContain('shared nets   0 sessions from shared networks (carrier-grade NAT, dorms, hotels); enforce would refuse 0 (0%). Home by network ');

    const preview = await asAdmin(['rollout', 'preview', 'MX', 'enforce', '--percent', '100']);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain('Enforce at 100% in MX would have refused 3 of 4 sessions in the last hour (75%), 0 on TVs.');
    expect(preview.stdout).toContain('nothing was changed');
    const rollout = JSON.parse((await asAdmin(['rollout', 'list', '--json'])).stdout);
    expect(rollout.regions.MX).toBeUndefined();

    const badStep = await asAdmin(['metrics', 'MX', '--step', 'PT30S']);
    expect(badStep.code).toBe(1);
    expect(badStep.stderr).toContain('field: step');
    expect((await asAdmin(['metrics', '--since', 'yesterday'])).code).toBe(2);

    // A region with nothing counted is absent, and said so in words.
    const empty = await asAdmin(['metrics', 'ZZ']);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('No decisions counted in ZZ since');
    // 47 hours of minutes over four more regions is past 10,000 points: refused, naming step, with what to do.
    for (const country of ['GT', 'HN', 'NI', 'SV']) {
      const tv = await mintDeviceToken({ account: `${account}-${country}`, device: 'tv', type: 'tv', ttlSeconds: 600 });
      await (await fetch(`${gateUrl}/gate/v1/decision`, { headers: { Authorization: `Bearer ${tv}`, 'CF-Connecting-IP': '203.0.113.31', 'Hearth-Sim-Country': country } })).arrayBuffer();
    }
    let tooMany = await asAdmin(['metrics', '--since', 'PT47H']);
    for (let i = 0; i < 50 && tooMany.code === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      tooMany = await asAdmin(['metrics', '--since', 'PT47H']);
    }
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toContain('field: step');
    expect(tooMany.stderr).toContain('at most 10,000');
    expect((await asAdmin(['metrics', 'GT', '--since', 'PT47H'])).code).toBe(0);
  });

  it('sets a staged, guarded rule in one command, shows its status, and resumes it after a trip', async () => {
    // Households form under the default (monitor) first: their TVs at home, their phones never.
    const phones: string[] = [];
    const accounts: string[] = [];
    for (let i = 0; i < 3; i++) {
      const account = `cli-guard-${Date.now()}-${i}`;
      const tv = await mintDeviceToken({ account, device: 'tv', type: 'tv', ttlSeconds: 600 });
      await (await fetch(`${gateUrl}/gate/v1/decision`, { headers: { Authorization: `Bearer ${tv}`, 'CF-Connecting-IP': `203.0.${40 + i}.1`, 'Hearth-Sim-Country': 'BO' } })).arrayBuffer();
      phones.push(await mintDeviceToken({ account, device: 'phone', type: 'mobile', ttlSeconds: 600 }));
      accounts.push(account);
    }
    // The households are written off the hot path (waitUntil): wait until support can read each.
    for (const account of accounts) {
      await expect.poll(async () => (await fetch(`${gateUrl}/admin/v1/accounts/${account}`, { headers: { Authorization: `Bearer ${token}` } })).status, { timeout: 20_000 }).toBe(200);
    }

    const set = await asAdmin(['rollout', 'set', 'BO', 'enforce', '--stages', '10:PT1H,50:P2D,100', '--guard', 'refusal<0.5,verify>0.2,sessions>=3,window=PT5M', '--note', 'Bolivia, guarded']);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/BO\s+enforce\s+10\s+open\s+stage 1\/3, next 50% at \S+\s+refused ≤ 50.0%, verified ≥ 20.0% over PT5M, ≥ 3 households; no reading yet/);
    const rule = JSON.parse((await asAdmin(['rollout', 'list', '--json'])).stdout).regions.BO;
    expect(rule).toMatchObject({
      stages: [{ percent: 10, hold: 'PT1H' }, { percent: 50, hold: 'P2D' }, { percent: 100 }],
      guard: { maxRefusalRate: 0.5, minVerifySuccessRate: 0.2, minHouseholds: 3, window: 'PT5M' },
    });

    // The same guard on all of Bolivia; three phones away are refused, and it trips on their counts (flushed at once in this gate).
    expect((await asAdmin(['rollout', 'set', 'BO', 'enforce', '--guard', 'refusal<0.5,sessions>=3,window=PT5M', '--note', 'Bolivia, all'])).code).toBe(0);
    for (const phone of phones) {
      await (await fetch(`${gateUrl}/gate/v1/decision`, { headers: { Authorization: `Bearer ${phone}`, 'CF-Connecting-IP': '198.51.100.60', 'Hearth-Sim-Country': 'BO' } })).arrayBuffer();
    }
    let listed = '';
    for (let i = 0; i < 50 && !listed.includes('TRIPPED'); i++) {
      listed = (await asAdmin(['rollout', 'list'])).stdout;
      if (!listed.includes('TRIPPED')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(listed).toMatch(/BO\s+enforce\s+100\s+open\s+TRIPPED \S+ \(monitor until resumed\)\s+refused ≤ 50.0% over PT5M, ≥ 3 households; read 3\/3 households refused \(100.0%\)/);

    expect((await asAdmin(['rollout', 'resume', 'BO'])).code).toBe(2);
    const resumed = await asAdmin(['rollout', 'resume', 'BO', '--note', 'reviewed: a test']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('Resumed BO: enforce at 100%');
    expect((await asAdmin(['rollout', 'resume', 'BO', '--note', 'again'])).code).toBe(2);
    const bad = await asAdmin(['rollout', 'set', 'BO', 'enforce', '--stages', '10:P1M,50', '--note', 'months']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('field: stages.0.hold');
  });

  it(
    'takes the --guard grammar --help writes: <= and >= as written, households (sessions its former name), spaces allowed',
    async () => {
      const help = await ops(['--help']);
      for (const term of ['refusal<=RATE', 'verify>=RATE', 'households>=N', 'sessions>=N is its former name', 'window=DURATION']) expect(help.stdout).toContain(term);
      const set = await asAdmin(['rollout', 'set', 'EC', 'monitor', '--guard', 'refusal<=0.05, verify>=0.5, households>=4, window=pt15m', '--note', 'Ecuador, guarded']);
      expect(set.code).toBe(0);
      expect(set.stdout).toMatch(/EC\s+monitor\s+100\s+open\s+\S+\s+refused ≤ 5.0%, verified ≥ 50.0% over PT15M, ≥ 4 households; no reading yet/);
      const guardOf = async () => {
        const guard = JSON.parse((await asAdmin(['rollout', 'list', '--json'])).stdout).regions.EC.guard;
        return { ...guard, minimum: guard.minHouseholds ?? guard.minSessions };
      };
      expect(await guardOf()).toMatchObject({ maxRefusalRate: 0.05, minVerifySuccessRate: 0.5, minimum: 4, window: 'PT15M' });
      expect((await asAdmin(['rollout', 'set', 'EC', 'monitor', '--guard', 'refusal<0.1,sessions>=7,window=PT5M', '--note', 'former names'])).code).toBe(0);
      expect(await guardOf()).toMatchObject({ maxRefusalRate: 0.1, minimum: 7, window: 'PT5M' });
      const backwards = await asAdmin(['rollout', 'set', 'EC', 'monitor', '--guard', 'refusal>=0.1,window=PT5M', '--note', 'x']);
      expect(backwards.code).toBe(2);
      expect(backwards.stderr).toContain('"refusal>=0.1" needs refusal<= or refusal<');
      const unknown = await asAdmin(['rollout', 'set', 'EC', 'monitor', '--guard', 'errors<0.1,window=PT5M', '--note', 'x']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('refusal<=RATE, verify>=RATE, livehere<=RATE, households>=N, window=DURATION');
      expect((await asAdmin(['rollout', 'set', 'EC', 'monitor', '--guard', 'households>=many,refusal<0.1,window=PT5M', '--note', 'x'])).stderr).toContain('needs a number');
      expect((await asAdmin(['rollout', 'delete', 'EC'])).code).toBe(0);
    },
    CLI_TIMEOUT,
  );

  it('mints no device token without --type: a TV minted as a phone would silently never form a household', async () => {
    const minted = await run(process.execPath, ['scripts/mint-token.ts', '--account', 'acct-cli', '--device', 'tv']).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect(minted).toMatchObject({ code: 2, stdout: '' });
    expect(minted.stderr).toContain('--type is required: one of tv, mobile');
  });

  it('answers usage mistakes with exit 2 and a pointer to --help', async () => {
    const wrong = await asAdmin(['rollout', 'set', 'PE']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--help');
    expect((await asAdmin(['rollout', 'set', 'PE', 'enforce'])).stderr).toContain('--note');
  });

  const SET_USAGE = 'Usage: npm run ops -- rollout set REGION MODE --note "why"';
  /** What Node prints for an uncaught error: never for a mistake in the command line. */
  const STACK_TRACE = /^\s+at |node:internal|ERR_PARSE_ARGS/m;

  it(
    'refuses an unknown option with the usage line, not a stack trace, and changes nothing',
    async () => {
      const before = JSON.parse((await asAdmin(['rollout', 'list', '--json'])).stdout).version;
      const typo = await asAdmin(['rollout', 'set', 'PE', 'enforce', '--percnt', '20', '--note', 'typo']);
      expect(typo.code).toBe(2);
      expect(typo.stderr).toContain("unknown option '--percnt'");
      expect(typo.stderr).toContain(SET_USAGE);
      expect(typo.stderr).not.toMatch(STACK_TRACE);
      // An option another command takes is as wrong here as one no command takes.
      const elsewhere = await asAdmin(['rollout', 'delete', 'PE', '--note', 'done']);
      expect(elsewhere.code).toBe(2);
      expect(elsewhere.stderr).toContain('rollout delete does not take --note');
      const noValue = await asAdmin(['audit', '--limit']);
      expect(noValue.code).toBe(2);
      expect(noValue.stderr).not.toMatch(STACK_TRACE);
      expect(JSON.parse((await asAdmin(['rollout', 'list', '--json'])).stdout).version).toBe(before);
    },
    CLI_TIMEOUT,
  );

  it(
    'refuses extra words, [--fail-closed] copied from a usage line among them, leaving the rule as it was',
    async () => {
      expect((await asAdmin(['rollout', 'set', 'UY', 'challenge', '--note', 'Uruguay: challenge'])).code).toBe(0);
      const bracketed = await asAdmin(['rollout', 'set', 'UY', 'enforce', '--note', 'Uruguay: enforce', '[--fail-closed]']);
      expect(bracketed.code).toBe(2);
      expect(bracketed.stderr).toContain('unexpected "[--fail-closed]"');
      expect(bracketed.stderr).toContain(SET_USAGE);
      const rule = JSON.parse((await asAdmin(['rollout', 'list', '--json'])).stdout).regions.UY;
      expect(rule).toMatchObject({ mode: 'challenge', failOpen: true });
      const extra = await asAdmin(['account', 'show', 'acct-1', 'acct-2']);
      expect(extra.code).toBe(2);
      expect(extra.stderr).toContain('unexpected "acct-2"');
      expect(extra.stderr).toContain('Usage: npm run ops -- account show ACCOUNT');
      const verb = await asAdmin(['rollout', 'sett', 'UY']);
      expect(verb.code).toBe(2);
      expect(verb.stderr).toContain('rollout takes list, set, delete, resume, preview, pending, approve, reject, not "sett"');
      expect((await asAdmin(['rollout', 'delete', 'UY'])).code).toBe(0);
    },
    CLI_TIMEOUT,
  );

  it(
    'answers no arguments with the usage and a failing exit; --help with the usage and success',
    async () => {
      const nothing = await ops([]);
      expect(nothing.code).toBe(2);
      expect(nothing.stderr).toContain('Usage: npm run ops -- COMMAND');
      expect(nothing.stderr).toContain('rollout set');
      const help = await ops(['--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('account extra-member add');
    },
    CLI_TIMEOUT,
  );

  it(
    'explains one command with --help, the --stages and --guard grammar included',
    async () => {
      const help = await ops(['rollout', 'set', '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(SET_USAGE);
      for (const term of ['--stages PERCENT:HOLD,...,PERCENT', 'the last stage has no hold', 'refusal<=RATE', 'verify>=RATE', 'households>=N', 'window=DURATION', '--fail-closed'])
        expect(help.stdout).toContain(term);
      const grant = await ops(['account', 'grant', '--help']);
      expect(grant.code).toBe(0);
      expect(grant.stdout).toContain('Usage: npm run ops -- account grant ACCOUNT --days N --reason "why"');
      expect(grant.stdout).not.toContain('--guard');
    },
    CLI_TIMEOUT,
  );

  it(
    'warns that a rule for a region no request carries can never apply, and sets it only with --yes',
    async () => {
      for (const [region, why] of [
        ['XX', 'follow the * rule'],
        ['EU', 'not a country'],
        ['UK', 'requests from there carry GB'],
        ['QQ', 'not a country code'],
      ] as const) {
        const refused = await asAdmin(['rollout', 'set', region, 'enforce', '--note', 'never applies']);
        expect(refused.code).toBe(2);
        expect(refused.stderr).toContain(`a rule for ${region} can never apply`);
        expect(refused.stderr).toContain(why);
        expect(refused.stderr).toContain('Nothing was changed. Add --yes');
      }
      expect(JSON.parse((await asAdmin(['rollout', 'list', '--json'])).stdout).regions.XX).toBeUndefined();
      const meant = await asAdmin(['rollout', 'set', 'XX', 'monitor', '--note', 'meant', '--yes']);
      expect(meant.code).toBe(0);
      expect(meant.stderr).toContain('can never apply');
      expect(JSON.parse((await asAdmin(['rollout', 'list', '--json'])).stdout).regions.XX).toMatchObject({ mode: 'monitor' });
      expect((await asAdmin(['rollout', 'delete', 'XX'])).code).toBe(0);
      // Real countries and * need no confirmation.
      expect((await asAdmin(['rollout', 'set', 'PY', 'monitor', '--note', 'Paraguay'])).stderr).toBe('');
    },
    CLI_TIMEOUT,
  );

  it(
    'warns before a grant or an extra member for an account Hearth has never seen, and goes on only with --yes',
    async () => {
      const typo = `cli-never-seen-${Date.now()}`;
      const grant = await asAdmin(['account', 'grant', typo, '--days', '7', '--reason', 'Trip']);
      expect(grant.code).toBe(2);
      expect(grant.stderr).toContain(`Hearth has never seen account ${typo}`);
      expect(grant.stderr).toContain('Add --yes to grant anyway');
      const member = await asAdmin(['account', 'extra-member', 'add', typo, 'student']);
      expect(member.code).toBe(2);
      expect(member.stderr).toContain(`Hearth has never seen account ${typo}`);
      // Nothing was written: the account is still unknown.
      expect((await asAdmin(['account', 'show', typo])).stderr).toContain('ACCOUNT_NOT_FOUND');
      const meant = await asAdmin(['account', 'grant', typo, '--days', '7', '--reason', 'Trip', '--yes']);
      expect(meant.code).toBe(0);
      expect(meant.stdout).toContain('until');
    },
    CLI_TIMEOUT,
  );

  it(
    'says when the audit trail has no older entries',
    async () => {
      const all = JSON.parse((await asAdmin(['audit', '--limit', '1', '--json'])).stdout);
      const newest = Number(all.entries[0].id);
      const last = await asAdmin(['audit', '--cursor', '1']);
      expect(last.code).toBe(0);
      expect(last.stdout).toContain('No older entries');
      const page = await asAdmin(['audit', '--limit', '200', '--cursor', String(newest + 1)]);
      expect(page.stdout).toMatch(/No older entries|Older entries: npm run ops -- audit --cursor/);
    },
    CLI_TIMEOUT,
  );

  it('says so when the gate cannot be reached', async () => {
    const away = await ops(['rollout', 'list'], { HEARTH_ADMIN_TOKEN: token, HEARTH_URL: 'http://127.0.0.1:9' });
    expect(away.code).toBe(1);
    expect(away.stderr).toContain('Could not reach the gate');
  });
});
