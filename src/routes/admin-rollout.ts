/**
 * Rollout administration (docs/api.md): read the rules, set or delete a
 * region's rule with compare-and-set on the version (`If-Match`). Every
 * change is audited by the ControlStore in the same step.
 */
import type { z } from 'zod';
import type { HandlerInput } from '../api/operation';
import type { regionParam, rollout as rolloutSchema, rolloutRuleInput } from '../api/schemas';
import type { AppContext } from '../http/context';
import { invalid, invalidInput, type InvalidInput } from '../http/json-body';
import { err, ok, type Result } from '../result';
import { refusalProblem } from './refusal';
import { FALLBACK_REGION, type Rollout } from '../policy/rollout';

function rolloutResponse(c: AppContext, rollout: Rollout, status: 200 = 200): Response {
  return c.json(rollout satisfies z.input<typeof rolloutSchema>, status, { ETag: `"${rollout.version}"`, 'Cache-Control': 'no-store' });
}

export async function getRollout(c: AppContext): Promise<Response> {
  return rolloutResponse(c, await c.get('gate').rollouts.authoritative({ readings: true }));
}

/** `If-Match: 3`, `"3"` or `W/"3"` → 3; absent → undefined; anything else is refused, naming the header. */
export function parseIfMatch(header: string | undefined): Result<number | undefined, InvalidInput> {
  if (header === undefined) return ok(undefined);
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(header);
  return match ? ok(Number(match[1])) : err(invalidInput('If-Match', 'If-Match: must be the rollout version you last read, e.g. If-Match: "7"'));
}

async function change(c: AppContext, region: string, rule: z.output<typeof rolloutRuleInput> | null, actor: string): Promise<Response> {
  const parsed = parseIfMatch(c.req.header('If-Match'));
  if (!parsed.ok) return refusalProblem(c, parsed.error);
  const ifMatch = parsed.value;
  const result = await c.get('gate').rollouts.change({ region, rule, actor, ...(ifMatch !== undefined ? { ifMatch } : {}) });
  if (result.ok) return rolloutResponse(c, result.value);
  if (result.error.reason === 'RULE_NOT_FOUND') return refusalProblem(c, { reason: 'RULE_NOT_FOUND', region });
  return refusalProblem(c, { reason: 'VERSION_MISMATCH', rollout: result.error.rollout, ifMatch });
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
