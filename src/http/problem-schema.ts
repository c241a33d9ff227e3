/**
 * A problem (RFC 9457 with Hearth's reason code) as a zod schema: the one
 * place its members are written. problem.ts builds every problem body against
 * it (the `extra` members a refusal adds are checked by name and type), and
 * the OpenAPI document names it `Problem` (api/schemas.ts re-exports it).
 *
 * Here, not in api/: http builds the bodies and must not depend on api (api
 * imports http, never the other way).
 */
import * as z from 'zod';
import { MODES } from '../vocabulary';

export const outcome = z.enum(['allow', 'challenge', 'deny']);

export const action = z.object({
  id: z.enum(['verify', 'extra-member', 'primary-location', 'decision', 'help', 'status', 'feedback']),
  method: z.enum(['GET', 'POST']),
  href: z.string().meta({ format: 'uri', description: 'Absolute, on the origin the request came to (contract §5): a player on another origin follows it as it is.' }),
});

export const problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    reason: z.string(),
    requestId: z.string(),
    message: z.string(),
    actions: z.array(action),
    decision: outcome.optional(),
    mode: z.enum(MODES).optional().meta({ description: 'Playback refusals: the mode that applied.' }),
    region: z.string().optional().meta({ description: 'Playback refusals: the region that applied.' }),
    policyVersion: z.number().int().optional(),
    field: z.string().optional().meta({ description: '`INVALID_REQUEST`: the first field at fault.' }),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .meta({ description: '`INVALID_REQUEST`: every field at fault.' }),
    attemptsRemaining: z.number().int().optional().meta({ description: '`CODE_INVALID`: wrong codes left before the challenge locks.' }),
    requiredScope: z.string().optional().meta({ description: '`SCOPE_REQUIRED`: the scope the admin token lacks.' }),
    currentVersion: z.number().int().optional().meta({ description: '412 `VERSION_MISMATCH`: the rollout version now; retry with it in If-Match.' }),
    limit: z
      .enum(['device', 'account', 'network'])
      .optional()
      .meta({ description: '`CHALLENGE_RATE_LIMITED` (`device` or `account`) and `RATE_LIMITED` (`network` or `account`): which limit was reached.' }),
    retryAfterSeconds: z.number().int().optional().meta({ description: 'When the request may be repeated (also in Retry-After).' }),
    slots: z.number().int().optional().meta({ description: '`SLOTS_EXHAUSTED`: the account’s extra-member slots.' }),
    decisionReason: z.string().optional().meta({ description: '`NOT_REQUIRED`: why the device is allowed anyway.' }),
    deviceType: z.string().optional().meta({ description: '`DEVICE_TYPE_NOT_ALLOWED`: the device type of the token.' }),
    bindings: z.array(z.string()).optional().meta({ description: '`MISCONFIGURED`: the bindings at fault (names only).' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details with Hearth’s reason code.' });
