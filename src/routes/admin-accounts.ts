/**
 * Support's view of one account (docs/api.md): the household summary,
 * `explain` (the decision a request would get, with its trace, changing
 * nothing), support grants, extra-member slots and erase. Every write is
 * audited with the acting admin's `sub` — by the account's Durable Object, in
 * the same storage transaction as the change (see `state/outbox.ts`).
 *
 * Trust boundary: `explain` may be given a raw address by support — in the
 * body of a POST only, since URLs are kept in logs and by proxies (a GET
 * with an address is refused). It is hashed like any client address and
 * never stored, logged or echoed.
 */
import type { z } from 'zod';
import type { HandlerInput } from '../api/operation';
import type {
  accountParam,
  accountSummary as accountSummarySchema,
  explainInput,
  explainQuery,
  explanation,
  extraMember,
  extraMemberInput,
  extraMemberParam,
  grantCreated,
  grantInput,
  grantParam,
} from '../api/schemas';
import { deviceViews, householdView, iso, isoOrNull } from '../api/views';
import { awayAccessGivenInYear } from '../household/away-access';
import { activeHomeNetworks } from '../household/home-networks';
import type { Household } from '../household/household';
import { primaryLocationChangesUsed } from '../household/transitions';
import type { AppContext } from '../http/context';
import { problemFor } from '../http/problem';
import { refusalProblem } from './refusal';
import { explainReason } from '../messages/catalog';
import { decide } from '../policy/decide';
import { effectiveMode, rolloutBucket, ruleFor } from '../policy/rollout';
import { MS_PER_DAY, unixSeconds } from '../time';
import type { DeviceType } from '../vocabulary';
import type { HouseholdEventRecord } from '../state/household-events';
import type { FeedbackEntry } from '../state/household-feedback';

function notFound(c: AppContext, reason: 'ACCOUNT_NOT_FOUND' | 'GRANT_NOT_FOUND' | 'EXTRA_MEMBER_NOT_FOUND', detail?: string): Response {
  return problemFor(c, reason, detail ? { detail } : {});
}

/** The summary support sees: counts and statuses, never an address. */
export function accountSummary(household: Household, c: AppContext, now: number, events: HouseholdEventRecord[] = [], feedback: FeedbackEntry[] = []) {
  const gate = c.get('gate');
  const homeNetworks = activeHomeNetworks(household, gate.limits, now);
  return {
    accountId: household.accountId,
    established: household.establishedAt !== null,
    establishedAt: isoOrNull(household.establishedAt),
    homeNetworkCount: homeNetworks.length,
    // Each home network as support may explain it: shared or not and by how many households — never an address or id.
    homeNetworks: homeNetworks.map((network) => ({
      addedAt: iso(network.addedAt),
      lastSeenAt: iso(network.lastSeenAt),
      shared: network.shared,
      households: network.households,
      checkedAt: isoOrNull(network.checkedAt),
      anchorAddressesKept: network.anchorAddresses.filter((address) => address.until > now).length,
    })),
    anchorDeviceId: household.anchorDeviceId,
    anchorConflicts: { count: household.anchorConflicts, lastAt: isoOrNull(household.lastAnchorConflictAt) },
    // A bound key shown short: enough for support to tell two keys apart, never the key.
    devices: deviceViews(household, gate.limits, now).map((view) => Object.assign(view, { keyThumbprint: household.devices.get(view.deviceId)?.keyThumbprint?.slice(0, 8) ?? null })),
    events,
    // What refused devices said (contract §8), with the person's comment: support's eyes only.
    feedback: feedback.map(({ situation, at, deviceId, deviceType, comment, requestId, region, reason }) => ({ situation, at: iso(at), deviceId, deviceType, comment, requestId, region, reason })),
    grants: household.supportGrants
      .filter((grant) => grant.expiresAt > now)
      .map((grant) => ({ grantId: grant.grantId, deviceId: grant.deviceId, reason: grant.reason, actor: grant.actor, createdAt: iso(grant.createdAt), expiresAt: iso(grant.expiresAt) })),
    extraMembers: [...household.extraMembers.values()].map((member) => ({ deviceId: member.deviceId, label: member.label, addedAt: iso(member.addedAt) })),
    extraMemberSlots: { used: household.extraMembers.size, total: gate.config.extraMemberSlots },
    // The owner's two ways (contract §6): the second homes and their TVs, and away access given this year.
    homes: householdView(household).homes.map((home) => ({ homeId: home.homeId, networkCount: home.networks.length, anchorDeviceId: home.anchorDeviceId, updatedAt: home.updatedAt })),
    awayAccess: {
      givenInYear: awayAccessGivenInYear(household, now),
      perYear: gate.config.awayAccessPerYear,
      devices: [...household.devices.values()]
        .filter((device) => device.awayAccessUntil !== null && device.awayAccessUntil > now)
        .map((device) => ({ deviceId: device.deviceId, until: iso(device.awayAccessUntil!) })),
    },
    primaryLocationChangesInWindow: primaryLocationChangesUsed(household, gate.limits, now),
    updatedAt: iso(household.updatedAt),
  };
}

