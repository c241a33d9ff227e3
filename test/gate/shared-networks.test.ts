/**
 * Shared networks (contract v1.2, §3 and §4 row 6), end to end in workerd with
 * the real Durable Objects and KV: carrier-grade NAT pools, campuses and
 * hotels, where one /24 (or /56) is home to many households.
 *
 * Second-scale settings: more than 2 households make a network shared; a
 * household confirms its networks every second (TRUST_WINDOW PT31S / 31);
 * the TV's address counts for 2 s after it was last used.
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { networkSharing } from '../../src/state/network-sharing';
import { admin } from '../admin/admin-support';
import { callGate, household, newAccount, setRule, testEnv } from '../support/gate';
import { passTime } from '../support/clock';
import { movePrimaryLocation } from '../support/primary-location';
import { deviceToken } from '../support/tokens';

const SHARED = { SHARED_NETWORK_HOUSEHOLDS: '2', TRUST_WINDOW: 'PT31S', COPRESENCE_WINDOW: 'PT8S' };
const REGION = 'NG';
const CONFIRMATION_MS = 1000;
const COPRESENCE_MS = 8000;

let lastNetwork = 0;
/** A /24 of its own per test (198.18.0.0/15, the benchmarking range), so no two tests share a sharing count. */
function freshV4Network(): (host: number) => string {
  lastNetwork += 1;
  const prefix = `198.18.${lastNetwork}`;
  return (host) => `${prefix}.${host}`;
}

interface Decided {
  status: number;
  reason: string;
  decision: string;
  body: Record<string, unknown>;
}

async function play(token: string, ip: string): Promise<Decided> {
  const response = await callGate({ token, ip, country: REGION, env: SHARED });
  const body = await response.json<Record<string, unknown>>();
  return { status: response.status, reason: body.reason as string, decision: body.decision as string, body };
}

/** A household whose TV established it at `ip`; its tokens. */
async function householdAt(ip: string, label = 'home') {
  const account = newAccount(label);
  const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
  expect((await play(tv, ip)).reason).toBe('HOUSEHOLD_ESTABLISHED');
  return { account, tv, phone: (name: string) => deviceToken({ account, device: name }) };
}

/** Two households already call a fresh /24 home; the family's TV (at .30) makes three, so it is shared for the family at once. */
async function familyOnSharedNetwork() {
  const at = freshV4Network();
  await householdAt(at(10));
  await householdAt(at(20));
  return { at, family: await householdAt(at(30)) };
}

async function homeNetworks(account: string) {
  return (await household(account))!.homeNetworks;
}

async function explain(account: string, deviceId: string, ip: string) {
  return admin('POST', `/admin/v1/accounts/${account}/explain`, { body: { deviceId, ip, country: REGION }, scope: 'accounts:read', env: SHARED });
}

beforeAll(async () => {
  await setRule(REGION, 'challenge');
});

