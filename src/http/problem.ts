/**
 * Problem details (RFC 9457) for every refusal and error, built from the one
 * reason catalog so status, title, message and actions never disagree.
 * Nothing a client sent (tokens above all) is ever echoed into `detail`.
 */
import { actionsFor, LANGUAGE_TAGS, messageFor, reasonEntry, reasonSlug, type Locale, type Reason } from '../messages/catalog';
import type { DeviceType } from '../vocabulary';
import type { AppContext } from './context';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemOptions {
  requestId: string;
  locale: Locale;
  /** Overrides the catalog's status (for instance a decision reason answered as 403). */
  status?: number;
  /** A specific explanation; defaults to the localized message. */
  detail?: string;
  /** The device the problem is told to, when known: its actions are those it can take (catalog `canTake`). */
  deviceType?: DeviceType | null;
  /** Extra members such as `decision`, `policyVersion`, `attemptsRemaining`, `field`. */
  extra?: Record<string, unknown>;
  headers?: HeadersInit;
}

export function problemBody(reason: Reason, options: ProblemOptions): Record<string, unknown> {
  const entry = reasonEntry(reason);
  const message = messageFor(reason, options.locale);
  return {
    type: `/gate/help#${reasonSlug(reason)}`,
    title: entry.title,
    status: options.status ?? entry.status,
    detail: options.detail ?? message,
    reason,
    requestId: options.requestId,
    message,
    actions: actionsFor(reason, options.deviceType ?? null),
    ...options.extra,
  };
}

export function problemResponse(reason: Reason, options: ProblemOptions): Response {
  const body = problemBody(reason, options);
  const headers = new Headers(options.headers);
  headers.set('Content-Type', PROBLEM_CONTENT_TYPE);
  headers.set('Content-Language', LANGUAGE_TAGS[options.locale]);
  headers.set('Cache-Control', 'no-store');
  headers.set('Hearth-Request-Id', options.requestId);
  return new Response(JSON.stringify(body), { status: body.status as number, headers });
}

/** Problem details for the request being served: its request id and negotiated locale. */
export function problemFor(c: AppContext, reason: Reason, options: Partial<ProblemOptions> = {}): Response {
  return problemResponse(reason, { requestId: c.get('requestId'), locale: c.get('locale'), ...options });
}