export async function getAccount(c: AppContext, input: HandlerInput<'admin', { params: typeof accountParam }>): Promise<Response> {
  const store = c.get('gate').households.store(input.params.account);
  const household = await store.household();
  if (!household) return notFound(c, 'ACCOUNT_NOT_FOUND');
  const now = Date.now();
  const [events, feedback] = await Promise.all([store.recentEvents(now), store.recentFeedback(now)]);
  return c.json(accountSummary(household, c, now, events, feedback) satisfies z.input<typeof accountSummarySchema>, 200, { 'Cache-Control': 'no-store' });
}

/** The request `explain` decides: a device of the account, and optionally its address, country and type. */
interface ExplainRequest {
  deviceId: string;
  ip?: string | undefined;
  country?: string | undefined;
  deviceType?: DeviceType | undefined;
}

/** `POST …/explain`: the decision a request from this device, address and country would get now. Writes nothing. */
export function explain(c: AppContext, input: HandlerInput<'admin', { params: typeof accountParam; body: typeof explainInput }>): Promise<Response> {
  return explainDecision(c, input.params.account, input.body);
}

/** `GET …/explain` (before contract v1.3): the same without an address — the query schema refuses one. */
export function explainWithoutAddress(c: AppContext, input: HandlerInput<'admin', { params: typeof accountParam; query: typeof explainQuery }>): Promise<Response> {
  const { deviceId, country, deviceType } = input.query;
  return explainDecision(c, input.params.account, { deviceId, country, deviceType });
}

async function explainDecision(c: AppContext, account: string, request: ExplainRequest): Promise<Response> {
  const gate = c.get('gate');
  const now = Date.now();
  const { deviceId, ip, country, deviceType } = request;
  const [household, rollout, networkId, addressId] = await Promise.all([
    gate.households.store(account).household(),
    gate.rollouts.authoritative(),
    gate.networks.networkId(ip ?? null),
    gate.networks.addressId(ip ?? null),
  ]);
  const type = deviceType ?? household?.devices.get(deviceId)?.type ?? 'other';
  // Explained as a request from the device itself: with its recorded key when it is bound (a copy with another key is refused at row 1).
  const keyThumbprint = household?.devices.get(deviceId)?.keyThumbprint ?? null;
  const appliedRule = ruleFor(rollout, country ?? null, now);
  const bucket = await rolloutBucket(appliedRule.key, account);
  const decision = decide(
    {
      device: { accountId: account, deviceId, deviceType: type, issuedAtSeconds: unixSeconds(now), keyThumbprint },
      networkId,
      addressId,
      region: country ?? null,
      appliedRule,
      bucket,
      household,
      policyVersion: rollout.version,
    },
    gate.limits,
    now,
  );
  const locale = c.get('locale');
  return c.json(
    {
      accountId: account,
      deviceId,
      deviceType: type,
      bound: keyThumbprint !== null,
      networkIsHome: networkId !== null && household !== null && activeHomeNetworks(household, gate.limits, now).some((n) => n.networkId === networkId),
      networkShared: decision.sharedNetwork,
      ...(decision.evidence ? { evidence: decision.evidence } : {}),
      decision: decision.decision,
      reason: decision.reason,
      ...(decision.wouldDecision ? { wouldDecision: decision.wouldDecision } : {}),
      mode: effectiveMode(appliedRule.rule, bucket),
      region: decision.region,
      rule: { key: appliedRule.key, mode: appliedRule.rule.mode, percent: appliedRule.rule.percent, failOpen: appliedRule.rule.failOpen },
      bucket,
      policyVersion: decision.policyVersion,
      // The actions as the person would get them: absolute on this gate's origin, the status page of the region explained.
      ...explainReason(decision.reason, { locale, allowed: decision.decision === 'allow', deviceType: type, links: { origin: new URL(c.req.url).origin, region: decision.region } }),
      ...(decision.accessUntil ? { accessUntil: iso(decision.accessUntil) } : {}),
      trace: decision.trace,
    } satisfies z.input<typeof explanation>,
    200,
    { 'Cache-Control': 'no-store' },
  );
}

