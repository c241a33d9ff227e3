/**
 * The status page and its JSON (contract §8), in workerd with the real
 * ControlStore and KV: made from the rules the admin API set, public (no
 * token, any origin, cacheable for a minute), in four languages, with no
 * account data; and every refusal links it (contract §5), absolute on the
 * origin the request came to.
 */
import { describe, expect, it } from 'vitest';
import { statusResponse } from '../../src/api/schemas';
import { callGate, GATE_ORIGIN, newAccount } from '../support/gate';
import { deviceToken } from '../support/tokens';
import { admin } from '../admin/admin-support';

type Json = Record<string, any>;
const HOME_IP = '203.0.113.61';
const AWAY_IP = '198.51.100.61';
const DAY_MS = 86_400_000;

async function status(query = '', headers: Record<string, string> = {}) {
  const response = await callGate({ path: `/gate/v1/status${query}`, ip: null, headers });
  return { response, body: (await response.json()) as Json };
}

async function page(query = '', headers: Record<string, string> = {}, country?: string) {
  const response = await callGate({ path: `/gate/status${query}`, ip: null, headers, ...(country ? { country } : {}) });
  return { response, html: await response.text() };
}

async function put(region: string, rule: Json) {
  const answer = await admin('PUT', `/admin/v1/rollout/${encodeURIComponent(region)}`, { body: { note: 'status test', ...rule } });
  expect(answer.status).toBe(200);
  return answer.body;
}

const STAGED = {
  mode: 'enforce',
  stages: [{ percent: 10, hold: 'P2D' }, { percent: 50, hold: 'P3D' }, { percent: 100 }],
  guard: { maxRefusalRate: 0.5, window: 'PT1H' },
};

