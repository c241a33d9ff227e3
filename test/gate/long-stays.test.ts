/**
 * Two homes and long stays away (contract v1.4 §6, §4 row 10): a second
 * home set from its TV with the owner's code, and away access for one
 * device — each with its limits, answered before a code is sent, and with
 * codes of one purpose refused for another.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { admin } from '../admin/admin-support';
import { passTime } from '../support/clock';
import { callGate, household, newAccount, setRule, type GateRequest } from '../support/gate';
import { ownNetwork, type TestNetwork } from '../support/networks';
import { deviceToken } from '../support/tokens';
import { deliveries, lastCode } from '../support/webhook';

type Json = Record<string, any>;

async function call(token: string, at: string, init: { path?: string; method?: string; body?: unknown; env?: GateRequest['env']; language?: string } = {}) {
  const response = await callGate({
    path: init.path ?? '/gate/v1/decision',
    method: init.method ?? 'GET',
    token,
    ip: at,
    country: 'PE',
    headers: { ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...(init.language ? { 'Accept-Language': init.language } : {}) },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    ...(init.env ? { env: init.env } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as Json };
}

const ask = (token: string, at: string, body: Json, env?: GateRequest['env']) => call(token, at, { path: '/gate/v1/challenges', method: 'POST', body, ...(env ? { env } : {}) });

describe('away access (contract §6, row 10)', () => {
  let account: string;
  let home: TestNetwork;
  let postingAt: string;
  let phone: string;

  beforeEach(async () => {
    await setRule('PE', 'enforce');
    account = newAccount('away');
    home = ownNetwork();
    postingAt = ownNetwork().address(5);
    await call(await deviceToken({ account, device: 'tv', type: 'tv' }), home.address(1));
    phone = await deviceToken({ account, device: 'phone-soldier', type: 'mobile' });
  });

  it('a posted phone asks for 120 days; the owner’s message says which device and how long; with the code it plays from anywhere as AWAY_ACCESS', async () => {
    expect((await call(phone, postingAt)).body).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
    const opened = await ask(phone, postingAt, { purpose: 'away-access', days: 120 });
    expect(opened.status).toBe(201);
    const sent = (await deliveries(account)).findLast((delivery) => delivery.message.type === 'verification_code')!.message as unknown as Json;
    expect(sent).toMatchObject({ purpose: 'away-access', deviceId: 'phone-soldier', days: 120 });
    expect(sent.message).toContain('"phone-soldier"');
    expect(sent.message).toContain('120 days');

    const given = await call(phone, postingAt, { path: '/gate/v1/household/away-access', method: 'POST', body: { challengeId: opened.body.challengeId, code: await lastCode(account) } });
    expect(given.status).toBe(200);
    expect(given.body).toMatchObject({ decision: 'allow', reason: 'AWAY_ACCESS' });
    expect(Date.parse(given.body.expiresAt) - Date.now()).toBeGreaterThan(119 * 86_400_000);
    for (const at of [postingAt, ownNetwork().address(9)]) expect((await call(phone, at)).body).toMatchObject({ decision: 'allow', reason: 'AWAY_ACCESS' });
    const summary = await admin('GET', `/admin/v1/accounts/${account}`);
    expect(summary.body.awayAccess).toMatchObject({ givenInYear: 1, perYear: 2, devices: [{ deviceId: 'phone-soldier', until: given.body.expiresAt }] });
  });

  it('days beyond AWAY_ACCESS_MAX, or beyond the code’s, are 400 naming days; codes of another purpose do not serve', async () => {
    const tooLong = await ask(phone, postingAt, { purpose: 'away-access', days: 11 }, { AWAY_ACCESS_MAX: 'P10D' });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.field).toBe('days');
    const opened = await ask(phone, postingAt, { purpose: 'away-access', days: 10 });
    const code = await lastCode(account);
    const more = await call(phone, postingAt, { path: '/gate/v1/household/away-access', method: 'POST', body: { challengeId: opened.body.challengeId, code, days: 11 } });
    expect(more.status).toBe(400);
    expect(more.body.field).toBe('days');
    // An access code is not an away-access code, and the other way round.
    const access = await ask(phone, postingAt, {});
    const withAccessCode = await call(phone, postingAt, { path: '/gate/v1/household/away-access', method: 'POST', body: { challengeId: access.body.challengeId, code: await lastCode(account) } });
    expect(withAccessCode.status).toBe(403);
    expect(withAccessCode.body.reason).toBe('VERIFICATION_REQUIRED');
    expect((await call(phone, postingAt, { path: `/gate/v1/challenges/${opened.body.challengeId}/verify`, method: 'POST', body: { code } })).status).toBe(404);
    expect((await ask(phone, postingAt, { purpose: 'access', days: 3 })).body.field).toBe('days');
  });

  it('at most AWAY_ACCESS_PER_YEAR per account: the next is 403 AWAY_ACCESS_LIMIT before any code is sent', async () => {
    const env = { AWAY_ACCESS_PER_YEAR: '1' };
    const opened = await ask(phone, postingAt, { purpose: 'away-access', days: 5 }, env);
    expect((await call(phone, postingAt, { path: '/gate/v1/household/away-access', method: 'POST', body: { challengeId: opened.body.challengeId, code: await lastCode(account) }, env })).status).toBe(
      200,
    );
    const other = await deviceToken({ account, device: 'tablet-student', type: 'tablet' });
    const before = (await deliveries(account)).length;
    const refused = await ask(other, postingAt, { purpose: 'away-access', days: 5 }, env);
    expect(refused.status).toBe(403);
    expect(refused.body.reason).toBe('AWAY_ACCESS_LIMIT');
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(364 * 86_400);
    expect((await deliveries(account)).length).toBe(before);
  });

  it('a sign-out ends it, and support can end it early (audited)', async () => {
    const give = async () => {
      const opened = await ask(phone, postingAt, { purpose: 'away-access', days: 30 });
      return call(phone, postingAt, { path: '/gate/v1/household/away-access', method: 'POST', body: { challengeId: opened.body.challengeId, code: await lastCode(account) } });
    };
    expect((await give()).status).toBe(200);
    expect((await admin('DELETE', `/admin/v1/accounts/${account}/away-access/phone-soldier`)).status).toBe(204);
    expect((await call(phone, postingAt)).body).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
    expect((await admin('DELETE', `/admin/v1/accounts/${account}/away-access/phone-soldier`)).status).toBe(404);
    const audit = await admin('GET', '/admin/v1/audit?limit=20');
    expect(audit.body.entries.map((entry: Json) => entry.action)).toEqual(expect.arrayContaining(['away-access.give', 'away-access.end']));

    expect((await give()).status).toBe(200);
    expect((await call(phone, postingAt, { path: '/gate/v1/household/devices/phone-soldier', method: 'DELETE' })).status).toBe(204);
    expect((await household(account))!.devices.get('phone-soldier')!.awayAccessUntil).toBeNull();
  });
});

describe('a second home (contract §6)', () => {
  const env = { COPRESENCE_WINDOW: 'PT2S' };
  let account: string;
  let home: TestNetwork;
  let weekend: TestNetwork;
  let weekendTv: string;

  /** The weekend house's TV makes its network a second home with the owner's code. */
  async function setSecondHome(at = weekend.address(1)) {
    const opened = await ask(weekendTv, at, { purpose: 'second-home' }, env);
    expect(opened.status).toBe(201);
    return call(weekendTv, at, { path: '/gate/v1/household/second-home', method: 'POST', body: { challengeId: opened.body.challengeId, code: await lastCode(account) }, env });
  }

  beforeEach(async () => {
    await setRule('PE', 'enforce');
    account = newAccount('two-homes');
    home = ownNetwork();
    weekend = ownNetwork();
    await call(await deviceToken({ account, device: 'tv-city', type: 'tv' }), home.address(1), { env });
    weekendTv = await deviceToken({ account, device: 'tv-weekend', type: 'tv' });
  });

  it('the weekend TV, refused there, sets its network as a second home; devices there are home; that TV keeps that home', async () => {
    expect((await call(weekendTv, weekend.address(1), { env })).body).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
    const set = await setSecondHome();
    expect(set.status).toBe(200);
    expect(set.body.household.homes).toEqual([
      expect.objectContaining({ homeId: 'primary', anchorDeviceId: 'tv-city', networks: [expect.objectContaining({ id: expect.any(String) })] }),
      expect.objectContaining({ homeId: expect.stringMatching(/^second-/), anchorDeviceId: 'tv-weekend', networks: [expect.objectContaining({ id: expect.any(String) })] }),
    ]);
    const tablet = await deviceToken({ account, device: 'tablet', type: 'tablet' });
    expect((await call(tablet, weekend.address(7), { env })).body).toMatchObject({ decision: 'allow', reason: 'IN_HOUSEHOLD' });
    expect((await call(weekendTv, weekend.address(1), { env })).body).toMatchObject({ decision: 'allow', reason: 'IN_HOUSEHOLD' });
    const summary = await admin('GET', `/admin/v1/accounts/${account}`);
    expect(summary.body.homes).toEqual([
      expect.objectContaining({ homeId: 'primary', networkCount: 1, anchorDeviceId: 'tv-city' }),
      expect.objectContaining({ networkCount: 1, anchorDeviceId: 'tv-weekend' }),
    ]);
  });

  it('refuses what cannot work before a code is sent: a phone (403), a network already home (409), past SECOND_HOMES or within 90 days (429)', async () => {
    const phone = await deviceToken({ account, device: 'phone', type: 'mobile' });
    expect((await ask(phone, weekend.address(2), { purpose: 'second-home' }, env)).body).toMatchObject({ status: 403, reason: 'DEVICE_TYPE_NOT_ALLOWED' });
    const cityTv = await deviceToken({ account, device: 'tv-city', type: 'tv' });
    expect((await ask(cityTv, home.address(1), { purpose: 'second-home' }, env)).body).toMatchObject({ status: 409, reason: 'ALREADY_HOME' });
    expect((await setSecondHome()).status).toBe(200);
    const third = await deviceToken({ account, device: 'tv-cabin', type: 'tv' });
    const limited = await ask(third, ownNetwork().address(1), { purpose: 'second-home' }, env);
    expect(limited.body).toMatchObject({ status: 429, reason: 'SECOND_HOME_LIMIT' });
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(89 * 86_400);
    // Removing it within 90 days of setting it waits too; the code is not used.
    const opened = await ask(weekendTv, weekend.address(1), { purpose: 'second-home' }, env);
    expect(opened.status).toBe(429);
  });

  it('an ISP change at the second home moves only that home: its own TV, quiet there, carries it to the new network', async () => {
    expect((await setSecondHome()).status).toBe(200);
    const moved = ownNetwork();
    passTime(3000);
    expect((await call(weekendTv, moved.address(1), { env })).body).toMatchObject({ decision: 'allow', reason: 'TRUSTED_DEVICE' });
    const after = (await household(account))!;
    const second = after.secondHomes[0]!.homeId;
    const networksOf = (homeId: string | undefined) => after.homeNetworks.filter((network) => network.homeId === homeId).length;
    expect(networksOf(second)).toBe(2);
    expect(networksOf(undefined)).toBe(1);
    expect((await call(await deviceToken({ account, device: 'laptop', type: 'web' }), moved.address(9), { env })).body.reason).toBe('IN_HOUSEHOLD');
  });

  it('a second-home code serves no other purpose', async () => {
    const opened = await ask(weekendTv, weekend.address(1), { purpose: 'second-home' }, env);
    const code = await lastCode(account);
    expect((await call(weekendTv, weekend.address(1), { path: '/gate/v1/household/primary-location', method: 'POST', body: { challengeId: opened.body.challengeId, code }, env })).body.reason).toBe(
      'VERIFICATION_REQUIRED',
    );
    expect((await call(weekendTv, weekend.address(1), { path: `/gate/v1/challenges/${opened.body.challengeId}/verify`, method: 'POST', body: { code }, env })).status).toBe(404);
    // The code still works for what it was asked for.
    expect((await call(weekendTv, weekend.address(1), { path: '/gate/v1/household/second-home', method: 'POST', body: { challengeId: opened.body.challengeId, code }, env })).status).toBe(200);
  });
});
