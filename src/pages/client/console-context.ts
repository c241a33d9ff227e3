/**
 * What every console panel shares: the element lookup, the confirmation
 * dialog, a refused answer in words, and ConsoleContext — what the shell
 * (console.ts) hands each panel. A panel never reaches into another: what it
 * needs from one (the rules, the audit trail) comes through the context or
 * its own `enable…` arguments.
 */
import type { AdminApi, Problem } from '../../admin-client/client';
import { explainRefusal, type RefusalHints } from '../../admin-client/wording';
import { visibleDeep } from '../../admin-client/visible-text';

/** The page's element with this id. */
export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** An admin API answer, as the console reads it. */
export interface Answer {
  error?: unknown;
  response: Response;
}

/** A preview shown in the confirmation dialog: what the change would have done, and when it would apply. */
export interface PreviewLines {
  headline: string;
  current: string;
  /** When the change would apply — at once, after its notice, after a second person's approval — given whether its notice is skipped. */
  applies?: (skipNotice: boolean) => string;
  /** Offer “Skip the notice” (a stricter change, to a holder of rollout:skip-notice). */
  offerSkipNotice?: boolean;
}

/**
 * Who is signed in, as the token the console holds says: its `sub` (the
 * actor the gate records) and scopes. The gate checks the token on every
 * call; the console reads it only to decide what to offer (an Approve button
 * to anyone but a change's author, Skip the notice to a holder of
 * rollout:skip-notice).
 */
export interface SignedInAdmin {
  sub: string | null;
  scopes: ReadonlySet<string>;
}

/** What the shell hands every panel. */
export interface ConsoleContext {
  api: AdminApi;
  /** The console's status line. */
  status: HTMLElement;
  /** A refused answer in words (shared with the ops CLI). */
  refusal: (answer: Answer) => string;
  /** The console's confirmation dialog: true when the operator applies. */
  confirm: (text: string, preview?: PreviewLines) => Promise<boolean>;
  /** After a write: the audit trail and the changes waiting for approval are read again. */
  changed: () => Promise<void>;
  /** Who is signed in. */
  admin: () => SignedInAdmin;
}

/** The console's way of acting on a refusal; the sentence itself is shared with the ops CLI. */
const CONSOLE_HINTS: RefusalHints = {
  signIn: 'Sign out and sign in with a valid token.',
  scope: () => 'Sign in with a token that carries it.',
  retry: () => 'Reload to see the change, then try again.',
};

/** A refused answer in words, its problem's text made visible (visibleDeep). */
export function refusal(answer: Answer): string {
  return explainRefusal(answer.response.status, visibleDeep(answer.error as Partial<Problem> | undefined), CONSOLE_HINTS);
}

/** Whether the person chose “Skip the notice” in the confirmation dialog just closed. */
export function skipNoticeChosen(): boolean {
  return !$('confirm-skip').hidden && $<HTMLInputElement>('confirm-skip-notice').checked;
}

/** The confirmation dialog, with an optional preview: true when the operator applies. */
export function confirmDialog(text: string, preview?: PreviewLines): Promise<boolean> {
  const dialog = $<HTMLDialogElement>('confirm');
  $('confirm-text').textContent = text;
  $('confirm-preview').hidden = !preview;
  $('confirm-preview-headline').textContent = preview?.headline ?? '';
  $('confirm-preview-current').textContent = preview?.current ?? '';
  const applies = $('confirm-applies');
  const skip = $<HTMLInputElement>('confirm-skip-notice');
  skip.checked = false;
  $('confirm-skip').hidden = !preview?.offerSkipNotice;
  applies.hidden = !preview?.applies;
  const showApplies = () => (applies.textContent = preview?.applies?.(skip.checked) ?? '');
  showApplies();
  skip.addEventListener('change', showApplies);
  dialog.showModal();
  $<HTMLButtonElement>('confirm-ok').focus();
  return new Promise((resolve) =>
    dialog.addEventListener(
      'close',
      () => {
        skip.removeEventListener('change', showApplies);
        resolve(dialog.returnValue === 'ok');
      },
      { once: true },
    ),
  );
}
