/**
 * Rollout administration (docs/api.md): read the rules, set or delete a
 * region's rule with compare-and-set on the version (`If-Match`), and the
 * stricter changes waiting for a second person (approve, reject). Every
 * change is audited by the ControlStore in the same step.
 */
import type { z } from 'zod';
import type { HandlerInput } from '../api/operation';
import type {
  changeDecisionInput,
  changeParam,
  changeRejected as changeRejectedSchema,
  pendingChange as pendingChangeSchema,
  pendingChanges as pendingChangesSchema,
  regionParam,
  rollout as rolloutSchema,
  rolloutRuleInput,
} from '../api/schemas';
import type { RuleSettings } from '../policy/staged-rule';
import { controlStore, type ChangeDecision } from '../state/control-store';
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

/** What a person asked, beyond the rule: a skipped notice, and why (a deletion's note). */
interface ChangeExtras {
  notice?: 'skip';
  note?: string;
}

async function change(c: AppContext, region: string, rule: RuleSettings | null, actor: string, extras: ChangeExtras = {}): Promise<Response> {
  const parsed = parseIfMatch(c.req.header('If-Match'));
  if (!parsed.ok) return refusalProblem(c, parsed.error);
  const ifMatch = parsed.value;
  const result = await c.get('gate').rollouts.change({ region, rule, actor, ...extras, ...(ifMatch !== undefined ? { ifMatch } : {}) });
  if (result.ok) return rolloutResponse(c, result.value);
  switch (result.error.reason) {
    case 'APPROVAL_REQUIRED':
      // Nothing changed yet: the change waits for a second person (contract §8).
      return c.json(result.error.change satisfies z.input<typeof pendingChangeSchema>, 202, { 'Cache-Control': 'no-store', Location: `/admin/v1/rollout/changes/${result.error.change.changeId}` });
    case 'RULE_NOT_FOUND':
      return refusalProblem(c, { reason: 'RULE_NOT_FOUND', region });
    case 'PENDING_CHANGES_FULL':
      return refusalProblem(c, { reason: 'PENDING_CHANGES_FULL' });
    default:
      return refusalProblem(c, { reason: 'VERSION_MISMATCH', rollout: result.error.rollout, ifMatch });
  }
}

export async function putRule(c: AppContext, input: HandlerInput<'admin', { params: typeof regionParam; body: typeof rolloutRuleInput }>): Promise<Response> {
  const { notice, ...rule } = input.body;
  if (input.params.region === FALLBACK_REGION && rule.guard) {
    return invalid(c, 'guard', 'guard: a guard reads one region’s counts; set it on a region’s own rule (PE, CL, …), not on *.');
  }
  if (notice === 'skip' && !input.admin.scopes.has('rollout:skip-notice')) {
    return refusalProblem(c, { reason: 'SCOPE_REQUIRED', scope: 'rollout:skip-notice', carried: [...input.admin.scopes] });
  }
  return change(c, input.params.region, rule, input.admin.actor, notice ? { notice } : {});
}

export function deleteRule(c: AppContext, input: HandlerInput<'admin', { params: typeof regionParam }>): Promise<Response> {
  return change(c, input.params.region, null, input.admin.actor);
}

/** `GET /admin/v1/rollout/changes`: stricter changes waiting for a second person. */
export async function listChanges(c: AppContext): Promise<Response> {
  const changes = await controlStore(c.env).pendingChanges();
  return c.json({ changes } satisfies z.input<typeof pendingChangesSchema>, 200, { 'Cache-Control': 'no-store' });
}

/** A refusal of the ControlStore's approve or reject, as problem details. */
function changeRefusal(c: AppContext, error: Exclude<ChangeDecision, { ok: true }>['error']): Response {
  if (error.reason === 'CHANGE_OUTDATED') {
    c.get('gate').rollouts.adopt(error.rollout);
    return refusalProblem(c, { reason: 'CHANGE_OUTDATED', version: error.rollout.version, askedAt: error.askedAt });
  }
  return refusalProblem(c, { reason: error.reason });
}

/** `POST /admin/v1/rollout/changes/{changeId}/approve`: another person applies a waiting change (its notice starts now). */
export async function approveChange(c: AppContext, input: HandlerInput<'admin', { params: typeof changeParam; body: typeof changeDecisionInput }>): Promise<Response> {
  const result = await controlStore(c.env).approveChange(input.params.changeId, input.admin.actor, input.body.note ?? null);
  if (!result.ok) return changeRefusal(c, result.error);
  c.get('gate').rollouts.adopt(result.value);
  return rolloutResponse(c, result.value);
}

/** `POST /admin/v1/rollout/changes/{changeId}/reject`: drops a waiting change. */
export async function rejectChange(c: AppContext, input: HandlerInput<'admin', { params: typeof changeParam; body: typeof changeDecisionInput }>): Promise<Response> {
  const result = await controlStore(c.env).rejectChange(input.params.changeId, input.admin.actor, input.body.note ?? null);
  if (!result.ok) return changeRefusal(c, result.error);
  return c.json({ changeId: input.params.changeId, status: 'rejected' } satisfies z.input<typeof changeRejectedSchema>, 200, { 'Cache-Control': 'no-store' });
}
