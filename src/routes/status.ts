/**
 * `GET /gate/v1/status` (contract §8): per region with a rule and for `*`,
 * what the gate does now, since when, every stricter step ahead, and the
 * last changes with their notice. No token, any origin (`*`), cacheable for
 * a minute: it holds no account data, only what ops published by setting
 * rules.
 *
 * Made from the rollout snapshot the gate decides with
 * (`gate.rollouts.current`) through `outlookOf`, which reads a rule as
 * `ruleFor` does: the page cannot say what the gate does not do. The HTML
 * page (pages/status-page.ts) is made from the same answer.
 */
import type { z } from 'zod';
import type { HandlerInput } from '../api/operation';
import type { statusQuery, statusResponse } from '../api/schemas';
import type { AppContext } from '../http/context';
import { outlookOf } from '../policy/notice';
import { FALLBACK_REGION, type Rollout } from '../policy/rollout';

export type Status = z.output<typeof statusResponse>;

/** How long a status answer may be kept by a browser or a cache (contract §8: at most a minute). */
export const STATUS_MAX_AGE_SECONDS = 60;

/** The regions the status answers for: every region with an entry, `*` last; or `only`. */
export function statusRegions(rollout: Rollout, only?: string): string[] {
  if (only) return [only];
  const own = Object.keys(rollout.regions)
    .filter((region) => region !== FALLBACK_REGION)
    .toSorted();
  return [...own, FALLBACK_REGION];
}

/** The status of `regions` (default: every region with an entry and `*`) in `rollout` at `now`. */
export function statusOf(rollout: Rollout, now: number, only?: string): Status {
  const regions: Status['regions'] = Object.create(null) as Status['regions'];
  for (const region of statusRegions(rollout, only)) regions[region] = outlookOf(rollout, region, now);
  return { generatedAt: new Date(now).toISOString(), policyVersion: rollout.version, regions };
}

export async function getStatus(c: AppContext, { query }: HandlerInput<'none', { query: typeof statusQuery }>): Promise<Response> {
  const now = Date.now();
  const rollout = await c.get('gate').rollouts.current(now);
  return c.json(statusOf(rollout, now, query.region) satisfies z.input<typeof statusResponse>, 200, { 'Cache-Control': `public, max-age=${STATUS_MAX_AGE_SECONDS}` });
}