describe('a network many households call home is shared', () => {
  it('three households on one /24 make it shared for the third at once and for the first two at their next confirmation', async () => {
    const at = freshV4Network();
    const first = await householdAt(at(10), 'first');
    const second = await householdAt(at(20), 'second');
    expect(await homeNetworks(first.account)).toMatchObject([{ shared: false, households: 1 }]);
    expect(await homeNetworks(second.account)).toMatchObject([{ shared: false, households: 2 }]);

    const third = await householdAt(at(30), 'third');
    expect(await homeNetworks(third.account)).toMatchObject([{ shared: true, households: 3 }]);
    // The first two have not confirmed since: they still decide as before.
    expect((await play(await first.phone('phone'), at(11))).reason).toBe('IN_HOUSEHOLD');
    expect(await homeNetworks(second.account)).toMatchObject([{ shared: false, households: 2 }]);

    passTime(CONFIRMATION_MS + 100);
    // Each TV's next request confirms its network: the count is read again, and now says shared.
    expect((await play(first.tv, at(10))).reason).toBe('IN_HOUSEHOLD');
    expect((await play(second.tv, at(20))).reason).toBe('IN_HOUSEHOLD');
    expect(await homeNetworks(first.account)).toMatchObject([{ shared: true, households: 3 }]);
    expect(await homeNetworks(second.account)).toMatchObject([{ shared: true, households: 3 }]);
    expect((await play(await first.phone('new-phone'), at(11))).reason).toBe('OUTSIDE_HOUSEHOLD');
  });

  it('on a shared network a phone at another address is outside, a phone at the TV’s address is home — until the TV has been gone for COPRESENCE_WINDOW', async () => {
    const { at, family } = await familyOnSharedNetwork();

    const stranger = await play(await family.phone('phone-next-door'), at(31));
    expect(stranger).toMatchObject({ decision: 'challenge', reason: 'OUTSIDE_HOUSEHOLD' });
    const beside = await play(await family.phone('phone-on-the-sofa'), at(30));
    expect(beside).toMatchObject({ decision: 'allow', reason: 'IN_HOUSEHOLD' });
    // The anchor itself is always home on a home network, whatever its address there.
    expect((await play(family.tv, at(30))).reason).toBe('IN_HOUSEHOLD');

    const explained = await explain(family.account, 'phone-next-door', at(31));
    expect(explained.body).toMatchObject({ reason: 'OUTSIDE_HOUSEHOLD', networkIsHome: true, networkShared: true });
    expect(explained.body.trace.find((step: { row: number }) => step.row === 6)).toMatchObject({ matched: false, detail: 'shared network, 3 household(s): not beside the TV' });
    const besideExplained = await explain(family.account, 'phone-on-the-sofa', at(30));
    expect(besideExplained.body).toMatchObject({ reason: 'IN_HOUSEHOLD', evidence: 'copresence', networkShared: true });
    expect(besideExplained.body.trace.find((step: { row: number }) => step.row === 6).detail).toMatch(/^shared network, 3 household\(s\): same address as the TV (under a minute|\d+ min) ago$/);

    // The window and the address's quarter-window write lag pass.
    passTime(COPRESENCE_MS * 1.25 + 200);
    // The TV has not streamed since: its address no longer counts, and is no longer kept.
    expect((await play(await family.phone('phone-later'), at(30))).reason).toBe('OUTSIDE_HOUSEHOLD');
    // The refused phone writes nothing (contract §9); the object's alarm, set for the address's expiry, forgets it.
    await runDurableObjectAlarm(testEnv.HOUSEHOLDS.get(testEnv.HOUSEHOLDS.idFromName(family.account)));
    expect((await homeNetworks(family.account))[0]!.anchorAddresses).toEqual([]);
    // A phone that once watched beside the TV stays trusted for TRUST_WINDOW, like any device seen at home.
    expect((await play(await family.phone('phone-on-the-sofa'), at(31))).reason).toBe('TRUSTED_DEVICE');
  });

  it('a household alone on its /24 behaves exactly as before', async () => {
    const at = freshV4Network();
    const alone = await householdAt(at(10));
    expect(await homeNetworks(alone.account)).toMatchObject([{ shared: false, households: 1, anchorAddresses: [] }]);
    expect((await play(await alone.phone('phone'), at(99))).reason).toBe('IN_HOUSEHOLD');
    const explained = await explain(alone.account, 'phone', at(99));
    expect(explained.body).toMatchObject({ evidence: 'network', networkShared: false });
    expect(explained.body.trace.find((step: { row: number }) => step.row === 6).detail).toBe('home network (not shared, 1 household(s))');
    // No address id is kept on a network that is not shared.
    expect(JSON.stringify(await household(alone.account))).not.toContain('a1.');
  });

  it('IPv6: /56 networks and /64 addresses', async () => {
    const net = (sub: string, host: string) => `2001:db8:5:${sub}::${host}`; // 2001:db8:5:XX00::/56 holds the /64s XX00–XXff
    await householdAt(net('ab01', '1'));
    await householdAt(net('ab02', '1'));
    const family = await householdAt(net('ab03', '1'));
    expect(await homeNetworks(family.account)).toMatchObject([{ shared: true, households: 3 }]);
    // Same /64 as the TV (another device on the family's LAN): home. Another /64 of the same /56: not.
    expect((await play(await family.phone('phone-lan'), net('ab03', 'beef'))).reason).toBe('IN_HOUSEHOLD');
    expect((await play(await family.phone('phone-other-lan'), net('ab04', '1'))).reason).toBe('OUTSIDE_HOUSEHOLD');
    // Behind Pseudo IPv4 the real IPv6 address decides too.
    const pseudo = await callGate({ token: await family.phone('phone-pseudo'), ip: '240.0.0.9', ipv6: net('ab03', '77'), country: REGION, env: SHARED });
    expect((await pseudo.json<{ reason: string }>()).reason).toBe('IN_HOUSEHOLD');
  });

  it('the count holds keyed hashes only, never an account id, and an erase takes the household out of it', async () => {
    const at = freshV4Network();
    const households = [await householdAt(at(10), 'private'), await householdAt(at(20), 'private'), await householdAt(at(30), 'private')];
    const networkId = (await homeNetworks(households[0]!.account))[0]!.networkId;
    const sharing = networkSharing(testEnv, networkId);
    const rows = await runInDurableObject(sharing, (_instance, state) => state.storage.sql.exec<{ holder: string }>('SELECT holder FROM holders').toArray());
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row.holder).toMatch(/^h1\.[A-Za-z0-9_-]{22}$/);
    // Nothing stored in the object names an account, a device or an address.
    await runInDurableObject(sharing, async (_instance, state) => {
      const everything = JSON.stringify(state.storage.sql.exec('SELECT * FROM holders').toArray()) + JSON.stringify(state.storage.sql.exec('SELECT * FROM settings').toArray());
      for (const { account } of households) expect(everything).not.toContain(account);
      expect(everything).not.toContain('198.18.');
      // As a stored value: a keyed hash's random base64url may hold the letters "tv" (1 run in about 60 did).
      expect(everything).not.toContain('"tv"');
    });

    expect((await admin('DELETE', `/admin/v1/accounts/${households[2]!.account}`, { env: SHARED })).status).toBe(204);
    expect(await sharing.households()).toBe(2);
  });

  it('the anchor TV moving to a new network carries co-presence with it', async () => {
    const here = freshV4Network();
    const there = freshV4Network();
    await householdAt(here(10));
    await householdAt(here(20));
    const family = await householdAt(here(30));
    // Two other households already call the new network home.
    await householdAt(there(10));
    await householdAt(there(20));

    // The ISP moves the family to another /24 of its pool: the TV goes quiet at home (COPRESENCE_WINDOW and its
    // quarter-window write lag) and the trusted TV carries the household there.
    passTime(COPRESENCE_MS + COPRESENCE_MS / 4 + 100);
    expect((await play(family.tv, there(55))).reason).toBe('TRUSTED_DEVICE');
    const networks = await homeNetworks(family.account);
    expect(networks).toHaveLength(2);
    expect(networks[0]).toMatchObject({ shared: true, households: 3 });
    expect(networks[0]!.anchorAddresses).toHaveLength(1);
    expect((await play(await family.phone('phone-beside'), there(55))).reason).toBe('IN_HOUSEHOLD');
    expect((await play(await family.phone('phone-elsewhere'), there(56))).reason).toBe('OUTSIDE_HOUSEHOLD');
  });

  it('a TV making a shared network its primary location is beside its phones there at once', async () => {
    const at = freshV4Network();
    await householdAt(at(10));
    await householdAt(at(20));
    const elsewhere = freshV4Network();
    const family = await householdAt(elsewhere(1));
    const moved = await movePrimaryLocation(family.account, family.tv, { ip: at(40), country: REGION, env: SHARED });
    expect(moved.status).toBe(200);
    expect((await moved.json<{ household: { networks: unknown[] } }>()).household.networks).toMatchObject([{ shared: true, households: 3 }]);
    expect((await play(await family.phone('phone-beside'), at(40))).reason).toBe('IN_HOUSEHOLD');
    expect((await play(await family.phone('phone-apart'), at(41))).reason).toBe('OUTSIDE_HOUSEHOLD');
  });

  it('the TV streaming all evening writes its address at most once per quarter of COPRESENCE_WINDOW', async () => {
    const { at, family } = await familyOnSharedNetwork();
    const revision = (await household(family.account))!.revision;
    for (let i = 0; i < 5; i++) expect((await play(family.tv, at(30))).reason).toBe('IN_HOUSEHOLD');
    expect((await household(family.account))!.revision).toBe(revision);
    passTime(COPRESENCE_MS / 4 + 50);
    await play(family.tv, at(30));
    // The one write (callGate waits for the request's waitUntil work; the poll only spares a busy machine a race).
    await expect.poll(async () => (await household(family.account))!.revision).toBe(revision + 1);
    const after = (await household(family.account))!;
    expect(after.revision).toBe(revision + 1);
    expect(after.homeNetworks[0]!.anchorAddresses).toHaveLength(1);
  });

  it('support sees each home network as shared or not, with its household count and no address', async () => {
    const { family } = await familyOnSharedNetwork();
    const summary = await admin('GET', `/admin/v1/accounts/${family.account}`, { scope: 'accounts:read', env: SHARED });
    expect(summary.status).toBe(200);
    expect(summary.body.homeNetworks).toMatchObject([{ shared: true, households: 3, anchorAddressesKept: 1 }]);
    const text = JSON.stringify(summary.body);
    expect(text).not.toContain('198.18.');
    expect(text).not.toContain('a1.');
    expect(text).not.toContain('n1.');
  });
});

