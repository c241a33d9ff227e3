/**
 * Contract §8, "Hearing the refused", inside workerd with the real household
 * object, region metrics and control store: `POST /gate/v1/feedback` answers
 * 201 / 400 / 409 / 429, counts households per situation in the refusal's
 * region (one household from many devices once), trips a guard on
 * `maxLiveHereRate`, shows support the answers and forgets them on erase —
 * and the comment reaches no count, log line or Analytics Engine point.
 * (test/node/feedback-http.test.ts runs the same through HTTP under wrangler dev.)
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { admin } from '../admin/admin-support';
import { callGate, newAccount, setRule } from '../support/gate';
import { deviceToken } from '../support/tokens';
import { opsEvents } from '../support/webhook';

const HOME_IP = '203.0.113.171';
const AWAY_IP = '198.51.100.171';
type Json = Record<string, any>;

let seed = 0;
/** A region no other test of this file counts in (Y?: user-assigned codes). */
const freshRegion = () => `Y${String.fromCharCode(65 + ++seed)}`;

afterEach(() => vi.restoreAllMocks());

/** A household with its TV at home and a phone that has never been home. */
async function household(region: string, label = 'feedback') {
  const account = newAccount(label);
  const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
  const phone = await deviceToken({ account, device: 'phone', type: 'mobile' });
  expect((await callGate({ token: tv, ip: HOME_IP, country: region })).status).toBe(200);
  return { account, tv, phone };
}

