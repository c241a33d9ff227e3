/**
 * The owner's two ways on the help page (contract §6), each through the
 * page's one code form (help-code.ts):
 *
 * - "This is our second home" (a TV refused on a network the household has
 *   never held): a `second-home` code, then
 *   `POST /gate/v1/household/second-home` with it;
 * - "Away for a long time": a number of days, an `away-access` code for
 *   them, then `POST /gate/v1/household/away-access` with it.
 *
 * The server decides which are offered (help-long-stays.ts beside the page);
 * a limit the gate answers before sending a code (SECOND_HOME_LIMIT,
 * AWAY_ACCESS_LIMIT, ALREADY_HOME…) is shown as its message.
 */
import { callApi, fill } from './common';
import { askForCode, served, ui, until } from './help-code';

/** Wires the offers the page has; `status` is the decision card's status line. */
export function enableLongStays(status: HTMLElement): void {
  const secondHome = document.querySelector<HTMLButtonElement>('[data-action="second-home"]');
  secondHome?.addEventListener('click', () =>
    askForCode(secondHome, {
      purpose: 'second-home',
      status,
      sent: (lapses) => fill(ui.secondHomeCodeSent!, { until: lapses }),
      use: (challengeId, code) => callApi('POST', '/gate/v1/household/second-home', { body: { challengeId, code } }),
      done: () => {
        // This network is home now: nothing more to offer here.
        secondHome.hidden = true;
        document.getElementById('second-home-text')?.remove();
        served(status, ui.secondHomeDone!);
      },
    }),
  );

  const section = document.getElementById('long-stay') as HTMLDetailsElement | null;
  const form = document.getElementById('away-form') as HTMLFormElement | null;
  if (!section || !form) return;
  const awayStatus = document.getElementById('away-status') as HTMLElement;
  const daysInput = document.getElementById('away-days') as HTMLInputElement;
  // The decision card's link opens the folded card at its days, where a remote or a thumb goes next.
  document.querySelector('.decision a[href="#long-stay"]')?.addEventListener('click', () => {
    section.open = true;
    requestAnimationFrame(() => daysInput.focus());
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    // The browser checked the days against min and max before this runs; the gate checks them again.
    const days = Number(daysInput.value);
    void askForCode(form.querySelector('button') as HTMLButtonElement, {
      purpose: 'away-access',
      days,
      status: awayStatus,
      formIn: section,
      sent: (lapses) => fill(ui.awayCodeSent!, { days, until: lapses }),
      // The days are the code's: the gate gives what the owner approved.
      use: (challengeId, code) => callApi('POST', '/gate/v1/household/away-access', { body: { challengeId, code } }),
      done: (result) => {
        form.hidden = true;
        served(awayStatus, fill(ui.awayDone!, { until: until(result.body.expiresAt) }));
      },
    });
  });
}
