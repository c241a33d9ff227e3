/**
 * A rollout rule, its guard and the guard's reading as zod schemas: the one
 * place their shape is written. The admin API answers them as they are kept
 * (api/schemas.ts documents and checks `GET /admin/v1/rollout` with these), and
 * policy's types (`RolloutRule`, `Guard`, `GuardReading`, `Rollout` in
 * rollout.ts) are read off them — so the stored rule and the documented one
 * cannot drift apart.
 *
 * Here, not in api/: policy needs the types and must not depend on the edge
 * (api imports policy, never the other way). Only zod is imported; the module
 * stays pure.
 */
import * as z from 'zod';
import { MODES } from '../vocabulary';

const isoTime = z.string().meta({ format: 'date-time' });

/** By situation of contract §8's question (`FEEDBACK_SITUATIONS` in vocabulary.ts, spelt out so the type keeps its keys). */
export const feedbackCounts = z
  .object({ 'live-here': z.number().int(), travelling: z.number().int(), studying: z.number().int(), 'posted-away': z.number().int(), 'second-home': z.number().int(), other: z.number().int() })
  .meta({ id: 'FeedbackCounts' });

/** Distinct households: treated, refused among them, sent a code, verified one; refused households by what they said (v1.4). */
export const householdCounts = z
  .object({
    treated: z.number().int(),
    refused: z.number().int(),
    sent: z.number().int(),
    verified: z.number().int(),
    feedback: feedbackCounts.optional().meta({ description: 'Refused households by what they said (POST /gate/v1/feedback); absent only in readings kept from before v1.4.' }),
  })
  .meta({ id: 'HouseholdCounts' });

/** What a guard read over its window, in distinct households of the rule's treated sessions (mode challenge or enforce). */
export const guardReading = z
  .object({
    at: isoTime,
    /** Start of the minutes read. */
    since: isoTime,
    households: householdCounts.meta({ description: 'Distinct households over the window: treated, refused among them, sent a code, verified one.' }),
    refusalRate: z.number().nullable().meta({ description: 'refused / treated households.' }),
    verifySuccessRate: z.number().nullable().meta({ description: 'verified / sent households.' }),
    liveHereRate: z.number().nullable().optional().meta({ description: 'Households that said `live-here` / refused households (v1.4; absent in readings kept from before).' }),
    /** Whether the reading is over the thresholds (with at least minHouseholds treated households). */
    unhealthy: z.boolean(),
    /** Which threshold it crossed. */
    cause: z.enum(['refusalRate', 'verifySuccessRate', 'liveHereRate']).optional(),
  })
  .meta({ id: 'GuardReading' });

/** One step of a staged rule: its percent, and how long it holds before the next (ISO 8601 as given, `P1D`; none on the last). */
export const stage = z.object({ percent: z.number().int(), hold: z.string().optional() });

/** When a rule steps itself down (docs/api.md, "Rules that advance and guard themselves"). */
export const guard = z.object({
  maxRefusalRate: z.number().optional(),
  minVerifySuccessRate: z.number().optional(),
  /** v1.4: the most of the refused households that may say `live-here` (contract §8). */
  maxLiveHereRate: z.number().optional(),
  /** Treated households the window needs before the guard acts (v1.3). */
  minHouseholds: z.number().int().optional(),
  /** Its former name (v1.1), same meaning; rules stored before v1.3 carry this. */
  minSessions: z.number().int().optional().meta({ description: 'On rules set before v1.3: the former name of minHouseholds.' }),
  /** ISO 8601 duration as given (`PT15M`); read in whole minutes. */
  window: z.string(),
});

/** How a change that made a region stricter reached the status page (contract §8): `given` (it waited NOTICE_PERIOD), `skipped` (applied at once), `not-needed` (not stricter). */
export const NOTICE_KINDS = ['given', 'skipped', 'not-needed'] as const;

const ruleFields = {
  mode: z.enum(MODES),
  percent: z.number().int(),
  failOpen: z.boolean(),
  note: z.string().optional(),
  stages: z.array(stage).optional(),
  guard: guard.optional(),
  /** Kept by the gate: `advancing` while stages remain, `tripped` after a guard stepped it down to monitor. */
  status: z
    .enum(['steady', 'advancing', 'tripped'])
    .optional()
    .meta({ description: '`advancing` while stages remain; `tripped` after the guard stepped the rule down to monitor (only a new PUT resumes it).' }),
  stage: z.number().int().optional().meta({ description: 'Index of the current stage.' }),
  stageStartedAt: isoTime.optional(),
  /** When the next stage starts (if the guard stays healthy); null when none is due. */
  nextAdvanceAt: isoTime.nullable().optional().meta({ description: 'When the next stage starts, if the guard stays healthy.' }),
  reading: guardReading.optional().meta({ description: 'The guard’s latest reading.' }),
  /** The reading that tripped the guard. */
  trippedBy: guardReading.optional(),
  trippedAt: isoTime.optional(),
  updatedAt: isoTime.optional(),
  updatedBy: z.string().optional(),
  notice: z
    .enum(NOTICE_KINDS)
    .optional()
    .meta({ description: 'How the rule reached the status page: `given` (it waited NOTICE_PERIOD), `skipped` (a stricter rule applied at once), `not-needed` (not stricter).' }),
};

/**
 * A stricter rule on its way (contract §8): already on the status page, in
 * force from `effectiveAt` (each stage from its own time after that). Kept on
 * the region whose rule it replaces; `removes` when the change deletes the
 * region's rule (the region then follows `*`, which is stricter).
 */
export const upcomingRule = z
  .object({
    ...ruleFields,
    effectiveAt: isoTime.meta({ description: 'When the rule applies: the end of its notice.' }),
    noticeFrom: isoTime.meta({ description: 'When it went on the status page.' }),
    removes: z.boolean().optional().meta({ description: 'The change deletes the region’s rule; from effectiveAt the region follows `*`.' }),
    approvedBy: z.string().optional().meta({ description: 'Who approved it (ROLLOUT_APPROVAL=stricter).' }),
  })
  .meta({ id: 'UpcomingRule' });

export const rolloutRule = z
  .object({
    ...ruleFields,
    /** The region has no rule of its own yet: it follows `*` (whose mode and percent are copied here when the entry was made) until `upcoming` applies. */
    follows: z
      .literal('*')
      .optional()
      .meta({ description: 'The region has no rule of its own: it follows `*` until its upcoming rule applies (mode and percent here are `*`’s when the entry was made).' }),
    upcoming: upcomingRule.optional().meta({ description: 'A stricter rule waiting out its notice (NOTICE_PERIOD) on the status page.' }),
  })
  .meta({ id: 'RolloutRule' });

/** One change of what the gate does in a region, as the status page lists it. */
export const ruleChange = z
  .object({
    at: isoTime,
    mode: z.enum(MODES),
    percent: z.number().int(),
    notice: z.enum(NOTICE_KINDS),
    announcedAt: isoTime.optional().meta({ description: 'With notice `given`: when the change went on the status page.' }),
  })
  .meta({ id: 'RuleChange' });

/** Every region's rule; `version` increments with every change (the `policyVersion` each decision carries). */
export const rollout = z
  .object({
    version: z.number().int(),
    updatedAt: isoTime.nullable(),
    regions: z.record(z.string(), rolloutRule),
    changes: z.record(z.string(), z.array(ruleChange)).optional().meta({ description: 'Per region (and `*`), the last changes of what the gate does there, newest first: the status page’s history.' }),
  })
  .meta({ id: 'Rollout' });
