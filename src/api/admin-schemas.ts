/**
 * The admin API's schemas (`/admin/v1/*`): rollout rules with stages and
 * guards, support's account view, explain, audit, metrics and previews.
 * device-schemas.ts holds the devices'; schemas.ts re-exports both, so every
 * schema is imported from one place.
 */
import * as z from 'zod';
import { DurationError, parseDurationMs } from '../config/duration';
import { action, outcome } from '../http/problem-schema';
import { counts, countsShape, outcomeCounts } from '../metrics/counts-schema';
import { MAX_GUARD_WINDOW_MS, MAX_STAGE_HOLD_MS } from '../policy/staged-rule';
import { guard as storedGuard, stage as storedStage } from '../policy/rule-schema';
import { DEVICE_TYPES, FEEDBACK_SITUATIONS, HOME_EVIDENCE, MODES, REGION_PATTERN } from '../vocabulary';
import { HOUSEHOLD_EVENT_NAMES, SIGN_OUT_AUTHORITIES } from '../household/events';
import { deviceView, id, isoTime } from './device-schemas';

export const regionParam = z.object({ region: z.string().regex(REGION_PATTERN, 'must be an upper-case ISO 3166-1 alpha-2 code or *') });
export const accountParam = z.object({ account: id });

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
    maxLiveHereRate: rate('the share of refused households that said they live here (POST /gate/v1/feedback), above which the rule trips').optional(),
    minHouseholds: householdMinimum.optional().meta({ description: 'Treated households the window needs before the guard acts (default 100).' }),
    minSessions: householdMinimum.optional().meta({ description: 'The former name of minHouseholds (v1.1), same meaning.', deprecated: true }),
    window: durationText('window', MAX_GUARD_WINDOW_MS, 'PT6H').meta({ description: 'The counts the guard reads, back from now (whole minutes), e.g. PT15M; longer than zero and at most PT6H.' }),
  })
  .strict()
  .refine((guard) => guard.maxRefusalRate !== undefined || guard.minVerifySuccessRate !== undefined || guard.maxLiveHereRate !== undefined, {
    message: 'give at least one of maxRefusalRate, minVerifySuccessRate and maxLiveHereRate',
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
    notice: z.literal('skip').optional().meta({
      description:
        'A stricter rule applies at once instead of waiting NOTICE_PERIOD on the status page; needs the scope `rollout:skip-notice` and a `note` saying why. Audited; the status page says it came without notice.',
    }),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.notice === 'skip' && !rule.note?.trim()) ctx.addIssue({ code: 'custom', path: ['note'], message: 'required with notice "skip": say why this rule cannot wait its notice' });
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
    feedback: z
      .array(
        z.object({
          situation: z.enum(FEEDBACK_SITUATIONS),
          at: isoTime,
          deviceId: z.string(),
          deviceType: z.enum(DEVICE_TYPES),
          comment: z.string().nullable().meta({ description: 'The person’s own words, as sent (shown here and nowhere else).' }),
          requestId: z.string().nullable().meta({ description: 'The refusal’s request id (`Hearth-Request-Id`), to find it beside `explain`.' }),
          region: z.string(),
          reason: z.string().meta({ description: 'The reason the device was refused for.' }),
        }),
      )
      .meta({ description: 'What the account’s refused devices said when asked why they are where they are (contract §8), newest first: the last TRUST_WINDOW’s.' }),
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
    regions: z.record(
      z.string(),
      z.object({
        totals: counts,
        byVersion: z.record(z.string(), z.object({ sessions: outcomeCounts, segments: outcomeCounts })).meta({
          description:
            'The answers of the period by the Worker version that gave them (the label /healthz says, src/version.ts): during a gradual deployment, the two versions side by side. At most 8 by name, the most answers first; the rest summed as `other`. Answers counted by a release before 1.4.0 carry no version and are not here.',
        }),
        series: z.array(z.object({ at: isoTime, ...countsShape })),
      }),
    ),
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

/** A stricter change waiting for a second person (contract §8, ROLLOUT_APPROVAL=stricter). */
export const pendingChange = z
  .object({
    changeId: z.string(),
    status: z.literal('pending-approval'),
    region: z.string(),
    rule: z
      .object({ mode: z.enum(MODES), percent: z.number().int(), failOpen: z.boolean(), note: z.string().optional(), stages: z.array(storedStage).optional(), guard: storedGuard.optional() })
      .nullable()
      .meta({ description: 'The rule asked for; null: the region’s rule deleted (it would follow a stricter *).' }),
    notice: z.literal('skip').optional().meta({ description: 'Once approved, the rule applies at once, without notice.' }),
    note: z.string().nullable(),
    requestedBy: z.string(),
    requestedAt: isoTime,
    expiresAt: isoTime.meta({ description: 'A change nobody approves within 7 days is dropped.' }),
    version: z.number().int().meta({ description: 'The rollout version it was asked against: approving it once the rollout moved is 409 CHANGE_OUTDATED.' }),
  })
  .meta({ id: 'PendingChange' });
export const pendingChanges = z.object({ changes: z.array(pendingChange) }).meta({ id: 'PendingChanges' });
export const changeParam = z.object({ changeId: z.string().uuid() });
export const changeDecisionInput = z
  .object({ note: z.string().trim().max(500).optional() })
  .strict()
  .meta({ id: 'ChangeDecisionInput' });
export const changeRejected = z.object({ changeId: z.string(), status: z.literal('rejected') });

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
    applies: z
      .object({
        at: isoTime.meta({
          description: 'The earliest the proposed rule would apply if set now: now, or after NOTICE_PERIOD when it is stricter (and after a second person’s approval under ROLLOUT_APPROVAL=stricter).',
        }),
        stricter: z.boolean(),
        approval: z.boolean().meta({ description: 'Whether a second person must approve it first.' }),
      })
      .meta({ description: 'When the proposed rule would apply (contract §8).' }),
    rules: z.object({
      current: z.object({ key: z.string(), mode: z.enum(MODES), percent: z.number().int() }),
      proposed: z.object({ mode: z.enum(MODES), percent: z.number().int() }),
    }),
    policyVersion: z.number().int(),
  })
  .meta({ id: 'Preview' });
