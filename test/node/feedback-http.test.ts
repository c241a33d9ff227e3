/**
 * Hearing the refused (contract v1.4 §8) through the HTTP API of a real
 * `wrangler dev`: every answer of `POST /gate/v1/feedback` (201, 400 naming
 * the field, 409 NOT_REFUSED, 429), the households arriving in
 * `GET /admin/v1/metrics` within the usual 10 s, a guard tripping on
 * `maxLiveHereRate` with distinct households and not on one household's many
 * devices, and support's view of the answers and their erase.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAdminToken, mintDeviceToken } from '../../dev/tokens.ts';
import type { LocalWorker } from '../../scripts/local-worker.ts';
import { ruledGate } from './ruled-gate';

const COUNTRY = 'CL';
type Json = Record<string, any>;
let gate: LocalWorker;
let admin = '';

beforeAll(async () => {
  gate = await ruledGate({ country: COUNTRY, mode: 'enforce', note: 'feedback over HTTP' });
  admin = await mintAdminToken({ scope: 'rollout:read rollout:write rollout:skip-notice accounts:read accounts:write audit:read', sub: 'feedback-http@ops' });
}, 120_000);

afterAll(() => gate?.stop());

async function ask(method: string, path: string, options: { token?: string; ip?: string; country?: string; body?: unknown; raw?: string; language?: string } = {}) {
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(`${gate.url}${path}`, {
    method,
    headers: {
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      ...(options.ip ? { 'CF-Connecting-IP': options.ip } : {}),
      'Hearth-Sim-Country': options.country ?? COUNTRY,
      ...(options.language ? { 'Accept-Language': options.language } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as Json };
}

const asAdmin = (method: string, path: string, body?: unknown) =>
  fetch(`${gate.url}${path}`, { method, headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }).then(
    async (r) => ({
      status: r.status,
      body: (await r.json().catch(() => ({}))) as Json,
    }),
  );

let households = 0;
/** A household of its own: its TV at home on a /24 nobody else holds, and a way to mint its devices. */
async function household(country = COUNTRY) {
  households += 1;
  const account = `acct-fbh-${households}-${Date.now().toString(36)}`;
  const home = `10.${households}.1.1`;
  const away = `172.16.${households}.1`;
  const token = (device: string, type = 'mobile') => mintDeviceToken({ account, device, type, ttlSeconds: 600 });
  const tv = await token('tv', 'tv');
  expect((await ask('GET', '/gate/v1/decision', { token: tv, ip: home, country })).body.decision).toBe('allow');
  return { account, home, away, tv, token };
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}

describe('POST /gate/v1/feedback under wrangler dev', () => {
  it('answers 201, 400 naming the field, 409 NOT_REFUSED and 429 past 3 a day', async () => {
    const h = await household();
    const phone = await h.token('phone');
    // At home, or never refused: nothing to hear.
    expect((await ask('POST', '/gate/v1/feedback', { token: h.tv, ip: h.home, body: { situation: 'live-here' } })).body).toMatchObject({ status: 409, reason: 'NOT_REFUSED' });
    const refused = await ask('GET', '/gate/v1/decision', { token: phone, ip: h.away });
    expect(refused.body).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
    expect(refused.body.actions.map((action: Json) => action.id)).toContain('feedback');

    expect((await ask('POST', '/gate/v1/feedback', { token: phone, ip: h.away, body: { situation: 'abroad' } })).body).toMatchObject({ status: 400, field: 'situation' });
    expect((await ask('POST', '/gate/v1/feedback', { token: phone, ip: h.away, body: { situation: 'other', comment: 'é'.repeat(501) } })).body).toMatchObject({ status: 400, field: 'comment' });
    const first = await ask('POST', '/gate/v1/feedback', {
      token: phone,
      ip: h.away,
      language: 'fr',
      body: { situation: 'second-home', requestId: refused.body.requestId, comment: 'la maison de la plage' },
    });
    expect(first.status).toBe(201);
    expect(first.body.message).toMatch(/^Merci, c’est pris en compte\. Si c’est la résidence secondaire/);
    for (let i = 0; i < 2; i++) expect((await ask('POST', '/gate/v1/feedback', { token: phone, ip: h.away, body: { situation: 'other' } })).status).toBe(201);
    const fourth = await ask('POST', '/gate/v1/feedback', { token: phone, ip: h.away, body: { situation: 'other' } });
    expect(fourth.status).toBe(429);
    expect(fourth.body).toMatchObject({ reason: 'FEEDBACK_RATE_LIMITED', limit: 'device' });
    expect(Number(fourth.headers.get('Retry-After'))).toBeGreaterThan(0);
  });
});

