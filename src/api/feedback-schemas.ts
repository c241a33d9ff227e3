/**
 * Contract §8, "Hearing the refused": `POST /gate/v1/feedback` and the
 * question's words (`GET /gate/v1/feedback`), as zod schemas that validate
 * and document them.
 */
import * as z from 'zod';
import { FEEDBACK_SITUATIONS } from '../vocabulary';
import { action } from '../http/problem-schema';

const isoTime = z.string().meta({ format: 'date-time' });
const situation = z.enum(FEEDBACK_SITUATIONS, { error: `must be one of ${FEEDBACK_SITUATIONS.map((s) => `"${s}"`).join(', ')}` });

/** The longest comment kept (contract §8). */
export const FEEDBACK_COMMENT_MAX = 500;

/** Strict: a misspelt field is a 400 naming it, never an answer counted without it. */
export const feedbackRequest = z
  .object({
    situation: situation.meta({
      description:
        'Why the person is where they are: `live-here` (this is their home), `travelling`, `studying`, `posted-away` (military, work), `second-home` (a second home of the household) or `other`.',
    }),
    requestId: z
      .string({ error: 'must be the Hearth-Request-Id of the refusal' })
      .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be the Hearth-Request-Id of the refusal')
      .optional()
      .meta({ description: 'The refusal’s request id (`Hearth-Request-Id`, or `requestId` of the answer): support sees it beside the answer.' }),
    comment: z
      .string({ error: 'must be text' })
      .max(FEEDBACK_COMMENT_MAX, `must be at most ${FEEDBACK_COMMENT_MAX} characters`)
      .optional()
      .meta({ description: 'The person’s own words, at most 500 characters; shown to support only, never in metrics, logs or Analytics Engine.' }),
  })
  .strict()
  .meta({ id: 'FeedbackRequest' });

export const feedbackCreated = z
  .object({
    feedbackId: z.string(),
    situation,
    at: isoTime,
    message: z.string().meta({ description: 'What happens next for this situation, in the person’s language.' }),
    actions: z.array(action).meta({ description: 'What the person can do next (the refusal’s own ways back in).' }),
  })
  .meta({ id: 'FeedbackCreated' });

export const feedbackQuestion = z
  .object({
    question: z.string(),
    hint: z.string(),
    commentLabel: z.string(),
    choices: z.array(z.object({ situation, label: z.string() })).meta({ description: 'The six situations, in order, each with its words in the person’s language.' }),
  })
  .meta({ id: 'FeedbackQuestion' });
