/**
 * The request and response shapes of the HTTP API as zod schemas: the same
 * objects validate requests and generate the OpenAPI document.
 */
import * as z from 'zod';
import { CODE_PATTERN } from '../challenges/verification-code';
import { DurationError, parseDurationMs } from '../config/duration';
import { action, outcome } from '../http/problem-schema';
import { counts, countsShape, outcomeCounts } from '../metrics/counts-schema';
import { MAX_GUARD_WINDOW_MS, MAX_STAGE_HOLD_MS } from '../policy/staged-rule';
import { CHALLENGE_PURPOSES, DEVICE_TYPES, HOME_EVIDENCE, ID_PATTERN, MODES, REGION_PATTERN } from '../vocabulary';
import { HOUSEHOLD_EVENT_NAMES, SIGN_OUT_AUTHORITIES } from '../household/events';

/** Written once beside the types read off them: the rule and its guard (policy), the counts (metrics). */
export { rollout, rolloutRule } from '../policy/rule-schema';
export { counts } from '../metrics/counts-schema';
export { action, problem } from '../http/problem-schema';

const isoTime = z.string().meta({ format: 'date-time' });
const id = z.string().regex(ID_PATTERN, 'must match [A-Za-z0-9._:-]{1,128}');

/** A challenge id as it arrives in the path; an id that is not one of ours is 404, not 400. */
export const challengeParam = z.object({ id: z.string() });

const code = z.string({ error: 'must be the 6-digit code as a string' }).regex(CODE_PATTERN, 'must be exactly 6 digits');

export const verifyBody = z.object({ code });

/** Days of away access: a whole number from 1 (AWAY_ACCESS_MAX, at most 366, is checked against the configuration). */
const awayDays = z.number({ error: 'must be a whole number of days' }).int('must be a whole number of days').min(1, 'must be at least 1').max(366, 'must be at most 366');

/**
 * `POST /gate/v1/challenges`: what the code is for. The body is optional (no
 * body is `{}`, an `access` code); strict, so a misspelt `purpose` is a 400,
 * never an access code sent in its place.
 */
export const challengeRequest = z
  .object({
    purpose: z.enum(CHALLENGE_PURPOSES, { error: 'must be "access", "primary-location" or "sign-out"' }).default('access').meta({
      description:
        '`access` (default): temporary access for this device; `primary-location`: a TV moving the household here (TV only); `sign-out`: signing out the device `deviceId` from away (at home, or for itself, a device needs no code).',
    }),
    deviceId: id.optional().meta({ description: 'With `sign-out` (and only with it): the device the code signs out.' }),
    days: awayDays.optional().meta({ description: 'With `away-access` (and only with it): the days of access the code gives, 1 to `AWAY_ACCESS_MAX`.' }),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.purpose === 'sign-out' && body.deviceId === undefined) ctx.addIssue({ code: 'custom', path: ['deviceId'], message: 'is required with purpose "sign-out": the device to sign out' });
    if (body.purpose !== 'sign-out' && body.deviceId !== undefined) ctx.addIssue({ code: 'custom', path: ['deviceId'], message: 'is only taken with purpose "sign-out"' });
    if (body.purpose === 'away-access' && body.days === undefined) ctx.addIssue({ code: 'custom', path: ['days'], message: 'is required with purpose "away-access": how many days of access' });
    if (body.purpose !== 'away-access' && body.days !== undefined) ctx.addIssue({ code: 'custom', path: ['days'], message: 'is only taken with purpose "away-access"' });
  })
  .meta({ id: 'ChallengeRequest' });

/**
 * `POST /gate/v1/household/primary-location`: the owner's code of a
 * `primary-location` challenge this TV opened. Both fields may be missing —
 * the answer is then `403 VERIFICATION_REQUIRED`, which says how to get one —
 * but a field that is there must be well-formed.
 */
export const primaryLocationRequest = z
  .object({
    challengeId: z.string({ error: 'must be the challengeId from POST /gate/v1/challenges' }).max(64, 'must be the challengeId from POST /gate/v1/challenges').optional(),
    code: code.optional(),
  })
  .meta({ id: 'PrimaryLocationRequest' });

/**
 * `DELETE /gate/v1/household/devices/{deviceId}`: for another device from
 * away, the owner's code of a `sign-out` challenge this device opened for
 * it. Optional: a device signing itself out, or one at home, sends none.
 */
export const signOutRequest = z
  .object({
    challengeId: z.string({ error: 'must be the challengeId from POST /gate/v1/challenges' }).max(64, 'must be the challengeId from POST /gate/v1/challenges').optional(),
    code: code.optional(),
  })
  .meta({ id: 'SignOutRequest' });

