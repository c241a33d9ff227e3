/**
 * What a person reads, the actions they are offered and the endpoints those
 * actions point to agree — for every reason, in every language, on every
 * device type: a message that offers a code comes with the `verify` action,
 * an allowed answer offers nothing (asking for a code would answer
 * `409 NOT_REQUIRED`), `primary-location` is offered to TVs only (anything
 * else gets `403 DEVICE_TYPE_NOT_ALLOWED`), and every action names a route
 * the gate serves.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACTION_DEVICE_TYPES, ACTIONS, explainReason, linkedActions, LOCALES, REASONS, reasonEntry, type Action, type Locale, type Reason } from '../../src/messages/catalog';
import { problemBody } from '../../src/http/problem';
import type { DecisionReason } from '../../src/policy/decide';
import { DEVICE_TYPES, type DeviceType } from '../../src/vocabulary';
import { callGate, newAccount, setRule } from '../support/gate';
import { deviceToken } from '../support/tokens';
import { lastCode } from '../support/webhook';

const HOME_IP = '203.0.113.70';
const AWAY_IP = '198.51.100.70';

/** The words for "code" in each language: an allowed answer never mentions one, a refusal that does offers `verify`. */
const CODE_WORD: Record<Locale, RegExp> = { en: /\bcodes?\b/i, es: /\bc[oó]digos?\b/i, pt: /\bc[oó]digos?\b/i, fr: /\bcodes?\b/i };
/** Refusals that speak of a code without offering a new one: the code already sent (retry it), none needed, too many asked (wait). */
const CODE_MENTIONED_NOT_OFFERED = new Set<Reason>(['CODE_INVALID', 'NOT_REQUIRED', 'CHALLENGE_RATE_LIMITED']);
/** Words and turns of European Portuguese that a Brazilian reader stumbles on. */
const EUROPEAN_PORTUGUESE =
  /\b(?:estiver a|está a|estão a|residência|equipa|contacte|contactar|ecrã|registo|encontrámos|enviámos|aplicação|utiliza|partilhad|inicie sessão|introduz|daqui a pouco|noutr|numa)\b/i;

/** Every reason `decide()` can give (contract §4), with whether an allow can carry it: row 2 fails open, `monitor` allows rows 11. */
const DECISION_REASONS: Record<DecisionReason, { allow: boolean; refuse: boolean }> = {
  DEVICE_REVOKED: { allow: false, refuse: true },
  DEVICE_PROOF_REQUIRED: { allow: false, refuse: true },
  STATE_UNAVAILABLE: { allow: true, refuse: true },
  ENFORCEMENT_OFF: { allow: true, refuse: false },
  HOUSEHOLD_ESTABLISHED: { allow: true, refuse: false },
  HOUSEHOLD_NOT_SET: { allow: true, refuse: false },
  IN_HOUSEHOLD: { allow: true, refuse: false },
  TRUSTED_DEVICE: { allow: true, refuse: false },
  TEMPORARY_ACCESS: { allow: true, refuse: false },
  EXTRA_MEMBER: { allow: true, refuse: false },
  SUPPORT_GRANT: { allow: true, refuse: false },
  AWAY_ACCESS: { allow: true, refuse: false },
  OUTSIDE_HOUSEHOLD: { allow: true, refuse: true },
  TRAVEL_LIMIT_REACHED: { allow: true, refuse: true },
};
const canAllow = (reason: Reason) => (DECISION_REASONS as Partial<Record<Reason, { allow: boolean }>>)[reason]?.allow ?? false;
/** Refusals are every reason but those only an allow carries. */
const canRefuse = (reason: Reason) => (DECISION_REASONS as Partial<Record<Reason, { refuse: boolean }>>)[reason]?.refuse ?? true;

const DEVICES: Array<DeviceType | null> = [...DEVICE_TYPES, null];

