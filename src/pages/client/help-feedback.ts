/**
 * The help page's question after a refusal (contract §8): one tap on a
 * situation sends `POST /gate/v1/feedback` with the optional comment (the
 * device's `hearth_device` cookie signs it in), then the card says what
 * happens next for that situation — the gate's words, in the person's
 * language — and the choices are put away. A refusal of the answer (a
 * limit reached, not refused) is shown as its message.
 */
import { callApi, setStatus } from './common';

export function enableFeedback(): void {
  const section = document.getElementById('feedback');
  if (!section) return;
  const status = document.getElementById('feedback-status') as HTMLElement;
  const comment = document.getElementById('feedback-comment') as HTMLTextAreaElement;
  const choices = document.getElementById('feedback-choices') as HTMLElement;
  const buttons = [...choices.querySelectorAll<HTMLButtonElement>('button[data-situation]')];
  for (const button of buttons) {
    button.addEventListener('click', async () => {
      for (const other of buttons) other.disabled = true;
      const text = comment.value.trim();
      const answer = await callApi('POST', '/gate/v1/feedback', { body: { situation: button.dataset.situation, ...(text ? { comment: text } : {}) } }).catch(() => null);
      if (answer?.status === 201) {
        // Answered: the choices and the comment go; what happens next stays, read out and focused.
        choices.hidden = true;
        comment.hidden = true;
        section.querySelector('label[for="feedback-comment"]')?.setAttribute('hidden', '');
        setStatus(status, answer.body.message, 'ok');
      } else {
        for (const other of buttons) other.disabled = false;
        setStatus(status, answer?.body?.message ?? section.dataset.failed ?? '', 'bad');
      }
      status.focus();
    });
  }
}