/** `POST /gate/v1/household/away-access`: the owner's code of an `away-access` challenge this device opened, and the days wanted (at most the code's). */
export const awayAccessRequest = z
  .object({
    challengeId: z.string({ error: 'must be the challengeId from POST /gate/v1/challenges' }).max(64, 'must be the challengeId from POST /gate/v1/challenges').optional(),
    code: code.optional(),
    days: awayDays.optional().meta({ description: 'At most the days the code was asked with; absent: those.' }),
  })
  .meta({ id: 'AwayAccessRequest' });

/** `POST` / `DELETE /gate/v1/household/second-home`: the owner's code of a `second-home` challenge this TV opened. */
export const secondHomeRequest = z
  .object({
    challengeId: z.string({ error: 'must be the challengeId from POST /gate/v1/challenges' }).max(64, 'must be the challengeId from POST /gate/v1/challenges').optional(),
    code: code.optional(),
  })
  .meta({ id: 'SecondHomeRequest' });

export const awayAccessGranted = z.object({ decision: z.literal('allow'), reason: z.literal('AWAY_ACCESS'), expiresAt: isoTime }).meta({ id: 'AwayAccessGranted' });

export const health = z.union([
  z.object({ ok: z.literal(true), version: z.string() }).meta({ description: 'Every part is configured.' }),
  z
    .object({
      ok: z.literal(false),
      status: z.literal('degraded'),
      version: z.string(),
      detail: z.string(),
      misconfigured: z.array(z.object({ part: z.literal('admin'), bindings: z.array(z.string()).meta({ description: 'The bindings at fault (names only).' }) })),
    })
    .meta({ description: 'Playback and the device API serve; a part (the admin API) is misconfigured.' }),
]);

export const decisionResponse = z
  .object({
    decision: outcome,
    reason: z.string(),
    wouldDecision: outcome.optional(),
    mode: z.enum(MODES),
    region: z.string(),
    policyVersion: z.number().int(),
    message: z.string(),
    actions: z.array(action),
    accessUntil: isoTime.optional(),
    session: z.object({ expiresAt: isoTime }).optional().meta({
      description:
        'On `allow` only: the playback session this answer carries in `Hearth-Session` and the `hearth_session` cookie, and when it ends (at most PLAYBACK_SESSION_TTL from now, never after `accessUntil`).',
    }),
    requestId: z.string(),
  })
  .meta({ id: 'Decision' });

export const challengeCreated = z.object({ challengeId: z.string(), expiresAt: isoTime });
export const verifySuccess = z.object({ decision: z.literal('allow'), reason: z.literal('TEMPORARY_ACCESS'), expiresAt: isoTime });
const networkView = z.object({
  id: z.string(),
  addedAt: isoTime,
  lastSeenAt: isoTime,
  shared: z.boolean().meta({ description: 'Held as home by more than SHARED_NETWORK_HOUSEHOLDS households: only the TV’s exact address counts as home there.' }),
  households: z.number().int().nullable().meta({ description: 'Households holding the network as home at the last check; null until checked.' }),
});

export const householdNetworks = z.object({
  household: z.object({
    networks: z.array(networkView).meta({ description: 'Every home network of the household, every home’s.' }),
    homes: z
      .array(
        z.object({
          homeId: z.string().meta({ description: '`primary`, or a second home’s id.' }),
          networks: z.array(networkView),
          anchorDeviceId: z.string().nullable().meta({ description: 'The TV that keeps this home (null: none since it was signed out, until a TV is seen at home there).' }),
          updatedAt: isoTime,
        }),
      )
      .meta({ description: 'The primary home first, then the second homes (contract §6, `SECOND_HOMES`).' }),
    updatedAt: isoTime,
  }),
});
export const deviceView = z
  .object({
    deviceId: z.string(),
    type: z.enum(DEVICE_TYPES),
    firstSeenAt: isoTime,
    lastSeenAt: isoTime,
    lastHomeSeenAt: isoTime.nullable(),
    status: z.enum(['home', 'trusted', 'temporary', 'extra-member', 'support-grant', 'outside', 'signed-out']),
    accessUntil: isoTime.nullable(),
    bound: z.boolean().meta({
      description:
        'The device was seen bound to a key (DPoP): from then on only that key speaks for its id — another key, or an unbound token, is `401 DEVICE_PROOF_REQUIRED` — until it is signed out.',
    }),
  })
  .meta({ id: 'Device' });
export const deviceList = z.object({ devices: z.array(deviceView) });