/** The routes the gate serves, from its own OpenAPI document, plus the pages (not API operations). */
let routes: Set<string>;
beforeAll(async () => {
  const document = (await (await callGate({ path: '/openapi.json' })).json()) as { paths: Record<string, Record<string, unknown>> };
  routes = new Set(Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`)));
  routes.add('GET /gate/help');
  routes.add('GET /gate/status');
});

function served(action: Action): boolean {
  return routes.has(`${action.method} ${action.href.split('#')[0]}`);
}

describe('every reason × language × device type', () => {
  it('knows every decision reason, and only those carry an allow', () => {
    for (const reason of Object.keys(DECISION_REASONS)) expect(REASONS).toContain(reason);
  });

  /** What is wrong with `reason` in `locale` on `deviceType`, in words; nothing when message, actions and endpoints agree. */
  function disagreements(reason: Reason, locale: Locale, deviceType: DeviceType | null): string[] {
    const where = `${reason} in ${locale} on ${deviceType ?? 'an unknown device'}`;
    const found: string[] = [];
    if (canAllow(reason)) {
      const allowed = explainReason(reason, { locale, allowed: true, deviceType });
      if (allowed.actions.length > 0) found.push(`${where}, allowed, offers ${allowed.actions.map((a) => a.id).join(', ')}`);
      if (CODE_WORD[locale].test(allowed.message)) found.push(`${where}, allowed, speaks of a code (asking for one answers 409 NOT_REQUIRED)`);
    }
    if (!canRefuse(reason)) return found;
    const { message, actions } = explainReason(reason, { locale, allowed: false, deviceType });
    const ids = actions.map((action) => action.id);
    if (message.trim() === '') found.push(`${where} has no message`);
    if (locale !== 'en' && message === explainReason(reason, { locale: 'en', allowed: false, deviceType }).message) found.push(`${where} is not translated`);
    if (locale === 'pt' && EUROPEAN_PORTUGUESE.test(message)) found.push(`${where} is European Portuguese: ${EUROPEAN_PORTUGUESE.exec(message)![0]}`);
    // What the message offers, the actions carry — and the reverse.
    const speaksOfCode = CODE_WORD[locale].test(message);
    if (speaksOfCode && !CODE_MENTIONED_NOT_OFFERED.has(reason) && !ids.includes('verify')) found.push(`${where} offers a code without the verify action`);
    if (ids.includes('verify') && !speaksOfCode) found.push(`${where} carries verify but its message says nothing of a code`);
    for (const action of actions) {
      if (JSON.stringify(action) !== JSON.stringify(ACTIONS[action.id])) found.push(`${where}: ${action.id} is not the catalog's action`);
      if (!served(action)) found.push(`${where}: ${action.method} ${action.href} is not served`);
      const types = ACTION_DEVICE_TYPES[action.id];
      if (types && (deviceType === null || !types.includes(deviceType))) found.push(`${where}: ${action.id} is for ${types.join(', ')} only`);
    }
    // A device that can take an action is offered it.
    // …and every refusal links the region's status page, last (contract §8).
    const offered = [...reasonEntry(reason).actions.filter((id) => ACTION_DEVICE_TYPES[id] === undefined || (deviceType !== null && ACTION_DEVICE_TYPES[id]!.includes(deviceType))), 'status'];
    if (ids.join() !== offered.join()) found.push(`${where} offers ${ids.join(', ')}, not ${offered.join(', ')}`);
    // A problem's detail says what its message says, in the same language, with the same actions.
    // A refusal's problem carries them absolute, on the origin the request came to (contract §5).
    const problem = problemBody(reason, { requestId: 'r', locale, deviceType, origin: 'https://gate.example', extra: { decision: 'deny' } });
    if (problem.detail !== message) found.push(`${where}: detail "${String(problem.detail)}" is not the message`);
    if (JSON.stringify(problem.actions) !== JSON.stringify(linkedActions(actions, { origin: 'https://gate.example' }))) found.push(`${where}: the problem's actions differ`);
    if (!problem.actions.every((action) => action.href.startsWith('https://gate.example/'))) found.push(`${where}: a problem's href is not absolute`);
    return found;
  }

  for (const reason of REASONS) {
    it(`${reason}: message, actions and endpoints agree`, () => {
      expect(LOCALES.flatMap((locale) => DEVICES.flatMap((deviceType) => disagreements(reason, locale, deviceType)))).toEqual([]);
    });
  }

  it('offers primary-location on OUTSIDE_HOUSEHOLD and TRAVEL_LIMIT_REACHED to a TV, and to nothing else', () => {
    for (const reason of ['OUTSIDE_HOUSEHOLD', 'TRAVEL_LIMIT_REACHED'] as const) {
      expect(explainReason(reason, { locale: 'en', allowed: false, deviceType: 'tv' }).actions.map((a) => a.id)).toContain('primary-location');
      for (const type of DEVICES.filter((t) => t !== 'tv')) {
        expect(explainReason(reason, { locale: 'en', allowed: false, deviceType: type }).actions.map((a) => a.id)).not.toContain('primary-location');
      }
    }
  });

  it('gives a re-used code its own reason and wording, apart from an expired one, in every language', () => {
    for (const locale of LOCALES) {
      expect(explainReason('CODE_ALREADY_USED', { locale, allowed: false, deviceType: 'mobile' }).message).not.toBe(
        explainReason('CHALLENGE_EXPIRED', { locale, allowed: false, deviceType: 'mobile' }).message,
      );
    }
    expect(reasonEntry('CODE_ALREADY_USED').status).toBe(410);
  });
});

