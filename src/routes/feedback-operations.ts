/**
 * Contract §8's operations, "Hearing the refused": a refused device's answer
 * to "why are you where you are?", and the question's words. operations.ts
 * lists them with the others.
 */
import { defineOperation, type Operation } from '../api/operation';
import * as s from '../api/schemas';
import { getFeedbackQuestion, postFeedback } from './feedback';
import { problem, tokenProblem, tooLarge } from './operation-answers';

export const feedbackOperations: Operation[] = [
  defineOperation({
    method: 'get',
    path: '/gate/v1/feedback',
    operationId: 'getFeedbackQuestion',
    summary: 'The question asked after a refusal, in the person’s language',
    description:
      'What a player on another origin shows after a refusal (the `feedback` action): the question and its six answers, chosen by `Accept-Language` among en, es, pt, fr. No token; the same for everyone in a language.',
    tag: 'Device',
    auth: 'none',
    responses: {
      200: { description: 'The question and its answers.', body: s.feedbackQuestion },
      405: problem('`METHOD_NOT_ALLOWED`: only GET and POST are served here (`Allow` says which).'),
    },
    handler: getFeedbackQuestion,
  }),
  defineOperation({
    method: 'post',
    path: '/gate/v1/feedback',
    operationId: 'postFeedback',
    summary: 'Say why this refused device is where it is',
    description:
      'One tap after a refusal (contract §8): the device was refused within the last day — it is refused here now, or it verified an access code within the day. The answer is kept for support for TRUST_WINDOW, counted per region by households (`households.feedback` in GET /admin/v1/metrics; a guard may trip on `maxLiveHereRate`), and answered with what happens next for that situation. The comment is shown to support only.',
    tag: 'Device',
    auth: 'device',
    body: s.feedbackRequest,
    responses: {
      201: { description: 'Counted; `message` says what happens next for this situation.', body: s.feedbackCreated },
      400: problem('`INVALID_REQUEST`: malformed JSON, a `situation` not among the six, a `comment` over 500 characters, or a field not taken; `field` names it.'),
      401: tokenProblem,
      403: problem('`CROSS_SITE_REQUEST`: authenticated by the `hearth_device` cookie without same-origin evidence (`Sec-Fetch-Site` or `Origin`).'),
      409: problem('`NOT_REFUSED`: the device was not refused within the last day.'),
      413: tooLarge,
      429: problem('`FEEDBACK_RATE_LIMITED`: 3 answers per device (and 30 per account) in the last day; `limit` says which. See Retry-After.'),
    },
    handler: postFeedback,
  }),
];