describe('counted like the guard’s inputs, under wrangler dev', () => {
  it('reaches GET /admin/v1/metrics within 10 s, by household: one household from three devices counts once', async () => {
    const region = 'UY';
    await asAdmin('PUT', `/admin/v1/rollout/${region}`, { mode: 'enforce', note: 'feedback counts', notice: 'skip' });
    const one = await household(region);
    const two = await household(region);
    const devices = [await one.token('phone-a'), await one.token('tablet-a', 'tablet'), await one.token('web-a', 'web')];
    for (const token of devices) {
      expect((await ask('GET', '/gate/v1/decision', { token, ip: one.away, country: region })).body.decision).toBe('challenge');
      expect((await ask('POST', '/gate/v1/feedback', { token, ip: one.away, country: region, body: { situation: 'live-here' } })).status).toBe(201);
    }
    const phone = await two.token('phone-b');
    await ask('GET', '/gate/v1/decision', { token: phone, ip: two.away, country: region });
    expect((await ask('POST', '/gate/v1/feedback', { token: phone, ip: two.away, country: region, body: { situation: 'studying' } })).status).toBe(201);

    const totals = await eventually(
      async () => (await asAdmin('GET', `/admin/v1/metrics?region=${region}`)).body.regions?.[region]?.totals as Json | undefined,
      (t) => t?.households?.feedback?.studying === 1,
    );
    expect(totals!.households.feedback).toEqual({ 'live-here': 1, travelling: 0, studying: 1, 'posted-away': 0, 'second-home': 0, other: 0 });
    expect(totals!.feedback['live-here']).toBe(3);
  });

  it('trips a guard on maxLiveHereRate with distinct households, not with one household’s many devices', async () => {
    const region = 'PY';
    await asAdmin('PUT', `/admin/v1/rollout/${region}`, { mode: 'monitor', note: 'before the guard', notice: 'skip' });
    const homes = [await household(region), await household(region), await household(region)];
    const set = await asAdmin('PUT', `/admin/v1/rollout/${region}`, {
      mode: 'enforce',
      guard: { maxLiveHereRate: 0.5, minHouseholds: 3, window: 'PT15M' },
      note: 'hearing the refused',
      notice: 'skip',
    });
    expect(set.status).toBe(200);
    const phones = await Promise.all(homes.map((h) => h.token('phone')));
    for (const [i, h] of homes.entries()) expect((await ask('GET', '/gate/v1/decision', { token: phones[i]!, ip: h.away, country: region })).body.decision).toBe('challenge');
    const rule = async () => (await asAdmin('GET', '/admin/v1/rollout')).body.regions[region] as Json;

    // One household, four devices, all "live-here": 1 of 3 refused households.
    const more = [await homes[0]!.token('tablet', 'tablet'), await homes[0]!.token('web', 'web'), await homes[0]!.token('console', 'console')];
    for (const token of more) await ask('GET', '/gate/v1/decision', { token, ip: homes[0]!.away, country: region });
    for (const token of [phones[0]!, ...more]) expect((await ask('POST', '/gate/v1/feedback', { token, ip: homes[0]!.away, country: region, body: { situation: 'live-here' } })).status).toBe(201);
    const steady = await eventually(rule, (r) => r.reading?.households?.feedback?.['live-here'] === 1);
    expect(steady).toMatchObject({ status: 'steady', reading: { liveHereRate: expect.closeTo(1 / 3, 5), unhealthy: false } });

    // A second household: 2 of 3 > 0.5 — the rule steps down to monitor.
    expect((await ask('POST', '/gate/v1/feedback', { token: phones[1]!, ip: homes[1]!.away, country: region, body: { situation: 'live-here' } })).status).toBe(201);
    const tripped = await eventually(rule, (r) => r.status === 'tripped');
    expect(tripped).toMatchObject({ mode: 'enforce', status: 'tripped', trippedBy: { cause: 'liveHereRate', households: { refused: 3, feedback: { 'live-here': 2 } } } });
    expect((await ask('GET', '/gate/v1/decision', { token: phones[2]!, ip: homes[2]!.away, country: region })).body).toMatchObject({ decision: 'allow', mode: 'monitor' });
    const audit = (await asAdmin('GET', '/admin/v1/audit?limit=50')).body.entries.find((entry: Json) => entry.target === `rollout/${region}` && entry.action === 'rollout.guard_tripped');
    expect(audit.note).toContain('2 of 3 refused households said they live here');
  });
});

describe('support sees the answers, under wrangler dev', () => {
  it('lists situation, time, device, comment and the refusal’s request id in the account summary; an erase removes them', async () => {
    const h = await household();
    const phone = await h.token('phone-s');
    const refused = await ask('GET', '/gate/v1/decision', { token: phone, ip: h.away });
    expect((await ask('POST', '/gate/v1/feedback', { token: phone, ip: h.away, body: { situation: 'posted-away', requestId: refused.body.requestId, comment: 'posted to Antarctica' } })).status).toBe(
      201,
    );
    const summary = await asAdmin('GET', `/admin/v1/accounts/${h.account}`);
    expect(summary.body.feedback).toEqual([
      {
        situation: 'posted-away',
        at: expect.any(String),
        deviceId: 'phone-s',
        deviceType: 'mobile',
        comment: 'posted to Antarctica',
        requestId: refused.body.requestId,
        region: COUNTRY,
        reason: 'OUTSIDE_HOUSEHOLD',
      },
    ]);
    expect((await asAdmin('DELETE', `/admin/v1/accounts/${h.account}`)).status).toBe(204);
    // The household starts afresh at home (a token of a later second than the erase's floor); nothing it said before is left.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const tv = await h.token('tv-again', 'tv');
    await ask('GET', '/gate/v1/decision', { token: tv, ip: h.home });
    expect((await asAdmin('GET', `/admin/v1/accounts/${h.account}`)).body.feedback).toEqual([]);
  });
});