export const regionParam = z.object({ region: z.string().regex(REGION_PATTERN, 'must be an upper-case ISO 3166-1 alpha-2 code or *') });
export const accountParam = z.object({ account: id });
export const deviceIdParam = z.object({ deviceId: id });

/** An ISO 8601 duration kept as text (`P1D`), checked to parse; `max` caps it. */
const durationText = (what: string, maxMs?: number, maxWords?: string) =>
  z.string().superRefine((text, ctx) => {
    try {
      const ms = parseDurationMs(text);
      if (maxMs !== undefined && ms > maxMs) ctx.addIssue({ code: 'custom', message: `${what} is at most ${maxWords}` });
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof DurationError ? error.message : `${what} must be an ISO 8601 duration` });
    }
  });

const rate = (what: string) => z.number(`must be a number from 0 to 1 (${what})`).min(0, 'must be at least 0').max(1, 'must be at most 1');

export const stageInput = z
  .object({
    percent: z.number().int('must be a whole number').min(0).max(100),
    hold: durationText('hold', MAX_STAGE_HOLD_MS, 'P90D')
      .optional()
      .meta({ description: 'How long this stage holds before the next (ISO 8601, e.g. P1D or PT30S), longer than zero and at most P90D; not on the last stage.' }),
  })
  .strict();

const householdMinimum = z.number().int('must be a whole number').min(1).max(1_000_000_000);

export const guardInput = z
  .object({
    maxRefusalRate: rate('the share of treated households with a session refused above which the rule trips').optional(),
    minVerifySuccessRate: rate('the share of households sent a code that verified one, below which the rule trips').optional(),
    minHouseholds: householdMinimum.optional().meta({ description: 'Treated households the window needs before the guard acts (default 100).' }),
    minSessions: householdMinimum.optional().meta({ description: 'The former name of minHouseholds (v1.1), same meaning.', deprecated: true }),
    window: durationText('window', MAX_GUARD_WINDOW_MS, 'PT6H').meta({ description: 'The counts the guard reads, back from now (whole minutes), e.g. PT15M; longer than zero and at most PT6H.' }),
  })
  .strict()
  .refine((guard) => guard.maxRefusalRate !== undefined || guard.minVerifySuccessRate !== undefined, {
    message: 'give maxRefusalRate, minVerifySuccessRate or both',
    path: ['maxRefusalRate'],
  })
  .refine((guard) => guard.minHouseholds === undefined || guard.minSessions === undefined || guard.minHouseholds === guard.minSessions, {
    message: 'minSessions is the former name of minHouseholds: give one of them',
    path: ['minSessions'],
  })
  // Stored under its v1.3 name only.
  .transform(({ minSessions, minHouseholds, ...guard }) => ({ ...guard, minHouseholds: minHouseholds ?? minSessions ?? 100 }))
  .meta({ id: 'GuardInput' });

export const rolloutRuleInput = z
  .object({
    mode: z.enum(MODES),
    percent: z.number().int('must be a whole number').min(0).max(100).optional().meta({ description: 'Default 100; with stages, the first stage’s percent.' }),
    failOpen: z.boolean().default(true),
    note: z.string().max(500).optional(),
    stages: z.array(stageInput).min(1, 'give at least one stage').max(20).optional(),
    guard: guardInput.optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    const stages = rule.stages ?? [];
    stages.forEach((stage, index) => {
      if (index > 0 && stage.percent <= stages[index - 1]!.percent)
        ctx.addIssue({ code: 'custom', path: ['stages', index, 'percent'], message: 'stages must increase: each percent above the one before' });
      const last = index === stages.length - 1;
      if (!last && stage.hold === undefined) ctx.addIssue({ code: 'custom', path: ['stages', index, 'hold'], message: 'required: how long this stage holds before the next' });
      if (last && stage.hold !== undefined) ctx.addIssue({ code: 'custom', path: ['stages', index, 'hold'], message: 'the last stage holds until the rule is changed; give it no hold' });
    });
    if (stages.length > 0 && rule.percent !== undefined && rule.percent !== stages[0]!.percent) {
      ctx.addIssue({ code: 'custom', path: ['percent'], message: 'a staged rule starts at its first stage’s percent; leave percent out' });
    }
  })
  .transform((rule) => ({ ...rule, percent: rule.stages?.[0]?.percent ?? rule.percent ?? 100 }))
  .meta({ id: 'RolloutRuleInput' });

export const grantInput = z
  .object({
    deviceId: id.optional(),
    days: z.number().int('must be a whole number of days').min(1).max(180),
    reason: z.string().trim().min(1, 'is required').max(500),
  })
  .strict();
export const grantCreated = z.object({ grantId: z.string(), expiresAt: isoTime });
export const grantParam = z.object({ account: id, grantId: z.string().uuid() });

