/**
 * Fault injection in workerd, against the real local KV and Durable Objects:
 * for each fault, the documented answer, nothing lost, and state that
 * converges once the fault clears. Faults inside a Durable Object are
 * injected by replacing one method of its real binding for the duration of
 * the fault (and restoring it); faults at the edge by wrapping the bindings
 * the Worker is given.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HouseholdDocument } from '../../src/household/household';
import type { HouseholdStore } from '../../src/state/household-store';
import { householdKey } from '../../src/state/kv-keys';
import { admin } from '../admin/admin-support';
import { callGate, household, newAccount, setRule, testEnv } from '../support/gate';
import { passTime } from '../support/clock';
import { CONFIRMATION_REUSE_MS } from '../../src/state/household-read-model';
import { deviceToken } from '../support/tokens';
import { deliveries } from '../support/webhook';
import { ownNetwork } from '../support/networks';

// Each test's home is a network of its own (test/support/networks.ts): other tests' and files' households there would make it shared.
let HOME_IP: string;
beforeEach(() => {
  HOME_IP = ownNetwork().address(0x70);
});
const AWAY_IP = '198.51.100.71';
type Json = Record<string, any>;

const heals: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const heal of heals.splice(0)) await heal();
  vi.restoreAllMocks();
});

const failing = (what: string) => () => Promise.reject(new Error(`${what} unavailable (injected)`));

/**
 * Makes `method` of the Durable Object's own `binding` fail until the
 * returned function is called (and in any case after the test). For CONTROL,
 * the stubs it hands out fail on `method`.
 */
async function breakInside(account: string, binding: 'HEARTH_KV' | 'CONTROL', method: string): Promise<() => Promise<void>> {
  const stub = testEnv.HOUSEHOLDS.get(testEnv.HOUSEHOLDS.idFromName(account));
  let restore: () => void = () => {};
  await runInDurableObject(stub, (instance: HouseholdStore) => {
    const target = (instance as unknown as { env: Record<string, Record<string, unknown>> }).env[binding]!;
    const property = binding === 'CONTROL' ? 'get' : method;
    const original = target[property] as (...args: unknown[]) => unknown;
    target[property] =
      binding === 'CONTROL'
        ? (...args: unknown[]) => {
            const real = original.apply(target, args) as Record<string, unknown>;
            return new Proxy(real, { get: (object, name) => (name === method ? failing(`ControlStore.${method}`) : object[name as string]) });
          }
        : failing(`${binding}.${method}`);
    restore = () => {
      target[property] = original;
    };
  });
  const heal = async () => {
    await runInDurableObject(stub, () => restore());
  };
  heals.push(heal);
  return heal;
}

const kvSnapshot = (account: string) => env.HEARTH_KV.get<HouseholdDocument>(householdKey(account), 'json');
/** Runs the account object's alarm once it is due (KV writes are coalesced to one a second, so an early run defers: the clock is moved to it); false when none was scheduled. */
async function alarm(account: string): Promise<boolean> {
  const stub = testEnv.HOUSEHOLDS.get(testEnv.HOUSEHOLDS.idFromName(account));
  const due = await runInDurableObject(stub, (_: HouseholdStore, state) => state.storage.getAlarm());
  if (due !== null && due > Date.now()) passTime(due - Date.now() + 20);
  // True when a scheduled alarm has run: here, or by the runtime itself once it was due.
  return (await runDurableObjectAlarm(stub)) || due !== null;
}

async function establishedHousehold() {
  await setRule('PE', 'monitor');
  const account = newAccount();
  const tv = await deviceToken({ account, device: 'tv', type: 'tv', iat: Math.floor(Date.now() / 1000) - 5 });
  const phone = await deviceToken({ account, device: 'phone', iat: Math.floor(Date.now() / 1000) - 5 });
  await callGate({ token: tv, ip: HOME_IP, country: 'PE' });
  await callGate({ token: phone, ip: HOME_IP, country: 'PE' });
  return { account, tv, phone };
}