async function answer(token: string, body: unknown, options: { ip?: string; country: string; language?: string }) {
  const response = await callGate({
    path: '/gate/v1/feedback',
    method: 'POST',
    token,
    ip: options.ip ?? AWAY_IP,
    country: options.country,
    headers: { 'Content-Type': 'application/json', ...(options.language ? { 'Accept-Language': options.language } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
}

const metricsOf = async (region: string) => (await admin('GET', `/admin/v1/metrics?region=${region}`, { scope: 'rollout:read' })).body.regions[region]?.totals as Json;

describe('POST /gate/v1/feedback', () => {
  it('takes the answer of a refused device: 201 with what happens next in its language, and the refusal’s own actions', async () => {
    const region = freshRegion();
    await setRule(region, 'enforce');
    const { phone } = await household(region);
    const refused = await callGate({ token: phone, ip: AWAY_IP, country: region });
    expect(refused.headers.get('Hearth-Decision')).toBe('challenge; reason=OUTSIDE_HOUSEHOLD');
    const decision = (await refused.json()) as Json;
    expect(decision.actions.map((a: Json) => a.id)).toContain('feedback');
    expect(decision.actions.find((a: Json) => a.id === 'feedback')).toEqual({ id: 'feedback', method: 'POST', href: 'https://gate.hearth.test/gate/v1/feedback' });

    const given = await answer(phone, { situation: 'studying', requestId: decision.requestId }, { country: region, language: 'es' });
    expect(given.status).toBe(201);
    expect(given.body).toMatchObject({ situation: 'studying', message: expect.stringMatching(/^Gracias, quedó registrado\. Para un periodo de estudios/) });
    expect(given.body.actions.map((a: Json) => a.id)).toEqual(['verify', 'extra-member', 'help', 'status']);
    expect(given.body.actions.find((a: Json) => a.id === 'status').href).toBe(`https://gate.hearth.test/gate/status?region=${region}`);
  });

  it('answers 400 naming the field: a situation not among the six, a comment over 500 characters, a field it does not take', async () => {
    const region = freshRegion();
    await setRule(region, 'enforce');
    const { phone } = await household(region);
    for (const [body, field] of [
      [{ situation: 'on-holiday' }, 'situation'],
      [{}, 'situation'],
      [{ situation: 'other', comment: 'x'.repeat(501) }, 'comment'],
      [{ situation: 'other', comment: 42 }, 'comment'],
      [{ situation: 'other', requestId: 'not an id' }, 'requestId'],
      [{ situation: 'other', mood: 'cross' }, 'mood'],
    ] as const) {
      const given = await answer(phone, body, { country: region });
      expect({ body, status: given.status }).toEqual({ body, status: 400 });
      expect(given.body).toMatchObject({ reason: 'INVALID_REQUEST', field });
    }
    expect((await answer(phone, '{"situation":', { country: region })).status).toBe(400);
    expect((await answer(phone, { situation: 'other', comment: 'x'.repeat(500) }, { country: region })).status).toBe(201);
  });

  it('answers 409 NOT_REFUSED to a device not refused within the last day: at home, or allowed in monitor', async () => {
    const region = freshRegion();
    await setRule(region, 'enforce');
    const { tv, phone } = await household(region);
    const home = await answer(tv, { situation: 'live-here' }, { ip: HOME_IP, country: region, language: 'fr' });
    expect(home.status).toBe(409);
    expect(home.body).toMatchObject({ reason: 'NOT_REFUSED', message: expect.stringMatching(/^Cet appareil n’a pas été arrêté/) });
    await setRule(region, 'monitor');
    expect((await answer(phone, { situation: 'travelling' }, { country: region })).body.reason).toBe('NOT_REFUSED');
  });

  it('still hears a device that got back in with a code within the day', async () => {
    const region = freshRegion();
    await setRule(region, 'enforce');
    const { account, phone } = await household(region);
    const opened = (await (await callGate({ path: '/gate/v1/challenges', method: 'POST', token: phone, ip: AWAY_IP, country: region })).json()) as Json;
    const { lastCode } = await import('../support/webhook');
    const code = await lastCode(account);
    const verified = await callGate({
      path: `/gate/v1/challenges/${opened.challengeId}/verify`,
      method: 'POST',
      token: phone,
      ip: AWAY_IP,
      country: region,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ code }),
    });
    expect(verified.status).toBe(200);
    expect((await callGate({ token: phone, ip: AWAY_IP, country: region })).headers.get('Hearth-Decision')).toBe('allow; reason=TEMPORARY_ACCESS');
    const given = await answer(phone, { situation: 'travelling' }, { country: region });
    expect(given.status).toBe(201);
    expect(given.body.actions).toEqual([]);
  });

  it('answers 429 past 3 answers per device per day, with Retry-After; another device of the household still answers', async () => {
    const region = freshRegion();
    await setRule(region, 'enforce');
    const { account, phone } = await household(region);
    for (let i = 0; i < 3; i++) expect((await answer(phone, { situation: 'other' }, { country: region })).status).toBe(201);
    const fourth = await answer(phone, { situation: 'other' }, { country: region, language: 'pt-BR' });
    expect(fourth.status).toBe(429);
    expect(fourth.body).toMatchObject({ reason: 'FEEDBACK_RATE_LIMITED', limit: 'device', message: expect.stringMatching(/^Este dispositivo já respondeu 3 vezes hoje/) });
    expect(Number(fourth.headers.get('Retry-After'))).toBeGreaterThan(86_000);
    const tablet = await deviceToken({ account, device: 'tablet', type: 'tablet' });
    await callGate({ token: tablet, ip: AWAY_IP, country: region });
    expect((await answer(tablet, { situation: 'other' }, { country: region })).status).toBe(201);
  });

  it('serves the question in the person’s language without a token', async () => {
    const response = await callGate({ path: '/gate/v1/feedback', headers: { 'Accept-Language': 'pt-BR' } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Json;
    expect(body.question).toBe('Qual destas opções descreve você?');
    expect(body.choices.map((c: Json) => c.situation)).toEqual(['live-here', 'travelling', 'studying', 'posted-away', 'second-home', 'other']);
  });
});

describe('feedback counted by household', () => {
  it('counts households per situation in the refusal’s region: one household from many devices once; never the comment', async () => {
    const region = freshRegion();
    await setRule(region, 'enforce');
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const first = await household(region);
    const second = await household(region);
    const tablet = await deviceToken({ account: first.account, device: 'tablet', type: 'tablet' });
    for (const token of [first.phone, tablet, second.phone]) await callGate({ token, ip: AWAY_IP, country: region });
    const secret = 'my flat is at 12 Secret Street';
    expect((await answer(first.phone, { situation: 'live-here', comment: secret }, { country: region })).status).toBe(201);
    expect((await answer(tablet, { situation: 'live-here', comment: secret }, { country: region })).status).toBe(201);
    expect((await answer(second.phone, { situation: 'live-here' }, { country: region })).status).toBe(201);
    expect((await answer(second.phone, { situation: 'posted-away' }, { country: region })).status).toBe(201);

    const totals = await metricsOf(region);
    expect(totals.households.refused).toBe(2);
    expect(totals.households.feedback).toEqual({ 'live-here': 2, travelling: 0, studying: 0, 'posted-away': 1, 'second-home': 0, other: 0 });
    expect(totals.feedback).toEqual({ 'live-here': 3, travelling: 0, studying: 0, 'posted-away': 1, 'second-home': 0, other: 0 });
    const logged = lines.filter((line) => line.includes('"event":"feedback"'));
    expect(logged).toHaveLength(4);
    expect(JSON.parse(logged[0]!)).toMatchObject({ event: 'feedback', region, situation: 'live-here', reason: 'OUTSIDE_HOUSEHOLD' });
    expect(lines.join('\n')).not.toContain('Secret Street');
    expect(JSON.stringify(await admin('GET', `/admin/v1/metrics?region=${region}`, { scope: 'rollout:read' }))).not.toContain('Secret Street');
  });
});

describe('a guard on maxLiveHereRate', () => {
  it('trips when more than the share of refused households say they live here — households, not devices — audited and sent to ops with the reading', async () => {
    const region = freshRegion();
    await setRule(region, 'monitor');
    const homes = [await household(region, 'guard'), await household(region, 'guard'), await household(region, 'guard'), await household(region, 'guard')];
    await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'enforce', guard: { maxLiveHereRate: 0.5, minHouseholds: 4, window: 'PT15M' }, note: 'listening' } });
    for (const { phone } of homes) expect((await callGate({ token: phone, ip: AWAY_IP, country: region })).headers.get('Hearth-Decision')).toBe('challenge; reason=OUTSIDE_HOUSEHOLD');
    const rule = async () => (await admin('GET', '/admin/v1/rollout', { scope: 'rollout:read' })).body.regions[region] as Json;

    // One household says it from three devices: 1 of 4 households.
    const extra = [await deviceToken({ account: homes[0]!.account, device: 'tablet-1', type: 'tablet' }), await deviceToken({ account: homes[0]!.account, device: 'web-1', type: 'web' })];
    for (const token of extra) await callGate({ token, ip: AWAY_IP, country: region });
    for (const token of [homes[0]!.phone, ...extra]) expect((await answer(token, { situation: 'live-here' }, { country: region })).status).toBe(201);
    expect(await rule()).toMatchObject({ status: 'steady', reading: { households: { refused: 4, feedback: { 'live-here': 1 } }, liveHereRate: 0.25, unhealthy: false } });
    // A second household: 2 of 4 is exactly 0.5 — not past it.
    expect((await answer(homes[1]!.phone, { situation: 'live-here' }, { country: region })).status).toBe(201);
    expect(await rule()).toMatchObject({ status: 'steady', reading: { liveHereRate: 0.5 } });
    // Other situations never move it.
    expect((await answer(homes[2]!.phone, { situation: 'travelling' }, { country: region })).status).toBe(201);
    expect((await rule()).status).toBe('steady');
    // A third household: 3 of 4 — tripped to monitor.
    expect((await answer(homes[3]!.phone, { situation: 'live-here' }, { country: region })).status).toBe(201);
    const tripped = await rule();
    expect(tripped).toMatchObject({ status: 'tripped', trippedBy: { cause: 'liveHereRate', liveHereRate: 0.75, households: { refused: 4, feedback: { 'live-here': 3 } } } });
    expect((await callGate({ token: homes[2]!.phone, ip: AWAY_IP, country: region })).headers.get('Hearth-Decision')).toBe('allow; reason=OUTSIDE_HOUSEHOLD; would=challenge');
    const audit = (await admin('GET', '/admin/v1/audit?limit=20', { scope: 'audit:read' })).body.entries.find(
      (entry: Json) => entry.target === `rollout/${region}` && entry.action === 'rollout.guard_tripped',
    );
    expect(audit).toMatchObject({ actor: 'hearth-guard' });
    expect(audit.note).toContain('3 of 4 refused households said they live here');
    const deadline = Date.now() + 8000;
    while ((await opsEvents(region)).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await opsEvents(region))[0]!.message).toMatchObject({ type: 'rollout_guard_tripped', region, reading: { cause: 'liveHereRate', households: { feedback: { 'live-here': 3 } } } });
  });

  it('is refused as a share outside 0–1, and accepted alone', async () => {
    const region = freshRegion();
    const wrong = await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'enforce', guard: { maxLiveHereRate: 1.5, window: 'PT15M' } } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.field).toBe('guard.maxLiveHereRate');
    expect((await admin('PUT', `/admin/v1/rollout/${region}`, { body: { mode: 'enforce', guard: { maxLiveHereRate: 0.2, window: 'PT15M' } } })).status).toBe(200);
  });
});