export const extraMemberInput = z.object({ deviceId: id, label: z.string().trim().max(100).optional() }).strict();
export const extraMember = z.object({ deviceId: z.string(), label: z.string().nullable(), addedAt: isoTime });
export const extraMemberParam = z.object({ account: id, deviceId: id });

export const accountSummary = z
  .object({
    accountId: z.string(),
    established: z.boolean(),
    establishedAt: isoTime.nullable(),
    homeNetworkCount: z.number().int(),
    homeNetworks: z
      .array(
        z.object({
          addedAt: isoTime,
          lastSeenAt: isoTime,
          shared: z.boolean(),
          households: z.number().int().nullable().meta({ description: 'How many households held this network as home within TRUST_WINDOW at the last check (null: not checked yet).' }),
          checkedAt: isoTime.nullable(),
          anchorAddressesKept: z.number().int().meta({ description: 'On a shared network: how many of the TV’s recent addresses count as home for its household now (never the addresses).' }),
        }),
      )
      .meta({ description: 'Each home network: shared or not, and by how many households — a number, never an address or network id.' }),
    anchorDeviceId: z.string().nullable(),
    anchorConflicts: z.object({ count: z.number().int(), lastAt: isoTime.nullable() }).meta({
      description:
        'Times the anchor TV’s id tried to carry the household to a new network while the real TV was still at home (a copy of its id streaming elsewhere; counted at most once a day). The household did not move.',
    }),
    devices: z.array(
      deviceView.extend({
        keyThumbprint: z
          .string()
          .nullable()
          .meta({ description: 'The first 8 characters of the RFC 7638 thumbprint of the key the device is bound to (null: not bound): enough to tell two keys apart, never the key.' }),
      }),
    ),
    events: z
      .array(
        z.object({
          event: z.enum(HOUSEHOLD_EVENT_NAMES),
          deviceId: z.string(),
          deviceType: z.enum(DEVICE_TYPES),
          region: z.string(),
          at: isoTime,
          by: z.enum(SIGN_OUT_AUTHORITIES).optional().meta({ description: 'For `device_signed_out`: `self`, `home`, `code` or `support`.' }),
        }),
      )
      .meta({ description: 'What the owner was told of (`household_event`, contract §6), newest first: the last 100 within 31 days.' }),
    grants: z.array(z.object({ grantId: z.string(), deviceId: z.string().nullable(), reason: z.string(), actor: z.string(), createdAt: isoTime, expiresAt: isoTime })),
    extraMembers: z.array(extraMember),
    extraMemberSlots: z.object({ used: z.number().int(), total: z.number().int() }),
    homes: z
      .array(z.object({ homeId: z.string(), networkCount: z.number().int(), anchorDeviceId: z.string().nullable(), updatedAt: isoTime }))
      .meta({ description: 'The primary home, then second homes set with the owner’s code (contract §6): how many networks each holds (never which), and the TV that keeps it.' }),
    awayAccess: z
      .object({
        givenInYear: z.number().int(),
        perYear: z.number().int(),
        devices: z.array(z.object({ deviceId: z.string(), until: isoTime })),
      })
      .meta({ description: 'Away access the owner gave with their code: how many in the last 365 days (of `AWAY_ACCESS_PER_YEAR`), and the devices holding it now.' }),
    primaryLocationChangesInWindow: z.number().int(),
    updatedAt: isoTime,
  })
  .meta({ id: 'AccountSummary' });

const explainFields = {
  deviceId: id,
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
    .transform((c) => c.toUpperCase())
    .optional(),
  deviceType: z.enum(DEVICE_TYPES).optional(),
};

/** `POST …/explain`: the request to explain. The client address travels only here, in the body — URLs end up in logs. */
export const explainInput = z
  .object({
    ...explainFields,
    ip: z.string().max(64).optional().meta({ description: 'The client address to explain: hashed like any client address, never stored, logged or echoed.' }),
  })
  .strict()
  .meta({ id: 'ExplainInput' });

/** Why an address in the URL is refused: the detail of the 400 names the way that works. */
export const ADDRESS_IN_URL = 'an address never travels in a URL (URLs are kept in logs and by proxies); send it in the body: POST /admin/v1/accounts/{account}/explain with { deviceId, ip }';

/**
 * `GET …/explain` (kept for scripts written before contract v1.3): the same
 * request without an address. An `ip` in the query is refused, naming `ip`.
 */
export const explainQuery = z.object({
  // First, so that it is the field a 400 names even when others are wrong too.
  ip: z.never({ error: ADDRESS_IN_URL }).optional().meta({ description: 'Refused (400 naming `ip`): an address never travels in a URL. POST it in the body instead.' }),
  ...explainFields,
});