describe('KV failing inside the account’s Durable Object', () => {
  it('without a fault, a change that has landed leaves no alarm behind (no idle wake-ups)', async () => {
    const { account } = await establishedHousehold();
    await alarm(account); // the coalesced write of the second visit
    passTime(1100); // past KV's one write a second, so the grant is written at once
    const grant = await admin('POST', `/admin/v1/accounts/${account}/grants`, { body: { days: 1, reason: 'control' } });
    expect(grant.status).toBe(201);
    const stub = testEnv.HOUSEHOLDS.get(testEnv.HOUSEHOLDS.idFromName(account));
    const left = await runInDurableObject(stub, async (_: HouseholdStore, state) => [await state.storage.getAlarm(), await state.storage.get('kv:pending')]);
    expect(left).toEqual([null, undefined]);
  });

  it('a sign-out made while KV.put throws reaches KV from the alarm once KV is back', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { account, tv } = await establishedHousehold();
    await alarm(account); // whatever the visits left owed is written first
    const heal = await breakInside(account, 'HEARTH_KV', 'put');
    expect((await callGate({ method: 'DELETE', path: '/gate/v1/household/devices/phone', token: tv, ip: HOME_IP })).status).toBe(204);
    expect((await household(account))!.devices.get('phone')!.signedOutAt).not.toBeNull();
    expect((await kvSnapshot(account))!.devices.find((d) => d.deviceId === 'phone')!.signedOutAt).toBeNull();
    // Still failing: the alarm tries, fails, and keeps trying.
    expect(await alarm(account)).toBe(true);
    await heal();
    expect(await alarm(account)).toBe(true);

    expect((await kvSnapshot(account))!.devices.find((d) => d.deviceId === 'phone')!.signedOutAt).toEqual(expect.any(Number));
  });

  it('an erase made while KV.put throws replaces the snapshot with the erase floor once KV is back; the object keeps the floor alone', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { account } = await establishedHousehold();
    const heal = await breakInside(account, 'HEARTH_KV', 'put');
    expect((await admin('DELETE', `/admin/v1/accounts/${account}`)).status).toBe(204);
    // KV still holds the household until the owed write lands.
    expect((await kvSnapshot(account))!.devices.length).toBeGreaterThan(0);
    await heal();
    await alarm(account);
    expect(await kvSnapshot(account)).toEqual({ schema: 2, eraseFloor: expect.objectContaining({ signedOutBefore: expect.any(Number) }) });
    const stub = testEnv.HOUSEHOLDS.get(testEnv.HOUSEHOLDS.idFromName(account));
    const keys = await runInDurableObject(stub, async (_: HouseholdStore, state) => [...(await state.storage.list()).keys()]);
    expect(keys.filter((key) => key !== 'kv:lastPublishedAt')).toEqual(['erase:floor']);
  });
});

describe('the audit log failing: the outbox delivers once it is back, exactly once', () => {
  it('a grant made while the ControlStore is unreachable is kept, and audited later', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { account } = await establishedHousehold();
    const heal = await breakInside(account, 'CONTROL', 'appendAudit');
    const grant = await admin('POST', `/admin/v1/accounts/${account}/grants`, { body: { days: 3, reason: 'audit outage test' } });
    expect(grant.status).toBe(201);
    const target = `accounts/${account}/grants/${grant.body.grantId}`;
    const audited = async () => ((await admin('GET', '/admin/v1/audit?limit=200')).body.entries as Json[]).filter((entry) => entry.target === target);
    expect(await audited()).toHaveLength(0);
    expect((await admin('GET', `/admin/v1/accounts/${account}`)).body.grants).toHaveLength(1);
    await heal();
    await alarm(account);
    await alarm(account);
    const entries = await audited();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: 'grant.create', actor: 'ops@hearth.test', note: 'audit outage test' });
  });

  it('erase redacts the account’s earlier entries: action, time and actor stay, the person does not', async () => {
    const { account } = await establishedHousehold();
    await admin('POST', `/admin/v1/accounts/${account}/grants`, { body: { deviceId: 'phone', days: 3, reason: 'Grandma in hospital' } });
    await admin('POST', `/admin/v1/accounts/${account}/extra-members`, { body: { deviceId: 'phone', label: 'Ana’s phone' } });
    await admin('DELETE', `/admin/v1/accounts/${account}`);
    const entries = (await admin('GET', '/admin/v1/audit?limit=50')).body.entries as Json[];
    const text = JSON.stringify(entries);
    expect(text).not.toContain(account);
    expect(text).not.toContain('Grandma');
    expect(text).not.toContain('Ana’s phone');
    const erase = entries.find((entry) => entry.action === 'account.erase')!;
    const pseudonymous = entries.filter((entry) => entry.target === erase.target);
    expect(pseudonymous.map((entry) => entry.action).toSorted()).toEqual(['account.erase', 'extra-member.add', 'grant.create']);
    expect(pseudonymous.every((entry) => entry.actor === 'ops@hearth.test' && typeof entry.at === 'string')).toBe(true);
  });
});

