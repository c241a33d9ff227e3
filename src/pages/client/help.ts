/**
 * The help page: send a code, enter it, see temporary access granted; from a
 * TV, move the primary location the same way — a code of purpose
 * `primary-location` sent to the owner, entered here. The code form
 * (help-code.ts) shows only once a code is on its way. Refused outside the
 * household, a TV may make its network a second home and any device may ask
 * for away access (help-long-stays.ts). A signed-in device
 * also sees the account's devices and can sign them out (help-devices.ts).
 */
import { callApi, enableRemoteNavigation, fill } from './common';
import { askForCode, served, ui, until } from './help-code';
import { enableYourDevices } from './help-devices';
import { enableLongStays } from './help-long-stays';
import { enableFeedback } from './help-feedback';

const status = document.getElementById('status-line') as HTMLElement;

document.querySelector<HTMLButtonElement>('[data-action="verify"]')?.addEventListener('click', (event) =>
  askForCode(event.currentTarget as HTMLButtonElement, {
    purpose: 'access',
    status,
    sent: (lapses) => fill(ui.codeSent!, { until: lapses }),
    use: (challengeId, code) => callApi('POST', `/gate/v1/challenges/${challengeId}/verify`, { body: { code } }),
    done: (result) => served(status, fill(ui.granted!, { until: until(result.body.expiresAt) })),
  }),
);
document.querySelector<HTMLButtonElement>('[data-action="primary-location"]')?.addEventListener('click', (event) =>
  askForCode(event.currentTarget as HTMLButtonElement, {
    purpose: 'primary-location',
    status,
    sent: (lapses) => fill(ui.moveCodeSent!, { until: lapses }),
    use: (challengeId, code) => callApi('POST', '/gate/v1/household/primary-location', { body: { challengeId, code } }),
    done: () => served(status, ui.primaryDone!),
  }),
);

/** A link to a reason's anchor (a problem's `type`), or to a folded section, opens it there. */
function openGlossaryAtHash(): void {
  const target = location.hash.length > 1 ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
  const glossary = target?.closest('details');
  if (!target || !glossary) return;
  glossary.open = true;
  target.scrollIntoView();
}
openGlossaryAtHash();
window.addEventListener('hashchange', openGlossaryAtHash);

enableYourDevices();
enableLongStays(status);
enableFeedback();
enableRemoteNavigation();
document.querySelector<HTMLElement>('.actions button, .actions a')?.focus();
