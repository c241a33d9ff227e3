/**
 * The help page: send a code, enter it, see temporary access granted; from a
 * TV, move the primary location the same way — a code of purpose
 * `primary-location` sent to the owner, entered here. The code form shows
 * only once a code is on its way.
 */
import type { ChallengePurpose } from '../../vocabulary';
import { callApi, enableRemoteNavigation, fill, pageData, setStatus } from './common';

interface HelpData {
  /** The page's BCP 47 language tag (`es`, `pt-BR`…), for Intl. */
  locale: string;
  ui: Record<string, string>;
}

const { locale, ui } = pageData<HelpData>();
const status = document.getElementById('status-line') as HTMLElement;
const form = document.getElementById('code-form') as HTMLFormElement;
const codeInput = document.getElementById('code') as HTMLInputElement;
/** The code the form is waiting for, and what it is for. */
let pending: { challengeId: string; purpose: ChallengePurpose } | null = null;

/**
 * "until 6:20 PM" later today, "until December 8 at 6:20 PM" another day:
 * the time and date as Intl writes them in the page's language, inside the
 * words that language puts around them.
 */
function until(iso: string, now = new Date()): string {
  const at = new Date(iso);
  if (at.toDateString() === now.toDateString()) {
    const time = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' });
    const hour = time.formatToParts(at).find((part) => part.type === 'hour')?.value;
    return fill(hour === '1' ? ui.untilTimeOne! : ui.untilTime!, { time: time.format(at) });
  }
  const date = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', hour: 'numeric', minute: '2-digit' }).format(at);
  return fill(ui.untilDate!, { date });
}

function problemText(body: any): string {
  const parts = [body?.message ?? body?.detail ?? ui.failed];
  if (typeof body?.attemptsRemaining === 'number') parts.push(fill(ui.attemptsLeft!, { n: body.attemptsRemaining }));
  return parts.join(' ');
}

async function busy<T>(button: HTMLButtonElement | null, work: () => Promise<T>): Promise<T> {
  if (button) button.disabled = true;
  setStatus(status, ui.working!);
  try {
    return await work();
  } finally {
    if (button) button.disabled = false;
  }
}

/** Asks for a code of `purpose`; on success shows the form for it. */
async function askForCode(button: HTMLButtonElement, purpose: ChallengePurpose): Promise<void> {
  const result = await busy(button, () => callApi('POST', '/gate/v1/challenges', purpose === 'access' ? {} : { body: { purpose } }));
  if (!result.ok) return setStatus(status, problemText(result.body), 'bad');
  pending = { challengeId: result.body.challengeId, purpose };
  form.hidden = false;
  setStatus(status, fill(purpose === 'access' ? ui.codeSent! : ui.moveCodeSent!, { until: until(result.body.expiresAt) }));
  codeInput.value = '';
  codeInput.focus();
}

document.querySelector<HTMLButtonElement>('[data-action="verify"]')?.addEventListener('click', (event) => askForCode(event.currentTarget as HTMLButtonElement, 'access'));
document.querySelector<HTMLButtonElement>('[data-action="primary-location"]')?.addEventListener('click', (event) => askForCode(event.currentTarget as HTMLButtonElement, 'primary-location'));

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!pending) return;
  const { challengeId, purpose } = pending;
  const code = codeInput.value.trim();
  const button = form.querySelector('button');
  const result = await busy(button, () =>
    purpose === 'access' ? callApi('POST', `/gate/v1/challenges/${challengeId}/verify`, { body: { code } }) : callApi('POST', '/gate/v1/household/primary-location', { body: { challengeId, code } }),
  );
  if (!result.ok) {
    setStatus(status, problemText(result.body), 'bad');
    codeInput.select();
    return;
  }
  pending = null;
  form.hidden = true;
  document.querySelector('.decision')?.classList.replace('refused', 'allowed');
  setStatus(status, purpose === 'access' ? fill(ui.granted!, { until: until(result.body.expiresAt) }) : ui.primaryDone!, 'ok');
  status.setAttribute('tabindex', '-1');
  status.focus();
});

/** A link to a reason's anchor (a problem's `type`) opens the folded glossary at it. */
function openGlossaryAtHash(): void {
  const target = location.hash.length > 1 ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
  const glossary = target?.closest('details');
  if (!target || !glossary) return;
  glossary.open = true;
  target.scrollIntoView();
}
openGlossaryAtHash();
window.addEventListener('hashchange', openGlossaryAtHash);

enableRemoteNavigation();
document.querySelector<HTMLElement>('.actions button, .actions a')?.focus();
