/**
 * Rollout administration (docs/api.md): read the rules, set or delete a
 * region's rule with compare-and-set on the version (`If-Match`). Every
 * change is audited by the ControlStore in the same step.
 */
import type { z } from 'zod';
import type { HandlerInput } from '../api/operation';
import type { regionParam, rollout as rolloutSchema, rolloutRuleInput } from '../api/schemas';
import type { AppContext } from '../http/context';
import { invalid } from '../http/json-body';
import { problemFor } from '../http/problem';
import { FALLBACK_REGION, type Rollout } from '../policy/rollout';

function rolloutResponse(c: AppContext, rollout: Rollout, status: 200 = 200): Response {
  return c.json(rollout satisfies z.input<typeof rolloutSchema>, status, { ETag: `"${rollout.version}"`, 'Cache-Control': 'no-store' });
}

export async function getRollout(c: AppContext): Promise<Response> {
  return rolloutResponse(c, await c.get('gate').rollouts.authoritative({ readings: true }));
}

/** `If-Match: 3`, `"3"` or `W/"3"` → 3; absent → undefined; anything else → null. */
export function parseIfMatch(header: string | undefined): number | undefined | null {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(header);
  return match ? Number(match[1]) : null;
}

async function change(c: AppContext, region: string, rule: z.output<typeof rolloutRuleInput> | null, actor: string): Promise<Response> {
  const ifMatch = parseIfMatch(c.req.header('If-Match'));
  if (ifMatch === null) return invalid(c, 'If-Match', 'If-Match: must be the rollout version you last read, e.g. If-Match: "7"');
  const result = await c.get('gate').rollouts.change({ region, rule, actor, ...(ifMatch !== undefined ? { ifMatch } : {}) });
  if (result.ok) return rolloutResponse(c, result.rollout);
  if (result.reason === 'VERSION_MISMATCH') {
    return problemFor(c, 'VERSION_MISMATCH', {
      detail: `You sent If-Match ${ifMatch}, but the rollout is at version ${result.rollout.version}. Read it again and retry with If-Match: "${result.rollout.version}".`,
      extra: { currentVersion: result.rollout.version },
      headers: { ETag: `"${result.rollout.version}"` },
    });
  }
  return problemFor(c, 'RULE_NOT_FOUND', { detail: `There is no rule for ${region}.` });
}

export async function putRule(c: AppContext, input: HandlerInput<'admin', { params: typeof regionParam; body: typeof rolloutRuleInput }>): Promise<Response> {
  if (input.params.region === FALLBACK_REGION && input.body.guard) {
    return invalid(c, 'guard', 'guard: a guard reads one region’s counts; set it on a region’s own rule (PE, CL, …), not on *.');
  }
  return change(c, input.params.region, input.body, input.admin.actor);
}

export function deleteRule(c: AppContext, input: HandlerInput<'admin', { params: typeof regionParam }>): Promise<Response> {
  return change(c, input.params.region, null, input.admin.actor);
}
