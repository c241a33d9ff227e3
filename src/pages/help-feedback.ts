/**
 * The help page's question after a refusal (contract §8, "Hearing the
 * refused"): "which of these fits you?", the six situations as one tap
 * each, an optional comment, in the person's language — then what happens
 * next for the situation chosen, as the gate answers it. Shown only where a
 * refusal offers the `feedback` action (client/help-feedback.ts sends it).
 *
 * Its own section and ids (`feedback-*`), apart from the page's other cards.
 */
import { html } from 'hono/html';
import type { Locale } from '../messages/catalog';
import { feedbackQuestion, feedbackWords } from '../messages/feedback-messages';
import { FEEDBACK_COMMENT_MAX } from '../api/feedback-schemas';

/** The question's card, or nothing when the device was not refused in a way the question fits. */
export function feedbackSection(locale: Locale, offered: boolean) {
  if (!offered) return '';
  const { question, hint, commentLabel, choices } = feedbackQuestion(locale);
  return html`
<section class="card help-feedback" id="feedback" aria-labelledby="feedback-title" data-failed="${feedbackWords(locale).failed}">
  <h2 id="feedback-title">${question}</h2>
  <p id="feedback-hint">${hint}</p>
  <div class="actions feedback-choices" id="feedback-choices" role="group" aria-labelledby="feedback-title" aria-describedby="feedback-hint">
    ${choices.map(({ situation, label }) => html`<button type="button" data-situation="${situation}">${label}</button>`)}
  </div>
  <label for="feedback-comment">${commentLabel}</label>
  <textarea id="feedback-comment" name="comment" rows="2" maxlength="${FEEDBACK_COMMENT_MAX}"></textarea>
  <p id="feedback-status" class="status" role="status" aria-live="polite" tabindex="-1"></p>
</section>`;
}
