/**
 * `POST /gate/dev/demo-rule` (development only): the demo's "Try a refusal".
 * Every region starts in `monitor`, which allows everything, so out of the
 * box the demo refused nothing. `{ "region": "PE", "refuse": true }` sets
 * the region's rule to `challenge` (devices outside the household are
 * asked for a code); `"refuse": false` removes the rule again (back to
 * `monitor`). The change goes through the rollout store like an operator's
 * (`npm run ops -- rollout set PE challenge`), into the audit trail under
 * the actor `development demo`.
 */
import * as z from 'zod';
import type { AppContext } from '../http/context';
import { inputProblem, readJsonBody } from '../http/json-body';
import { rolloutRuleInput } from '../api/admin-schemas';

const DEMO_ACTOR = 'development demo';
const DEMO_NOTE = 'The demo’s “Try a refusal” (development only)';
const demoRuleRequest = z.object({ region: z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter region such as PE'), refuse: z.boolean() }).strict();

export async function devDemoRule(c: AppContext): Promise<Response> {
  const body = await readJsonBody(c, demoRuleRequest);
  if (!body.ok) return inputProblem(c, body.error);
  const { region, refuse } = body.value;
  const rule = refuse ? rolloutRuleInput.parse({ mode: 'challenge', note: DEMO_NOTE }) : null;
  const changed = await c.get('gate').rollouts.change({ region, rule, actor: DEMO_ACTOR });
  // Removing a rule that is not there leaves the region as asked: in monitor.
  if (!changed.ok && changed.error.reason !== 'RULE_NOT_FOUND') return c.json({ region, changed: false }, 409);
  return c.json({ region, mode: refuse ? 'challenge' : 'monitor' }, 200, { 'Cache-Control': 'no-store' });
}
