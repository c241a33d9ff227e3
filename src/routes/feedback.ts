/**
 * Contract §8, "Hearing the refused": `POST /gate/v1/feedback` — a refused
 * device says why it is where it is — and `GET /gate/v1/feedback`, the
 * question's words in the person's language for players on other origins.
 *
 * Was the device refused within the last day? Nothing is written when a
 * device is refused (contract §9: a refused stranger is never stored in the
 * household, and a refusal costs its household no write), so the answer
 * comes from what is held anyway, read from the account's Durable Object:
 *   - the device is refused now — its decision here, on the object's state,
 *     is `challenge` or `deny` (a device stopped a moment ago, as the help
 *     page and the player ask right after a refusal); or
 *   - it verified an access code within the last day (its travel grants):
 *     such a code is only ever sent to a refused device, so a person who
 *     answers after getting back in is still heard.
 * Anything else — a device at home, allowed in `monitor`, or refused more
 * than a day ago and allowed since — is `409 NOT_REFUSED`.
 *
 * An answer is kept in the household (household-feedback.ts) for support,
 * counted by household in the refusal's region (the guard's sketches: one
 * household from many devices counts once), written to Analytics Engine
 * (situation, region, reason refused) and logged — the comment only ever
 * reaches the household's own store.
 */
import type { z } from 'zod';
import type { HandlerInput } from '../api/operation';
import type { feedbackCreated, feedbackQuestion, feedbackRequest } from '../api/schemas';
import { decideForDevice, householdHashFor } from '../edge/decide-request';
import { metricsRegion } from '../edge/region';
import type { Gate } from '../gate';
import type { AppContext } from '../http/context';
import type { DeviceIdentity } from '../identity/device-token';
import { explainReason } from '../messages/catalog';
import { feedbackNext, feedbackQuestion as questionWords } from '../messages/feedback-messages';
import type { DecisionReason } from '../policy/decide';
import type { FeedbackSituation } from '../vocabulary';
import { MS_PER_DAY } from '../time';
import { refusalProblem } from './refusal';
import { logged, runningVersion } from '../version';

/** How long ago a refusal still lets a device answer (contract §8: "within the last day"). */
export const REFUSAL_HEARD_FOR_MS = MS_PER_DAY;

/** The refusal an answer is about: where, why, under which rollout version. */
interface HeardRefusal {
  region: string;
  reason: DecisionReason;
  policyVersion: number;
  /** The request id of this very request when it is the refusal (the device is refused now). */
  requestId: string | null;
}

/** `GET /gate/v1/feedback`: the question and its six answers in the person's language (cacheable; no token). */
export function getFeedbackQuestion(c: AppContext): Response {
  return c.json(questionWords(c.get('locale')) satisfies z.input<typeof feedbackQuestion>, 200, { 'Cache-Control': 'public, max-age=3600', Vary: 'Accept-Language' });
}

/** `POST /gate/v1/feedback`: one answer of a device refused within the last day. */
export async function postFeedback(c: AppContext, { device, body }: HandlerInput<'device', { body: typeof feedbackRequest }>): Promise<Response> {
  const gate = c.get('gate');
  const now = Date.now();
  const decided = await decideForDevice(gate, c.req.raw, { device }, now, 'change');
  const { decision, household } = decided;
  if (decision.reason === 'DEVICE_REVOKED' || decision.reason === 'DEVICE_PROOF_REQUIRED' || decision.reason === 'STATE_UNAVAILABLE') return refusalProblem(c, { reason: decision.reason });
  const refusedNow = decision.decision !== 'allow';
  const grants = household.ok ? (household.value?.devices.get(device.deviceId)?.travelGrantsAt ?? []) : [];
  const verifiedLately = grants.some((at) => at > now - REFUSAL_HEARD_FOR_MS);
  if (!refusedNow && !verifiedLately) return refusalProblem(c, { reason: 'NOT_REFUSED' });
  const refusal: HeardRefusal = {
    region: metricsRegion(decision.region),
    // Back in with a code since: it was refused outside the household (the only refusal a code is sent for).
    reason: refusedNow ? decision.reason : 'OUTSIDE_HOUSEHOLD',
    policyVersion: decision.policyVersion,
    requestId: refusedNow ? c.get('requestId') : null,
  };

  const stored = await gate.households.store(device.accountId).addFeedback(
    {
      at: now,
      deviceId: device.deviceId,
      deviceType: device.deviceType,
      situation: body.situation,
      comment: body.comment ?? null,
      requestId: body.requestId ?? refusal.requestId,
      region: refusal.region,
      reason: refusal.reason,
    },
    gate.config.trustWindowMs,
  );
  if (!stored.ok) return refusalProblem(c, stored.error);

  await countFeedback(c, gate, device, body.situation, refusal, now);
  // The refusal's own ways back in, absolute on this origin (contract §5), its region's status page last.
  const { actions } = explainReason(refusal.reason, {
    locale: c.get('locale'),
    allowed: !refusedNow,
    deviceType: device.deviceType,
    links: { origin: new URL(c.req.url).origin, region: decision.region },
  });
  return c.json(
    {
      feedbackId: stored.value.feedbackId,
      situation: body.situation,
      at: new Date(now).toISOString(),
      message: feedbackNext(body.situation, c.get('locale')),
      actions: actions.filter((action) => action.id !== 'feedback'),
    } satisfies z.input<typeof feedbackCreated>,
    201,
    { 'Cache-Control': 'no-store' },
  );
}

/**
 * Counts the answer by household in the refusal's region (flushed like
 * decisions), writes its Analytics Engine point and logs it — situation,
 * region and reason refused, never the comment or an id.
 */
async function countFeedback(c: AppContext, gate: Gate, device: DeviceIdentity, situation: FeedbackSituation, refusal: HeardRefusal, now: number): Promise<void> {
  const household = await householdHashFor(gate, device.accountId, now);
  gate.decisions.countFeedback(refusal.region, now, situation, household, refusal.policyVersion);
  gate.decisions.scheduleFlush(now, (p) => c.executionCtx.waitUntil(p));
  const requestId = c.get('requestId');
  if (gate.env.DECISIONS) {
    try {
      // Beside the decisions' points, in their places: blob1 region, blob2 `feedback` (where a decision's says `session`
      // or `segment`), blob3 the situation (a decision's mode), blob6 the reason refused, blob7 the device type.
      gate.env.DECISIONS.writeDataPoint({
        indexes: [refusal.region],
        blobs: [refusal.region, 'feedback', situation, '', '', refusal.reason, device.deviceType, '', '', runningVersion()],
        doubles: [1],
      });
    } catch (error) {
      console.error(logged({ event: 'analytics_write_failed', requestId, error: error instanceof Error ? error.name : 'unknown' }));
    }
  }
  console.log(logged({ event: 'feedback', requestId, region: refusal.region, situation, reason: refusal.reason }));
}
