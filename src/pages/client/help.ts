/** The help page: send a code, enter it, see temporary access granted; move the primary location from a TV. */
import { callApi, enableRemoteNavigation, fill, formatTime, pageData, setStatus } from './common';

interface HelpData {
  locale: string;
  ui: Record<string, string>;
}

const { locale, ui } = pageData<HelpData>();
const status = document.getElementById('status-line') as HTMLElement;
const form = document.getElementById('code-form') as HTMLFormElement;
const codeInput = document.getElementById('code') as HTMLInputElement;
let challengeId: string | null = null;

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

document.querySelector<HTMLButtonElement>('[data-action="verify"]')?.addEventListener('click', async (event) => {
  const button = event.currentTarget as HTMLButtonElement;
  const result = await busy(button, () => callApi('POST', '/gate/v1/challenges'));
  if (!result.ok) return setStatus(status, problemText(result.body), 'bad');
  challengeId = result.body.challengeId;
  form.hidden = false;
  setStatus(status, fill(ui.codeSent!, { time: formatTime(result.body.expiresAt, locale) }));
  codeInput.focus();
});

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!challengeId) return;
  const button = form.querySelector('button');
  const result = await busy(button, () => callApi('POST', `/gate/v1/challenges/${challengeId}/verify`, { body: { code: codeInput.value.trim() } }));
  if (!result.ok) {
    setStatus(status, problemText(result.body), 'bad');
    codeInput.select();
    return;
  }
  form.hidden = true;
  document.querySelector('.decision')?.classList.replace('refused', 'allowed');
  setStatus(status, fill(ui.granted!, { time: formatTime(result.body.expiresAt, locale) }), 'ok');
  status.setAttribute('tabindex', '-1');
  status.focus();
});

document.querySelector<HTMLButtonElement>('[data-action="primary-location"]')?.addEventListener('click', async (event) => {
  const result = await busy(event.currentTarget as HTMLButtonElement, () => callApi('POST', '/gate/v1/household/primary-location'));
  setStatus(status, result.ok ? ui.primaryDone! : problemText(result.body), result.ok ? 'ok' : 'bad');
});

enableRemoteNavigation();
document.querySelector<HTMLElement>('.actions button, .actions a')?.focus();