describe('ops see what a rollout does on shared networks before enforcing', () => {
  it('metrics count IN_HOUSEHOLD by evidence and the answers on shared home networks that enforce would refuse', async () => {
    const region = 'KE';
    await setRule(region, 'monitor');
    const at = freshV4Network();
    const call = async (token: string, ip: string, path?: string) => callGate({ token, ip, country: region, env: SHARED, ...(path ? { path } : {}) });
    const establish = async (ip: string) => {
      const account = newAccount('metrics');
      const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
      await call(tv, ip);
      return { tv, phone: (name: string) => deviceToken({ account, device: name }) };
    };
    await establish(at(10));
    await establish(at(20));
    const family = await establish(at(30)); // shared at once
    const alone = await establish(freshV4Network()(1));

    await call(family.tv, at(30)); // anchor
    await call(await family.phone('beside'), at(30)); // copresence
    await call(await family.phone('apart'), at(31)); // shared network, would be challenged
    await call(await family.phone('apart'), at(31), '/seg-1.ts'); // a segment of the same
    await call(await alone.phone('phone'), '198.18.250.1'); // not home at all
    await call(alone.tv, freshV4Network()(1)); // trusted TV on a network of its own: nothing here

    const answer = await admin('GET', `/admin/v1/metrics?region=${region}`, { scope: 'rollout:read', env: SHARED });
    const totals = answer.body.regions[region].totals;
    expect(totals.inHousehold.sessions).toEqual({ network: 0, anchor: 1, copresence: 1 });
    expect(totals.sharedNetworks).toEqual({ sessions: 3, segments: 1, wouldRefuse: { sessions: 1, segments: 1 } });
    expect(totals.wouldRefuse.sessions).toBe(2);
  });
});

