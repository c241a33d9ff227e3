/**
 * The request and response shapes of the HTTP API as zod schemas: the same
 * objects validate requests and generate the OpenAPI document.
 */
import * as z from 'zod';
import { CODE_PATTERN } from '../challenges/verification-code';
import { action, outcome } from '../http/problem-schema';
import { ruleChange } from '../policy/rule-schema';
import { CHALLENGE_PURPOSES, DEVICE_TYPES, ID_PATTERN, MODES } from '../vocabulary';

/** Written once beside the types read off them: the rule and its guard (policy), the counts (metrics). */
export { rollout, rolloutRule } from '../policy/rule-schema';
export { counts } from '../metrics/counts-schema';
export { action, problem } from '../http/problem-schema';

export const isoTime = z.string().meta({ format: 'date-time' });
export const id = z.string().regex(ID_PATTERN, 'must match [A-Za-z0-9._:-]{1,128}');

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

const versionFields = {
  version: z.string().meta({
    description:
      "The version this answer came from: the Worker version's tag, else the release and the first 8 characters of the Worker version id (`1.4.0+3f2a9c1d`), else the release. Log lines, Analytics Engine points (blob10) and metrics (`byVersion`) carry the same label.",
  }),
  release: z.string().meta({ description: 'The release (CHANGELOG.md), as package.json says.' }),
  workerVersion: z.object({ id: z.string(), tag: z.string(), timestamp: z.string() }).nullable().meta({ description: 'The Worker version (CF_VERSION_METADATA), or null where the runtime has none.' }),
};

export const health = z.union([
  z.object({ ok: z.literal(true), ...versionFields }).meta({ description: 'Every part is configured.' }),
  z
    .object({
      ok: z.literal(false),
      status: z.literal('degraded'),
      ...versionFields,
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

export const deviceIdParam = z.object({ deviceId: id });

/** One step ahead on the status page: a stricter mode or share from `at` (contract §8). */
const stepAhead = z.object({
  mode: z.enum(MODES),
  percent: z.number().int(),
  at: isoTime,
  notBefore: z.literal(true).optional().meta({ description: 'A guarded stage: it comes only while its guard reads healthy, so `at` is the earliest it may.' }),
});

/** What the gate does in one region (or `*`) now, since when, what is announced, and what changed. */
const regionStatus = z.object({
  mode: z.enum(MODES).meta({ description: 'What the gate does there now (a rule whose guard tripped: `monitor`).' }),
  percent: z.number().int().meta({ description: 'The share of accounts `mode` applies to (under `challenge` and `enforce`; the others watch).' }),
  since: isoTime.nullable().meta({ description: 'When what it does now began, when known.' }),
  upcoming: z.array(stepAhead).meta({ description: 'Every stricter step ahead, in order: a rule waiting out NOTICE_PERIOD, and the stages still ahead of a staged rule.' }),
  changes: z
    .array(ruleChange)
    .meta({ description: 'The last changes, newest first: `given` (announced ahead: since `announcedAt`), `skipped` (stricter, without notice), `not-needed` (not stricter).' }),
});

/** `GET /gate/v1/status` and `GET /gate/status`: which region, and (the page) in which language. */
export const statusQuery = z.object({
  region: z
    .string()
    .regex(/^([A-Za-z]{2}|\*)$/, 'must be a two-letter country code (ISO 3166-1 alpha-2) or *')
    .transform((region) => region.toUpperCase())
    .optional()
    .meta({ description: 'One region (or `*`) only; the JSON answers it even with no rule of its own (then as `*`).' }),
  lang: z
    .string()
    .regex(/^(en|es|pt|fr)(-[A-Za-z0-9]{1,8})*$/i, 'must be en, es, pt-BR or fr')
    .optional()
    .meta({ description: 'The page’s language, over Accept-Language (`en`, `es`, `pt-BR`, `fr`). The JSON has no words and takes it only so the same query serves both.' }),
});

export const statusResponse = z
  .object({
    generatedAt: isoTime,
    policyVersion: z.number().int().meta({ description: 'The rollout version the answer was made from: the `policyVersion` decisions carry.' }),
    regions: z.record(z.string(), regionStatus).meta({ description: 'Every region with a rule (or an announced one), and `*`, the rule for every other region; with `?region=`, that one.' }),
  })
  .meta({ id: 'Status' });