describe('the endpoints grant what the answers offer', () => {
  beforeEach(async () => {
    await setRule('PE', 'challenge');
    await setRule('CR', 'monitor');
  });

  /** A household with its TV at home, and a device of `type` away from it. */
  async function awayDevice(type: DeviceType) {
    const account = newAccount(`agree-${type}`);
    await callGate({ token: await deviceToken({ account, device: 'anchor', type: 'tv' }), ip: HOME_IP, country: 'PE' });
    return { account, token: await deviceToken({ account, device: `away-${type}`, type }) };
  }

  for (const type of DEVICE_TYPES) {
    it(`a ${type} away from home is offered only what it can do, and each action answers it`, async () => {
      const { account, token } = await awayDevice(type);
      const decision = await callGate({ token, ip: AWAY_IP, country: 'PE', headers: { 'Accept-Language': 'pt-BR' } });
      const body = (await decision.json()) as { decision: string; reason: string; message: string; actions: Action[] };
      expect(body).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
      expect(body.message).toBe(explainReason('OUTSIDE_HOUSEHOLD', { locale: 'pt', allowed: false, deviceType: type }).message);
      expect(decision.headers.get('Content-Language')).toBe('pt-BR');
      const ids = body.actions.map((action) => action.id);
      expect(ids).toEqual(type === 'tv' ? ['verify', 'extra-member', 'primary-location', 'help', 'feedback', 'status'] : ['verify', 'extra-member', 'help', 'feedback', 'status']);
      // Absolute, on the origin the request came to; the status page is Peru's.
      for (const action of body.actions) expect(action.href).toMatch(/^https:\/\/gate\.hearth\.test\//);
      expect(body.actions.find((action) => action.id === 'status')?.href).toBe('https://gate.hearth.test/gate/status?region=PE');

      // A playback refusal says the same.
      const segment = await callGate({ path: '/seg-1.ts', token, ip: AWAY_IP, country: 'PE' });
      expect(segment.status).toBe(403);
      expect(((await segment.json()) as { actions: Action[] }).actions.map((a) => a.id)).toEqual(ids);

      // Each action, followed by this device, is granted: a code is sent, the pages open, and the TV is told the move needs the owner's code.
      const answers: Record<string, { status: number; reason?: string }> = {};
      for (const action of body.actions) {
        const answer = await callGate({
          method: action.method,
          path: ((url) => url.pathname + url.search)(new URL(action.href)),
          token,
          cookie: `hearth_device=${token}`,
          ip: AWAY_IP,
          country: 'PE',
          // The question's one tap (contract §8) carries an answer; the others need no body.
          ...(action.method === 'POST' ? { body: action.id === 'feedback' ? '{"situation":"other"}' : '{}', headers: { 'Content-Type': 'application/json' } } : {}),
        });
        const json = answer.headers.get('Content-Type')?.includes('json') ? ((await answer.json()) as { reason?: string }) : {};
        answers[action.id] = { status: answer.status, ...(json.reason ? { reason: json.reason } : {}) };
      }
      expect(answers).toEqual({
        verify: { status: 201 },
        'extra-member': { status: 200 },
        help: { status: 200 },
        status: { status: 200 },
        feedback: { status: 201 },
        ...(type === 'tv' ? { 'primary-location': { status: 403, reason: 'VERIFICATION_REQUIRED' } } : {}),
      });
      expect(await lastCode(account)).toMatch(/^\d{6}$/);
      // What is not offered is indeed refused.
      const move = await callGate({ method: 'POST', path: '/gate/v1/household/primary-location', token, ip: AWAY_IP, country: 'PE', body: '{}', headers: { 'Content-Type': 'application/json' } });
      expect(((await move.json()) as { reason: string }).reason).toBe(type === 'tv' ? 'VERIFICATION_REQUIRED' : 'DEVICE_TYPE_NOT_ALLOWED');
    });
  }

  it('in monitor, an allowed device away from home is offered no code, and asking for one is NOT_REQUIRED', async () => {
    const account = newAccount('agree-monitor');
    await callGate({ token: await deviceToken({ account, device: 'anchor', type: 'tv' }), ip: HOME_IP, country: 'CR' });
    const phone = await deviceToken({ account, device: 'away' });
    for (const locale of LOCALES) {
      const body = (await (await callGate({ token: phone, ip: AWAY_IP, country: 'CR', headers: { 'Accept-Language': locale } })).json()) as {
        decision: string;
        reason: string;
        wouldDecision: string;
        message: string;
        actions: Action[];
      };
      expect(body).toMatchObject({ decision: 'allow', reason: 'OUTSIDE_HOUSEHOLD', wouldDecision: 'challenge', actions: [] });
      expect(body.message).not.toMatch(CODE_WORD[locale]);
    }
    const asked = await callGate({ method: 'POST', path: '/gate/v1/challenges', token: phone, ip: AWAY_IP, country: 'CR' });
    expect(asked.status).toBe(409);
    expect(((await asked.json()) as { reason: string }).reason).toBe('NOT_REQUIRED');
  });

  it('answers a re-used code CODE_ALREADY_USED, its detail saying what its message says, in every language', async () => {
    const { account, token } = await awayDevice('mobile');
    const opened = (await (await callGate({ method: 'POST', path: '/gate/v1/challenges', token, ip: AWAY_IP, country: 'PE' })).json()) as { challengeId: string };
    const code = await lastCode(account);
    const verify = (locale: string) =>
      callGate({
        method: 'POST',
        path: `/gate/v1/challenges/${opened.challengeId}/verify`,
        token,
        ip: AWAY_IP,
        country: 'PE',
        body: JSON.stringify({ code }),
        headers: { 'Content-Type': 'application/json', 'Accept-Language': locale },
      });
    expect((await verify('en')).status).toBe(200);
    for (const locale of LOCALES) {
      const again = await verify(locale);
      expect(again.status).toBe(410);
      const problem = (await again.json()) as { reason: string; detail: string; message: string; actions: Action[] };
      expect(problem.reason).toBe('CODE_ALREADY_USED');
      expect(problem.detail).toBe(problem.message);
      expect(problem.message).toBe(explainReason('CODE_ALREADY_USED', { locale, allowed: false, deviceType: 'mobile' }).message);
      expect(problem.actions.map((a) => a.id)).toEqual(['verify', 'help']);
    }
  });
});
