import { env, runInDurableObject } from 'cloudflare:test';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { householdKey } from '../../src/state/kv-keys';
import type { HouseholdStore } from '../../src/state/household-store';
import { callGate, household, newAccount, setRule, testEnv } from '../support/gate';
import { ownNetwork } from '../support/networks';
import { deviceToken } from '../support/tokens';
import { admin } from './admin-support';

const AWAY_IP = '198.51.100.20';

/** A household of a TV and a phone (seen away), at a home network of its own (no other household makes it shared). */
async function establishedAccount() {
  const account = newAccount('support');
  const home = ownNetwork();
  const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
  const phone = await deviceToken({ account, device: 'student-phone' });
  await callGate({ token: tv, ip: home.address(0x40), country: 'PE' });
  await callGate({ token: phone, ip: AWAY_IP, country: 'PE' });
  return { account, tv, phone, home };
}

/** `POST …/explain`: the address travels in the body, never in the URL. */
const explain = (account: string, body: Record<string, unknown>) => admin('POST', `/admin/v1/accounts/${account}/explain`, { body });

const decisionOf = async (token: string) => (await callGate({ token, ip: AWAY_IP, country: 'PE' })).json<Record<string, unknown>>();

describe('account support', () => {
  beforeEach(async () => {
    await setRule('PE', 'challenge');
  });

  it('summarises a household without any address', async () => {
    const { account, home } = await establishedAccount();
    const { status, body } = await admin('GET', `/admin/v1/accounts/${account}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ accountId: account, established: true, homeNetworkCount: 1, anchorDeviceId: 'tv', extraMemberSlots: { used: 0, total: 2 } });
    // The student's phone, challenged away from home, is not listed: a refused stranger is counted, never stored (contract §9).
    expect(body.devices.map((d: { deviceId: string }) => d.deviceId).toSorted()).toEqual(['tv']);
    const text = JSON.stringify(body);
    expect(text).not.toMatch(/198\.51\.100/);
    expect(text).not.toContain(home.prefix);
    expect(text).not.toContain('n1.');
  });

  it('answers 404 ACCOUNT_NOT_FOUND for an account it knows nothing of, and 400 for a malformed id', async () => {
    expect((await admin('GET', `/admin/v1/accounts/${newAccount('nobody')}`)).body.reason).toBe('ACCOUNT_NOT_FOUND');
    const malformed = await admin('GET', `/admin/v1/accounts/${encodeURIComponent('has space')}`);
    expect(malformed.status).toBe(400);
    expect(malformed.body.field).toBe('account');
  });

  it('explains a decision with a trace of every check, and changes nothing — not even "last seen"', async () => {
    const { account, home: network } = await establishedAccount();
    const before = await household(account);
    const kvBefore = await env.HEARTH_KV.get(householdKey(account));
    const home = await explain(account, { deviceId: 'brand-new', ip: network.address(0x200), country: 'pe' });
    expect(home.status).toBe(200);
    expect(home.body).toMatchObject({ decision: 'allow', reason: 'IN_HOUSEHOLD', networkIsHome: true, region: 'PE', mode: 'challenge', rule: { key: 'PE', mode: 'challenge' } });
    expect(home.body.trace.map((s: { row: number }) => s.row)).toEqual([1, 2, 1, 1, 3, 4, 5, 6]);
    const away = await explain(account, { deviceId: 'student-phone', ip: '192.0.2.1', country: 'PE' });
    expect(away.body).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD', networkIsHome: false });
    expect(away.body.trace.at(-1)).toMatchObject({ row: 11, matched: true });
    expect(JSON.stringify(away.body)).not.toContain('192.0.2.1');
    expect(await household(account)).toEqual(before);
    expect(await env.HEARTH_KV.get(householdKey(account))).toEqual(kvBefore);
  });

  it('refuses explain without a deviceId, with a bad country, an unknown field or an oversized body', async () => {
    const { account } = await establishedAccount();
    expect((await explain(account, {})).body.field).toBe('deviceId');
    expect((await explain(account, { deviceId: 'x', country: 'PER' })).body.field).toBe('country');
    expect((await explain(account, { deviceId: 'x', deviceType: 'fridge' })).body.field).toBe('deviceType');
    expect((await explain(account, { deviceId: 'x', address: '192.0.2.1' })).body.field).toBe('address');
    const malformed = await admin('POST', `/admin/v1/accounts/${account}/explain`, { raw: '{"deviceId":' });
    expect(malformed.status).toBe(400);
    const huge = await admin('POST', `/admin/v1/accounts/${account}/explain`, { body: { deviceId: 'x', country: 'PE', padding: 'x'.repeat(17 * 1024) } });
    expect(huge.status).toBe(413);
    expect(huge.body.reason).toBe('BODY_TOO_LARGE');
  });

  it('refuses an address in the URL: GET explain with ip is 400 naming ip and says to POST it', async () => {
    const { account } = await establishedAccount();
    const refused = await admin('GET', `/admin/v1/accounts/${account}/explain?deviceId=student-phone&ip=192.0.2.1&country=PE`);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ reason: 'INVALID_REQUEST', field: 'ip' });
    expect(refused.body.detail).toMatch(/POST/);
    expect(JSON.stringify(refused.body)).not.toContain('192.0.2.1');
  });

  it('answers POST with the decision and trace the GET without an address gives (kept for existing scripts)', async () => {
    const { account } = await establishedAccount();
    const posted = await explain(account, { deviceId: 'student-phone', country: 'PE' });
    const got = await admin('GET', `/admin/v1/accounts/${account}/explain?deviceId=student-phone&country=PE`);
    expect(got.status).toBe(200);
    expect(posted.status).toBe(200);
    expect(posted.body).toEqual(got.body);
    expect(posted.body).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
  });

  it('writes no log line holding the address explained (nor one refused in a URL)', async () => {
    const { account } = await establishedAccount();
    const lines: string[] = [];
    const capture = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) => vi.spyOn(console, level).mockImplementation(capture));
    try {
      expect((await explain(account, { deviceId: 'student-phone', ip: '192.0.2.77', country: 'PE' })).status).toBe(200);
      expect((await explain(account, { deviceId: 'bad id', ip: '192.0.2.77' })).status).toBe(400);
      expect((await admin('GET', `/admin/v1/accounts/${account}/explain?deviceId=x&ip=192.0.2.77`)).status).toBe(400);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(lines.join('\n')).not.toContain('192.0.2.77');
  });

  it('grants time-boxed access that the next request honours, and ends it', async () => {
    const { account, phone } = await establishedAccount();
    expect((await decisionOf(phone)).reason).toBe('OUTSIDE_HOUSEHOLD');
    const created = await admin('POST', `/admin/v1/accounts/${account}/grants`, { body: { deviceId: 'student-phone', days: 30, reason: 'University term abroad' } });
    expect(created.status).toBe(201);
    expect(Date.parse(created.body.expiresAt) - Date.now()).toBeGreaterThan(29.9 * 86_400_000);
    expect(await decisionOf(phone)).toMatchObject({ decision: 'allow', reason: 'SUPPORT_GRANT' });

    const ended = await admin('DELETE', `/admin/v1/accounts/${account}/grants/${created.body.grantId}`);
    expect(ended.status).toBe(204);
    expect((await decisionOf(phone)).reason).toBe('OUTSIDE_HOUSEHOLD');
    expect((await admin('DELETE', `/admin/v1/accounts/${account}/grants/${created.body.grantId}`)).body.reason).toBe('GRANT_NOT_FOUND');

    const { body } = await admin('GET', '/admin/v1/audit?limit=2');
    expect(body.entries.map((e: { action: string }) => e.action)).toEqual(['grant.end', 'grant.create']);
    expect(body.entries[1]).toMatchObject({ actor: 'ops@hearth.test', target: `accounts/${account}/grants/${created.body.grantId}`, note: 'University term abroad' });
  });

  it('grants the whole account when no device is named', async () => {
    const { account } = await establishedAccount();
    await admin('POST', `/admin/v1/accounts/${account}/grants`, { body: { days: 1, reason: 'Military posting' } });
    const other = await deviceToken({ account, device: 'any-device' });
    expect((await decisionOf(other)).reason).toBe('SUPPORT_GRANT');
  });

  it.each([
    [{ days: 0, reason: 'x' }, 'days'],
    [{ days: 181, reason: 'x' }, 'days'],
    [{ days: 1.5, reason: 'x' }, 'days'],
    [{ days: 10 }, 'reason'],
    [{ days: 10, reason: '   ' }, 'reason'],
    [{ days: 10, reason: 'x', deviceId: 'bad id' }, 'deviceId'],
  ])('refuses grant %j naming %s', async (body, field) => {
    const response = await admin('POST', `/admin/v1/accounts/${newAccount()}/grants`, { body });
    expect(response.status).toBe(400);
    expect(response.body.field).toBe(field);
  });

  it('gives extra-member slots up to EXTRA_MEMBER_SLOTS, then 409 SLOTS_EXHAUSTED', async () => {
    const { account, phone } = await establishedAccount();
    const added = await admin('POST', `/admin/v1/accounts/${account}/extra-members`, { body: { deviceId: 'student-phone', label: 'Sofía at university' } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ deviceId: 'student-phone', label: 'Sofía at university' });
    expect((await decisionOf(phone)).reason).toBe('EXTRA_MEMBER');
    expect((await admin('POST', `/admin/v1/accounts/${account}/extra-members`, { body: { deviceId: 'student-phone' } })).status).toBe(200);
    expect((await admin('POST', `/admin/v1/accounts/${account}/extra-members`, { body: { deviceId: 'second' } })).status).toBe(201);
    const full = await admin('POST', `/admin/v1/accounts/${account}/extra-members`, { body: { deviceId: 'third' } });
    expect(full.status).toBe(409);
    expect(full.body).toMatchObject({ reason: 'SLOTS_EXHAUSTED', slots: 2 });

    expect((await admin('DELETE', `/admin/v1/accounts/${account}/extra-members/student-phone`)).status).toBe(204);
    expect((await decisionOf(phone)).reason).toBe('OUTSIDE_HOUSEHOLD');
    expect((await admin('DELETE', `/admin/v1/accounts/${account}/extra-members/student-phone`)).body.reason).toBe('EXTRA_MEMBER_NOT_FOUND');
    const actions = (await admin('GET', '/admin/v1/audit?limit=3')).body.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(['extra-member.remove', 'extra-member.add', 'extra-member.add']);
  });

  it('erases everything held about an account but a floor against its older tokens; a new sign-in starts from nothing', async () => {
    const { account, phone } = await establishedAccount();
    await callGate({ method: 'POST', path: '/gate/v1/challenges', token: phone, ip: AWAY_IP, country: 'PE' });
    expect((await admin('DELETE', `/admin/v1/accounts/${account}`)).status).toBe(204);
    const erasedAt = Math.floor(Date.now() / 1000);

    expect((await admin('GET', `/admin/v1/accounts/${account}`)).status).toBe(404);
    // KV and the object keep the floor alone: no device, network, grant or challenge.
    expect(JSON.parse((await env.HEARTH_KV.get(householdKey(account)))!)).toEqual({
      schema: 2,
      eraseFloor: { signedOutBefore: expect.any(Number), until: expect.any(Number), revision: expect.any(Number) },
    });
    const stub = testEnv.HOUSEHOLDS.get(testEnv.HOUSEHOLDS.idFromName(account));
    const left = await runInDurableObject(stub, async (_: HouseholdStore, state) => [...(await state.storage.list()).keys()]);
    expect(left.filter((key) => key !== 'kv:lastPublishedAt')).toEqual(['erase:floor']);
    // A token issued before the erase is refused; a new sign-in establishes a household afresh.
    expect((await callGate({ token: phone, ip: AWAY_IP, country: 'PE' })).status).toBe(401);
    expect((await decisionOf(phone)).reason).toBe('DEVICE_REVOKED');
    const newTv = await deviceToken({ account, device: 'tv', type: 'tv', iat: erasedAt + 1 });
    expect((await (await callGate({ token: newTv, ip: '192.0.2.50', country: 'PE' })).json<{ reason: string }>()).reason).toBe('HOUSEHOLD_ESTABLISHED');
    const [entry] = (await admin('GET', '/admin/v1/audit?limit=1')).body.entries;
    // The erase is audited under a pseudonym: the trail keeps what was done, when and by whom, not whose account it was.
    expect(entry).toMatchObject({ action: 'account.erase', target: expect.stringMatching(/^accounts\/erased-[0-9a-f]{8}$/), after: null, before: { devices: 1 } });
  });
});