export const explanation = z
  .object({
    accountId: z.string(),
    deviceId: z.string(),
    deviceType: z.enum(DEVICE_TYPES),
    bound: z
      .boolean()
      .meta({ description: 'The device is bound to a key: the explanation is of a request proving that key (any other key, or an unbound token, is `DEVICE_PROOF_REQUIRED` at row 1).' }),
    networkIsHome: z.boolean(),
    networkShared: z.boolean().meta({ description: 'The address is on one of the household’s shared home networks.' }),
    evidence: z.enum(HOME_EVIDENCE).optional().meta({ description: 'When enforce answers IN_HOUSEHOLD: `network`, `anchor` (the household’s TV) or `copresence` (the TV’s address).' }),
    decision: outcome,
    reason: z.string(),
    wouldDecision: outcome.optional(),
    mode: z.enum(MODES),
    region: z.string(),
    rule: z.object({ key: z.string(), mode: z.enum(MODES), percent: z.number().int(), failOpen: z.boolean() }),
    bucket: z.number().int(),
    policyVersion: z.number().int(),
    message: z.string(),
    actions: z.array(action),
    accessUntil: isoTime.optional(),
    trace: z.array(z.object({ row: z.number().int(), check: z.string(), matched: z.boolean(), detail: z.string().optional() })),
  })
  .meta({ id: 'Explanation' });

export const auditQuery = z.object({
  limit: z.coerce.number().int('must be a whole number').min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'must be the nextCursor of a previous page')
    .optional(),
});

export const auditEntry = z
  .object({ id: z.string(), at: isoTime, actor: z.string(), action: z.string(), target: z.string(), before: z.unknown(), after: z.unknown(), note: z.string().nullable() })
  .meta({ id: 'AuditEntry' });
export const auditPage = z.object({ entries: z.array(auditEntry), nextCursor: z.string().nullable() });

/** An ISO 8601 duration in the query or body, as milliseconds (`PT1M`, `PT1H`, `P1D`). */
const isoDuration = (description: string) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return { text, ms: parseDurationMs(text) };
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: error instanceof DurationError ? error.message : 'must be an ISO 8601 duration' });
        return z.NEVER;
      }
    })
    .meta({ description, example: 'PT1H' });

export const metricsQuery = z.object({
  region: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an upper-case ISO 3166-1 alpha-2 code (XX: country unknown)')
    .optional()
    .meta({ description: 'One region; all regions with counts in the period when absent. A region without counts in the period is left out of the answer even when named.' }),
  since: z
    .string()
    .datetime({ offset: true, message: 'must be an ISO 8601 instant such as 2026-11-21T09:00:00Z' })
    .transform((text) => Date.parse(text))
    .optional()
    .meta({ description: 'Start (ISO 8601 instant); default an hour ago. Rounded down to the step’s resolution (minute, or hour for whole-hour steps).' }),
  step: isoDuration(
    'Time step, whole minutes; default PT1M. Minute steps reach back 48 hours, whole-hour steps 30 days. At most 10,000 series points per answer over all regions with counts; more is 400 naming step.',
  ).optional(),
});

export const metrics = z
  .object({
    since: isoTime,
    step: z.string(),
    regions: z.record(z.string(), z.object({ totals: counts, series: z.array(z.object({ at: isoTime, ...countsShape })) })),
  })
  .meta({ id: 'Metrics' });

export const previewRegionParam = z.object({ region: z.string().regex(/^[A-Z]{2}$/, 'must be an upper-case ISO 3166-1 alpha-2 code') });

export const previewInput = z
  .object({
    mode: z.enum(MODES),
    percent: z.number().int('must be a whole number').min(0).max(100).default(100),
    window: isoDuration('How much recent traffic to replay; default PT1H, at most PT48H.').optional(),
  })
  .strict()
  .meta({ id: 'PreviewInput' });

const devicePreview = z.object({ sessions: z.number().int(), current: outcomeCounts, proposed: outcomeCounts });
export const preview = z
  .object({
    region: z.string(),
    window: z.string(),
    since: isoTime,
    sessions: z.number().int(),
    current: outcomeCounts,
    proposed: outcomeCounts,
    byDeviceType: z.record(z.string(), devicePreview),
    rules: z.object({
      current: z.object({ key: z.string(), mode: z.enum(MODES), percent: z.number().int() }),
      proposed: z.object({ mode: z.enum(MODES), percent: z.number().int() }),
    }),
    policyVersion: z.number().int(),
  })
  .meta({ id: 'Preview' });
