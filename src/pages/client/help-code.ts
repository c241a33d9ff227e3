/**
 * The help page's one code form: ask the account owner for a code of a
 * purpose, show the form where the flow that asked has its controls, and
 * send the code where it serves. Temporary access and moving the
 * primary location (help.ts), signing out another device from away
 * (help-devices.ts), a second home and away access (help-long-stays.ts)
 * all go through it, so the form, its messages and its
 * attempts left read alike. The code itself only ever travels in a body.
 */
import type { ChallengePurpose } from '../../vocabulary';
import { callApi, fill, pageData, setStatus, type ApiResult } from './common';

export interface HelpData {
  /** The page's BCP 47 language tag (`es`, `pt-BR`…), for Intl. */
  locale: string;
  ui: Record<string, string>;
  /** The signed-in device's id, when the page knows one that may use the device API. */
  device: string | null;
}

export const { locale, ui, device: thisDevice } = pageData<HelpData>();

/** How the page calls the device API: with the device cookie, or as a device a player handed over (help-handoff.ts). */
export let deviceCall: typeof callApi = callApi;
export function callAs(call: typeof callApi): void {
  deviceCall = call;
}

const form = document.getElementById('code-form') as HTMLFormElement;
const codeInput = document.getElementById('code') as HTMLInputElement;

/**
 * "until 6:20 PM" later today, "until December 8 at 6:20 PM" another day:
 * the time and date as Intl writes them in the page's language, inside the
 * words that language puts around them.
 */
export function until(iso: string, now = new Date()): string {
  const at = new Date(iso);
  if (at.toDateString() === now.toDateString()) {
    const time = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' });
    const hour = time.formatToParts(at).find((part) => part.type === 'hour')?.value;
    return fill(hour === '1' ? ui.untilTimeOne! : ui.untilTime!, { time: time.format(at) });
  }
  const date = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', hour: 'numeric', minute: '2-digit' }).format(at);
  return fill(ui.untilDate!, { date });
}

/** A problem as a person reads it: its `message` (in their language), and the attempts left on a wrong code. */
export function problemText(body: any): string {
  const parts = [body?.message ?? body?.detail ?? ui.failed];
  if (typeof body?.attemptsRemaining === 'number') parts.push(fill(ui.attemptsLeft!, { n: body.attemptsRemaining }));
  return parts.join(' ');
}

/** Runs `work` with `button` disabled, saying "One moment…" in `status` meanwhile. */
export async function busy<T>(button: HTMLButtonElement | null, status: HTMLElement, work: () => Promise<T>): Promise<T> {
  if (button) button.disabled = true;
  setStatus(status, ui.working!);
  try {
    return await work();
  } finally {
    if (button) button.disabled = false;
  }
}

/** What a flow asks a code for, where it speaks, and what the code then does. */
export interface CodeAsk {
  purpose: ChallengePurpose;
  /** The device a `sign-out` code is for. */
  deviceId?: string;
  /** The days of access an `away-access` code is for. */
  days?: number;
  /** The flow's status line: the form shows just above it, unless `formIn` says where. */
  status: HTMLElement;
  /** Where the form shows instead (at its end): the place the flow's own controls are. */
  formIn?: HTMLElement;
  /** What the person reads once the code is on its way, given when it lapses ("until 6:20 PM"). */
  sent: (until: string) => string;
  /** Sends the code where it serves. */
  use: (challengeId: string, code: string) => Promise<ApiResult>;
  /** What follows a code that served. */
  done: (result: ApiResult) => void;
}

/** The code the form is waiting for, and the flow that asked it. */
let pending: { challengeId: string; ask: CodeAsk } | null = null;

/** Asks for a code (an `access` code with no body, as the API takes it); on success shows the form for it. */
export async function askForCode(button: HTMLButtonElement, ask: CodeAsk): Promise<void> {
  const body =
    ask.purpose === 'access' ? undefined : { purpose: ask.purpose, ...(ask.deviceId !== undefined ? { deviceId: ask.deviceId } : {}), ...(ask.days !== undefined ? { days: ask.days } : {}) };
  const result = await busy(button, ask.status, () => deviceCall('POST', '/gate/v1/challenges', body ? { body } : {}));
  if (!result.ok) return setStatus(ask.status, problemText(result.body), 'bad');
  pending = { challengeId: result.body.challengeId, ask };
  if (ask.formIn) ask.formIn.append(form);
  else ask.status.before(form);
  form.hidden = false;
  setStatus(ask.status, ask.sent(until(result.body.expiresAt)));
  codeInput.value = '';
  codeInput.focus();
}

/** A code that served: the decision card turns to allowed, and `status` says what the person has now (and takes the focus). */
export function served(status: HTMLElement, text: string): void {
  document.querySelector('.decision')?.classList.replace('refused', 'allowed');
  setStatus(status, text, 'ok');
  status.setAttribute('tabindex', '-1');
  status.focus();
}

/** Puts the form away when it waits inside `where` (a flow given up there), forgetting the code it waited for. */
export function dropCodeForm(where: HTMLElement): void {
  if (!where.contains(form)) return;
  pending = null;
  form.hidden = true;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!pending) return;
  const { challengeId, ask } = pending;
  const code = codeInput.value.trim();
  const result = await busy(form.querySelector('button'), ask.status, () => ask.use(challengeId, code));
  if (!result.ok) {
    setStatus(ask.status, problemText(result.body), 'bad');
    codeInput.select();
    return;
  }
  pending = null;
  form.hidden = true;
  ask.done(result);
});