describe('the help page on a shared network', () => {
  it('tells a viewer stopped on the household’s shared network why, and to watch beside the TV once or ask for a code — first', async () => {
    const { at, family } = await familyOnSharedNetwork();
    const phone = await family.phone('phone-upstairs');
    const page = async (ip: string, language = 'es') =>
      (await callGate({ path: '/gate/help', cookie: `hearth_device=${phone}`, ip, country: REGION, env: SHARED, headers: { 'Accept-Language': language } })).text();

    const stopped = await page(at(31));
    expect(stopped).toContain('¿En una red compartida?');
    expect(stopped).toContain('misma red Wi-Fi que el televisor');
    expect(stopped).toContain('href="#shared-network"');
    expect(stopped).toContain('data-relevant="true"');
    // Right after the decision, before the extra-member card.
    expect(stopped.indexOf('id="shared-network"')).toBeLessThan(stopped.indexOf('id="extra-member"'));

    // Elsewhere (a café, not a shared network of the household) the steps do not apply and are not shown (issue 36, item 4):
    // "If you are…" still answers someone behind a shared network.
    const away = await page('192.0.2.44', 'en');
    expect(away).not.toContain('id="shared-title"');
    expect(away).not.toContain('id="shared-network"');
    expect(away).toContain('If you are behind a shared network');
  });
});