describe('GET /gate/v1/status', () => {
  it('answers every region with a rule and *, without a token, to any origin, cacheable for a minute, from the rules in force', async () => {
    await put('NZ', { mode: 'challenge', percent: 50 });
    const { response, body } = await status('', { Origin: 'https://news.example' });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toContain('application/json');
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(response.headers.get('Access-Control-Allow-Credentials')).toBeNull();
    const maxAge = Number(/^public, max-age=(\d+)$/.exec(response.headers.get('Cache-Control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(60);
    expect(statusResponse.safeParse(body).success).toBe(true);

    const rollout = (await admin('GET', '/admin/v1/rollout', { scope: 'rollout:read' })).body;
    expect(body.policyVersion).toBe(rollout.version);
    expect(Math.abs(Date.parse(body.generatedAt) - Date.now())).toBeLessThan(60_000);
    // Every region with an entry, and `*`.
    expect(Object.keys(body.regions).toSorted()).toEqual([...new Set([...Object.keys(rollout.regions), '*'])].toSorted());
    expect(body.regions.NZ).toMatchObject({ mode: 'challenge', percent: 50, upcoming: [] });
    // Stricter with NOTICE_PERIOD=PT0S (the development value): at once, and said to have come without notice.
    expect(body.regions.NZ.changes[0]).toEqual({ at: body.regions.NZ.since, mode: 'challenge', percent: 50, notice: 'skipped' });

    // A browser on any site may ask first.
    const preflight = await callGate({ method: 'OPTIONS', path: '/gate/v1/status', ip: null, headers: { Origin: 'https://news.example', 'Access-Control-Request-Method': 'GET' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('Access-Control-Allow-Origin')).toBe('*');
  });

  it('holds no account data: only what the rules say, whoever played', async () => {
    await put('NO', { mode: 'challenge' });
    const account = newAccount('status-private');
    await callGate({ token: await deviceToken({ account, device: 'tv-private', type: 'tv' }), ip: HOME_IP, country: 'NO' });
    await callGate({ token: await deviceToken({ account, device: 'phone-private' }), ip: AWAY_IP, country: 'NO' });
    const { body } = await status();
    const text = JSON.stringify(body);
    for (const secret of [account, 'tv-private', 'phone-private', HOME_IP, AWAY_IP, 'status test', 'updatedBy']) expect(text).not.toContain(secret);
    for (const region of Object.values(body.regions as Record<string, Json>)) expect(Object.keys(region).toSorted()).toEqual(['changes', 'mode', 'percent', 'since', 'upcoming']);
  });

  it('tells a staged, guarded rule’s stages ahead “not before” their dates, and each change with its notice after the PUTs', async () => {
    const set = await put('IE', STAGED);
    const started = Date.parse(set.regions.IE.stageStartedAt);
    const staged = (await status('?region=IE')).body;
    expect(Object.keys(staged.regions)).toEqual(['IE']);
    expect(staged.regions.IE).toMatchObject({ mode: 'enforce', percent: 10, since: new Date(started).toISOString() });
    expect(staged.regions.IE.upcoming).toEqual([
      { mode: 'enforce', percent: 50, at: new Date(started + 2 * DAY_MS).toISOString(), notBefore: true },
      { mode: 'enforce', percent: 100, at: new Date(started + 5 * DAY_MS).toISOString(), notBefore: true },
    ]);

    // A loosening applies at once, needs no notice, and ends the steps ahead.
    await put('IE', { mode: 'monitor' });
    const loosened = (await status('?region=ie')).body.regions.IE;
    expect(loosened).toMatchObject({ mode: 'monitor', percent: 100, upcoming: [] });
    expect(loosened.changes.map((change: Json) => [change.mode, change.percent, change.notice])).toEqual([
      ['monitor', 100, 'not-needed'],
      ['enforce', 10, 'skipped'],
    ]);
  });

  it('answers one region without a rule of its own as *, and names the field of a bad query', async () => {
    const all = (await status()).body;
    const alone = (await status('?region=US')).body;
    expect(Object.keys(alone.regions)).toEqual(['US']);
    expect(alone.regions.US).toEqual(all.regions['*']);
    for (const [query, field] of [
      ['?region=Peru', 'region'],
      ['?region=P1', 'region'],
      ['?lang=de', 'lang'],
      ['?lang=', 'lang'],
    ] as const) {
      const { response, body } = await status(query);
      expect(response.status).toBe(400);
      expect(response.headers.get('Content-Type')).toContain('application/problem+json');
      expect(body).toMatchObject({ reason: 'INVALID_REQUEST', field });
      const html = await callGate({ path: `/gate/status${query}`, ip: null });
      expect(html.status).toBe(400);
      expect(((await html.json()) as Json).field).toBe(field);
    }
  });
});

describe('GET /gate/status', () => {
  const LANGUAGES = [
    { accept: 'en-GB,en;q=0.9', tag: 'en', country: 'Iceland', notBefore: 'Not before', since: 'Since', month: /[A-Z][a-z]+ \d{1,2}, \d{4}/ },
    { accept: 'es-PE,es;q=0.9', tag: 'es', country: 'Islandia', notBefore: 'No antes del', since: 'Desde el', month: /\d{1,2} de [a-z]+ de \d{4}/ },
    { accept: 'pt-BR,pt;q=0.9', tag: 'pt-BR', country: 'Islândia', notBefore: 'Não antes de', since: 'Desde', month: /\d{1,2} de [a-zç]+ de \d{4}/ },
    { accept: 'fr-CA,fr;q=0.9', tag: 'fr', country: 'Islande', notBefore: 'Pas avant le', since: 'Depuis le', month: /\d{1,2} [a-zéû]+ \d{4}/ },
  ];

  for (const language of LANGUAGES) {
    it(`says in ${language.tag} what the check does, since when, and its stages ahead, by Accept-Language and by ?lang=`, async () => {
      await put('IS', STAGED);
      for (const [query, headers] of [
        ['?region=IS', { 'Accept-Language': language.accept }],
        [`?region=IS&lang=${language.tag}`, { 'Accept-Language': language.tag === 'es' ? 'fr' : 'es' }],
      ] as const) {
        const { response, html } = await page(query, headers);
        expect(response.status).toBe(200);
        expect(response.headers.get('Content-Type')).toContain('text/html');
        expect(response.headers.get('Content-Language')).toBe(language.tag);
        expect(response.headers.get('Content-Security-Policy')).toContain("default-src 'none'");
        expect(html).toContain(`<html lang="${language.tag}">`);
        expect(html).toMatch(new RegExp(`<h1>[^<]*${language.country}</h1>`));
        expect(html).toContain(language.notBefore);
        expect(html).toContain(language.since);
        expect(html).toMatch(language.month);
        expect(html).toContain('data-mode="enforce" data-percent="10"');
        expect(html).toContain('data-not-before="true"');
      }
    });
  }

  it('shows the request’s own region by default, links every region with a rule, and quotes the gate’s own limits', async () => {
    await put('FI', { mode: 'monitor' });
    const { html } = await page('', { 'Accept-Language': 'en' }, 'FI');
    expect(html).toContain('<h1>Household check in Finland</h1>');
    expect(html).toContain('Watching only: nothing is refused.');
    expect(html).toContain('href="/gate/status?region=FI" hreflang="en" aria-current="page"');
    expect(html).toContain('href="/gate/status?region=IS"');
    expect(html).toContain('href="/gate/status?region=*"');
    // The development configuration: P7D, twice every P30D, 2 extra members, 1 second home, P180D twice a year.
    for (const limit of ['a device 7 days of access, twice every 30 days', 'up to 2 extra members', 'second home (up to 1)', 'up to 180 days, 2 times a year']) expect(html).toContain(limit);
    expect(html).toContain('Contact the service’s customer support');

    const other = await callGate({
      path: '/gate/status?region=FI&lang=es',
      ip: null,
      env: { TEMP_ACCESS_DURATION: 'P3D', TRAVEL_GRANTS_PER_WINDOW: '3', EXTRA_MEMBER_SLOTS: '0', SUPPORT_URL: 'https://support.example/hearth' },
    });
    const spanish = await other.text();
    expect(spanish).toContain('3 días de acceso, 3 veces cada 30 días');
    expect(spanish).not.toContain('miembros extra');
    expect(spanish).toContain('href="https://support.example/hearth"');
    // Links keep the language asked for.
    expect(spanish).toContain('href="/gate/status?region=IS&amp;lang=es"');
  });

  it('names a country with no rule of its own, and tells it the rule for every other country', async () => {
    const { html } = await page('?region=DK&lang=fr');
    expect(html).toContain('<h1>Vérification du foyer : Danemark</h1>');
    expect(html).toContain('Danemark n’a pas de règle propre');
  });
});

describe('the status action (contract §5, §8)', () => {
  it('ends every refusal, absolute on the origin the request came to, and opens the region’s page', async () => {
    await put('NZ', { mode: 'challenge', percent: 100 });
    const account = newAccount('status-action');
    await callGate({ token: await deviceToken({ account, device: 'tv', type: 'tv' }), ip: HOME_IP, country: 'NZ' });
    const phone = await deviceToken({ account, device: 'phone' });

    const decision = (await (await callGate({ token: phone, ip: AWAY_IP, country: 'NZ' })).json()) as Json;
    expect(decision.decision).toBe('challenge');
    expect(decision.actions.at(-1)).toEqual({ id: 'status', method: 'GET', href: `${GATE_ORIGIN}/gate/status?region=NZ` });
    for (const action of decision.actions) expect(action.href.startsWith(`${GATE_ORIGIN}/`)).toBe(true);

    // The same gate under another name: the links follow the name the request came to.
    const elsewhere = await callGate({ path: '/titles/demo/seg-1.ts', origin: 'https://watch.other.test', token: phone, ip: AWAY_IP, country: 'NZ' });
    expect(elsewhere.status).toBe(403);
    const refused = (await elsewhere.json()) as Json;
    expect(refused.actions.at(-1)).toEqual({ id: 'status', method: 'GET', href: 'https://watch.other.test/gate/status?region=NZ' });
    for (const action of refused.actions) expect(new URL(action.href).origin).toBe('https://watch.other.test');

    // A credential refused on a playback path is a deny too: it links the page of the request's region, or the viewer's own.
    const anonymous = (await (await callGate({ path: '/titles/demo/seg-1.ts', country: 'NZ' })).json()) as Json;
    expect(anonymous.actions).toContainEqual({ id: 'status', method: 'GET', href: `${GATE_ORIGIN}/gate/status?region=NZ` });
    const nowhere = (await (await callGate({ path: '/titles/demo/seg-1.ts' })).json()) as Json;
    expect(nowhere.actions).toContainEqual({ id: 'status', method: 'GET', href: `${GATE_ORIGIN}/gate/status` });

    // Followed, the link opens New Zealand's page.
    const followed = await callGate({ path: new URL(decision.actions.at(-1).href).pathname + new URL(decision.actions.at(-1).href).search, ip: null });
    expect(followed.status).toBe(200);
    expect(await followed.text()).toContain('<h1>Household check in New Zealand</h1>');

    // An allow offers nothing; the help page links the region's page for a refused device.
    const tvAnswer = (await (await callGate({ token: await deviceToken({ account, device: 'tv', type: 'tv' }), ip: HOME_IP, country: 'NZ' })).json()) as Json;
    expect(tvAnswer.actions).toEqual([]);
    const help = await (await callGate({ path: '/gate/help', cookie: `hearth_device=${phone}`, ip: AWAY_IP, country: 'NZ' })).text();
    expect(help).toContain(`id="status-link" href="${GATE_ORIGIN}/gate/status?region=NZ"`);
    expect(help).toContain('What the household check does in New Zealand');
  });
});
