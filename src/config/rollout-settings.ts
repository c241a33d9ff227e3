/**
 * NOTICE_PERIOD and ROLLOUT_APPROVAL for the ControlStore, which applies them
 * (contract §8), without the rest of the configuration.
 */
import * as z from 'zod';
import { parseDurationMs } from './duration';
import { ROLLOUT_APPROVALS, type ConfigBindings, type RolloutApproval } from './gate-config';
import { durationUpTo } from './value-schemas';

/** The longest NOTICE_PERIOD: a year. */
export const MAX_NOTICE_PERIOD_MS = 365 * 24 * 60 * 60 * 1000;
export const DEFAULT_NOTICE_PERIOD = 'P14D';
export const noticePeriodSchema = durationUpTo(MAX_NOTICE_PERIOD_MS, { allowZero: true });
export const rolloutApprovalSchema = z.enum(ROLLOUT_APPROVALS, 'must be "stricter" or "none"');

/**
 * NOTICE_PERIOD and ROLLOUT_APPROVAL alone. A malformed value reads as the
 * default — the careful one: a stricter rule waits and asks for a second
 * person — and the gate itself refuses to serve with it (parseConfig names
 * it), so no admin change reaches the store under it.
 */
export function rolloutSettingsOf(raw: ConfigBindings): { noticePeriodMs: number; rolloutApproval: RolloutApproval } {
  const notice = noticePeriodSchema.safeParse(raw.NOTICE_PERIOD ?? DEFAULT_NOTICE_PERIOD);
  const approval = rolloutApprovalSchema.safeParse(raw.ROLLOUT_APPROVAL ?? 'stricter');
  return { noticePeriodMs: notice.success ? notice.data : parseDurationMs(DEFAULT_NOTICE_PERIOD), rolloutApproval: approval.success ? approval.data : 'stricter' };
}