export async function createGrant(c: AppContext, input: HandlerInput<'admin', { params: typeof accountParam; body: typeof grantInput }>): Promise<Response> {
  const gate = c.get('gate');
  const { account } = input.params;
  const { deviceId, days, reason } = input.body;
  const actor = input.admin.actor;
  const { grant } = (
    await gate.households.change(account, async (store) => store.addSupportGrant(account, { deviceId: deviceId ?? null, reason, expiresAt: Date.now() + days * MS_PER_DAY }, { actor }))
  ).value;
  return c.json({ grantId: grant.grantId, expiresAt: iso(grant.expiresAt) } satisfies z.input<typeof grantCreated>, 201, { Location: `/admin/v1/accounts/${account}/grants/${grant.grantId}` });
}

export async function endGrant(c: AppContext, input: HandlerInput<'admin', { params: typeof grantParam }>): Promise<Response> {
  const gate = c.get('gate');
  const { account, grantId } = input.params;
  const ended = await gate.households.change(account, async (store) => store.endSupportGrant(grantId, { actor: input.admin.actor }));
  if (!ended.ok) return refusalProblem(c, ended.error);
  return c.body(null, 204);
}

export async function addExtraMember(c: AppContext, input: HandlerInput<'admin', { params: typeof accountParam; body: typeof extraMemberInput }>): Promise<Response> {
  const gate = c.get('gate');
  const { account } = input.params;
  const { deviceId, label } = input.body;
  const change = await gate.households.change(account, async (store) => store.addExtraMember(account, deviceId, label ?? null, gate.config.extraMemberSlots, { actor: input.admin.actor }));
  if (!change.ok) return refusalProblem(c, change.error);
  const member = change.value.household.extraMembers.get(deviceId)!;
  const body = { deviceId, label: member.label, addedAt: iso(member.addedAt) } satisfies z.input<typeof extraMember>;
  if (!change.value.added) return c.json(body, 200);
  return c.json(body, 201, { Location: `/admin/v1/accounts/${account}/extra-members/${deviceId}` });
}

export async function removeExtraMember(c: AppContext, input: HandlerInput<'admin', { params: typeof extraMemberParam }>): Promise<Response> {
  const gate = c.get('gate');
  const { account, deviceId } = input.params;
  const removed = await gate.households.change(account, async (store) => store.removeExtraMember(deviceId, { actor: input.admin.actor }));
  if (!removed.ok) return refusalProblem(c, removed.error);
  return c.body(null, 204);
}

/** `DELETE /admin/v1/accounts/{account}/away-access/{deviceId}`: support ends a device's away access early, audited. */
export async function endAwayAccess(c: AppContext, input: HandlerInput<'admin', { params: typeof extraMemberParam }>): Promise<Response> {
  const gate = c.get('gate');
  const { account, deviceId } = input.params;
  const ended = await gate.households.change(account, async (store) => store.endAwayAccess(deviceId, { actor: input.admin.actor }));
  if (!ended.ok) return refusalProblem(c, ended.error);
  return c.body(null, 204);
}

export async function eraseAccount(c: AppContext, input: HandlerInput<'admin', { params: typeof accountParam }>): Promise<Response> {
  const gate = c.get('gate');
  const { account } = input.params;
  await gate.households.store(account).erase(account, { actor: input.admin.actor }, gate.limits);
  gate.households.forget(account);
  return c.body(null, 204);
}