describe('support sees the answers', () => {
  it('lists the account’s answers with the comment and the refusal’s request id; an erase removes them', async () => {
    const region = freshRegion();
    await setRule(region, 'enforce');
    const { account, phone } = await household(region);
    const refused = (await (await callGate({ token: phone, ip: AWAY_IP, country: region })).json()) as Json;
    await answer(phone, { situation: 'second-home', requestId: refused.requestId, comment: 'our beach house' }, { country: region });
    const summary = await admin('GET', `/admin/v1/accounts/${account}`, { scope: 'accounts:read' });
    expect(summary.body.feedback).toEqual([
      { situation: 'second-home', at: expect.any(String), deviceId: 'phone', deviceType: 'mobile', comment: 'our beach house', requestId: refused.requestId, region, reason: 'OUTSIDE_HOUSEHOLD' },
    ]);
    expect((await admin('DELETE', `/admin/v1/accounts/${account}`, { scope: 'accounts:write' })).status).toBe(204);
    const { runInDurableObject } = await import('cloudflare:test');
    const { testEnv } = await import('../support/gate');
    const rows = await runInDurableObject(testEnv.HOUSEHOLDS.get(testEnv.HOUSEHOLDS.idFromName(account)), async (_: unknown, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'feedback'").one().n > 0
        ? state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM feedback').one().n
        : 0,
    );
    expect(rows).toBe(0);
  });
});