describe('faults at the edge', () => {
  const brokenKv = { get: failing('KV.get'), put: failing('KV.put'), delete: failing('KV.delete'), list: failing('KV.list'), getWithMetadata: failing('KV.getWithMetadata') };
  const slowKv = {
    ...testEnv.HEARTH_KV,
    get: async (key: string, type: 'text' | 'json') => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      return testEnv.HEARTH_KV.get(key, type as 'text');
    },
  };
  const brokenHouseholds = {
    idFromName: (name: string) => testEnv.HOUSEHOLDS.idFromName(name),
    get: () => new Proxy({}, { get: () => failing('HouseholdStore') }),
  };

  it('KV failing: the Durable Object answers instead, and nothing is refused wrongly', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { phone } = await establishedHousehold();
    const answer = await callGate({ token: phone, ip: HOME_IP, country: 'PE', env: { HEARTH_KV: brokenKv } });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as Json).reason).toBe('IN_HOUSEHOLD');
  });

  it('KV slow: the answer is the same, only later', async () => {
    const { phone } = await establishedHousehold();
    const answer = await callGate({ token: phone, ip: HOME_IP, country: 'PE', env: { HEARTH_KV: slowKv } });
    expect(((await answer.json()) as Json).reason).toBe('IN_HOUSEHOLD');
  });

  it('KV and the Durable Object both down: failOpen allows, fail-closed answers 503 + Retry-After; both recover', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { phone } = await establishedHousehold();
    const outage = { HEARTH_KV: brokenKv, HOUSEHOLDS: brokenHouseholds };
    await setRule('PE', 'enforce', { failOpen: true });
    const open = await callGate({ path: '/seg.ts', token: phone, ip: AWAY_IP, country: 'PE', env: outage });
    expect(open.status).toBe(200);
    expect(open.headers.get('Hearth-Decision')).toBe('allow; reason=STATE_UNAVAILABLE');
    await setRule('PE', 'enforce', { failOpen: false });
    const closed = await callGate({ path: '/seg.ts', token: phone, ip: AWAY_IP, country: 'PE', env: outage });
    expect(closed.status).toBe(503);
    expect(closed.headers.get('Retry-After')).toBe('5');
    expect(((await closed.json()) as Json).reason).toBe('STATE_UNAVAILABLE');
    const recovered = await callGate({ path: '/seg.ts', token: phone, ip: HOME_IP, country: 'PE' });
    expect(recovered.headers.get('Hearth-Decision')).toBe('allow; reason=IN_HOUSEHOLD');
    await setRule('PE', 'monitor');
  });

  it('a refusal the Durable Object cannot confirm stands: the snapshot in hand decides (never STATE_UNAVAILABLE, never an allow)', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { account } = await establishedHousehold();
    await alarm(account); // the KV snapshot holds the household
    const outsider = await deviceToken({ account, device: 'outsider' });
    // An outside device floods its own account's object until it rejects requests; KV still answers.
    for (const failOpen of [true, false]) {
      await setRule('PE', 'enforce', { failOpen });
      const answer = await callGate({ path: '/seg.ts', token: outsider, ip: AWAY_IP, country: 'PE', env: { HOUSEHOLDS: brokenHouseholds } });
      expect(answer.status).toBe(403);
      expect(answer.headers.get('Hearth-Decision')).toBe('challenge; reason=OUTSIDE_HOUSEHOLD');
    }
    expect(errors.mock.calls.some(([line]) => String(line).includes('"event":"refusal_unconfirmed"'))).toBe(true);
    await setRule('PE', 'monitor');
  });

  it('a device refused moments ago costs no object call per segment: one confirmation per account per isolate per CONFIRMATION_REUSE_MS', async () => {
    const { account } = await establishedHousehold();
    await alarm(account);
    const outsider = await deviceToken({ account, device: 'outsider' });
    let calls = 0;
    const counting = {
      label: 'counting households',
      idFromName: (name: string) => testEnv.HOUSEHOLDS.idFromName(name),
      get: (id: DurableObjectId) => {
        calls += 1;
        return testEnv.HOUSEHOLDS.get(id);
      },
    };
    await setRule('PE', 'enforce');
    for (let i = 0; i < 20; i++) {
      const answer = await callGate({ path: `/seg-${i}.ts`, token: outsider, ip: AWAY_IP, country: 'PE', env: { HOUSEHOLDS: counting } });
      expect(answer.status).toBe(403);
    }
    // One confirmation, and the visit's one write (the outsider's first sight); not forty.
    expect(calls).toBeLessThanOrEqual(3);
    passTime(CONFIRMATION_REUSE_MS + 50);
    calls = 0;
    await callGate({ path: '/seg-again.ts', token: outsider, ip: AWAY_IP, country: 'PE', env: { HOUSEHOLDS: counting } });
    expect(calls).toBeGreaterThanOrEqual(1);
    await setRule('PE', 'monitor');
  });

  it('the Durable Object down for the device API: 503 + Retry-After, never a 500', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { tv } = await establishedHousehold();
    for (const [method, path] of [
      ['GET', '/gate/v1/household/devices'],
      ['POST', '/gate/v1/challenges'],
      ['DELETE', '/gate/v1/household/devices/phone'],
    ] as const) {
      const answer = await callGate({ method, path, token: tv, ip: HOME_IP, country: 'PE', env: { HOUSEHOLDS: brokenHouseholds } });
      expect(answer.status, `${method} ${path}`).toBe(503);
      expect(answer.headers.get('Retry-After')).toBe('5');
    }
  });

  // A refused connection cannot be staged here (Miniflare turns a failing outbound handler into a 500
  // response, not a network error); it takes the same path as the timeout below and answers 502 ORIGIN_UNREACHABLE.
  it('the origin failing: its own error passes through with the decision; hanging: 504 ORIGIN_TIMEOUT after ORIGIN_TIMEOUT', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { tv } = await establishedHousehold();
    const failed = await callGate({ path: '/seg.ts?status=503', token: tv, ip: HOME_IP, country: 'PE' });
    expect(failed.status).toBe(503);
    expect(failed.headers.get('Hearth-Decision')).toBe('allow; reason=IN_HOUSEHOLD');
    const started = Date.now();
    const hung = await callGate({ path: '/seg.ts', token: tv, ip: HOME_IP, country: 'PE', env: { ORIGIN_URL: 'http://origin-hang.test', ORIGIN_TIMEOUT: 'PT0.3S' } });
    expect(hung.status).toBe(504);
    expect(((await hung.json()) as Json).reason).toBe('ORIGIN_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2500);
    expect(hung.headers.get('Hearth-Decision')).toBe('allow; reason=IN_HOUSEHOLD');
  });

  it('the webhook timing out after NOTIFY_TIMEOUT: 502 NOTIFY_FAILED, nothing counted, and the next code goes through', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    await setRule('PE', 'challenge');
    const { account } = await establishedHousehold().then(async (h) => (await setRule('PE', 'challenge'), h));
    const traveller = await deviceToken({ account, device: 'traveller' });
    const asked = performance.now();
    const timedOut = await callGate({
      method: 'POST',
      path: '/gate/v1/challenges',
      token: traveller,
      ip: AWAY_IP,
      country: 'PE',
      env: { NOTIFY_URL: 'http://notify.test/hook?hang=1', NOTIFY_TIMEOUT: 'PT0.3S' },
    });
    // The webhook hangs for 8 s: the answer came when the gate's own NOTIFY_TIMEOUT ran out, not the PT5S default.
    expect(performance.now() - asked).toBeLessThan(5000);
    expect(timedOut.status).toBe(502);
    expect(((await timedOut.json()) as Json).reason).toBe('NOTIFY_FAILED');
    for (let i = 0; i < 3; i++) {
      expect((await callGate({ method: 'POST', path: '/gate/v1/challenges', token: traveller, ip: AWAY_IP, country: 'PE' })).status).toBe(201);
    }
    expect(await deliveries(account)).toHaveLength(3);
    await setRule('PE', 'monitor');
  }, 20_000);
});
