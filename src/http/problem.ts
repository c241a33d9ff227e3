/**
 * Problem details (RFC 9457) for every refusal and error, built from the one
 * reason catalog so status, title, message and actions never disagree.
 * Nothing a client sent (tokens above all) is ever echoed into `detail`.
 */
import type { z } from 'zod';
import { ACTIONS, actionsFor, LANGUAGE_TAGS, linkedActions, messageFor, reasonEntry, reasonSlug, type Locale, type Reason } from '../messages/catalog';
import type { DeviceType } from '../vocabulary';
import type { AppContext } from './context';
import type { problem } from './problem-schema';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A problem body as the OpenAPI document names it (`Problem`). */
export type Problem = z.input<typeof problem>;
/** The members a refusal adds beside the catalog's, each as the document types it. */
export type ProblemExtra = Partial<Omit<Problem, 'type' | 'title' | 'status' | 'detail' | 'reason' | 'requestId' | 'message' | 'actions'>>;

export interface ProblemOptions {
  requestId: string;
  locale: Locale;
  /** The origin the request came to (`new URL(request.url).origin`): every action's `href` is absolute there (contract §5). */
  origin: string;
  /** The request's region, when `extra` names none: a refusal's status action opens its page (none: the viewer's own). */
  region?: string | null;
  /** Overrides the catalog's status (for instance a decision reason answered as 403). */
  status?: number;
  /** A specific explanation; defaults to the localized message. */
  detail?: string;
  /** The device the problem is told to, when known: its actions are those it can take (catalog `canTake`). */
  deviceType?: DeviceType | null;
  /** Extra members such as `decision`, `policyVersion`, `attemptsRemaining`, `field`. */
  extra?: ProblemExtra;
  headers?: HeadersInit;
}

/**
 * A problem's body. A challenge or deny (`extra.decision`) links the status
 * page of its region (`extra.region`; none: the viewer's own) after the
 * actions of its reason (contract §8).
 */
export function problemBody(reason: Reason, options: ProblemOptions): Problem {
  const entry = reasonEntry(reason);
  const message = messageFor(reason, options.locale);
  const decision = options.extra?.decision;
  const refused = decision === 'challenge' || decision === 'deny';
  const actions = [...actionsFor(reason, options.deviceType ?? null), ...(refused ? [ACTIONS.status] : [])];
  return {
    type: `/gate/help#${reasonSlug(reason)}`,
    title: entry.title,
    status: options.status ?? entry.status,
    detail: options.detail ?? message,
    reason,
    requestId: options.requestId,
    message,
    actions: linkedActions(actions, { origin: options.origin, region: options.extra?.region ?? options.region ?? null }),
    ...options.extra,
  } satisfies Problem;
}

export function problemResponse(reason: Reason, options: ProblemOptions): Response {
  const body = problemBody(reason, options);
  const headers = new Headers(options.headers);
  headers.set('Content-Type', PROBLEM_CONTENT_TYPE);
  headers.set('Content-Language', LANGUAGE_TAGS[options.locale]);
  headers.set('Cache-Control', 'no-store');
  headers.set('Hearth-Request-Id', options.requestId);
  return new Response(JSON.stringify(body), { status: body.status, headers });
}

/** Problem details for the request being served: its request id and negotiated locale. */
export function problemFor(c: AppContext, reason: Reason, options: Partial<ProblemOptions> = {}): Response {
  return problemResponse(reason, { requestId: c.get('requestId'), locale: c.get('locale'), origin: requestOrigin(c.req.raw), ...options });
}

/** The origin a request came to (scheme, host and port), where the answer's links point. */
export function requestOrigin(request: Request): string {
  return new URL(request.url).origin;
}