describe('when a sharing count cannot be read', () => {
  it('the visit is still recorded, the network stays unchecked (not shared), and the failure is logged without ids', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const account = newAccount('unreadable');
      const store = testEnv.HOUSEHOLDS.get(testEnv.HOUSEHOLDS.idFromName(account));
      const limits = {
        trustWindowMs: 31_000,
        travelWindowMs: 30 * 86_400_000,
        travelGrantsPerWindow: 2,
        homeNetworksMax: 3,
        tokenMaxAgeMs: 30 * 86_400_000,
        sharedNetworkHouseholds: 2,
        copresenceWindowMs: 2000,
      };
      // A holder id the network's object refuses: its call throws, as an unreachable object would.
      const saved = await store.recordVisit(account, { deviceId: 'tv', deviceType: 'tv', networkId: 'n1.some-network', addressId: 'a1.tv', at: Date.now() }, limits, { holderId: 'not-a-holder-id' });
      expect(saved.establishedAt).not.toBeNull();
      expect(saved.homeNetworks).toMatchObject([{ networkId: 'n1.some-network', shared: false, households: null, checkedAt: null, anchorAddresses: [] }]);
      const logged = errors.mock.calls.map((call) => String(call[0]));
      expect(logged.some((line) => line.includes('"event":"network_sharing_unavailable"'))).toBe(true);
      expect(logged.join('\n')).not.toContain(account);
    } finally {
      errors.mockRestore();
    }
  });
});

describe('Analytics Engine', () => {
  it('each data point carries the evidence and whether the network is shared — and no id or address', async () => {
    const points: AnalyticsEngineDataPoint[] = [];
    const dataset = { writeDataPoint: (point?: AnalyticsEngineDataPoint) => void points.push(point!) };
    const env = { ...SHARED, DECISIONS: dataset };
    const at = freshV4Network();
    const establish = async (ip: string) => {
      const account = newAccount('analytics');
      const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
      await callGate({ token: tv, ip, country: REGION, env });
      return { account, tv };
    };
    await establish(at(10));
    await establish(at(20));
    const family = await establish(at(30));
    points.length = 0;
    await callGate({ token: await deviceToken({ account: family.account, device: 'beside' }), ip: at(30), country: REGION, env });
    await callGate({ token: await deviceToken({ account: family.account, device: 'apart' }), ip: at(31), country: REGION, env });
    expect(points.map((point) => point.blobs!.slice(5, 9))).toEqual([
      ['IN_HOUSEHOLD', 'mobile', 'copresence', 'shared'],
      ['OUTSIDE_HOUSEHOLD', 'mobile', '', 'shared'],
    ]);
    const text = JSON.stringify(points);
    expect(text).not.toContain(family.account);
    expect(text).not.toContain('198.18.');
  });
});
