/**
 * The help page: send a code, enter it, see temporary access granted; from a
 * TV, move the primary location the same way — a code of purpose
 * `primary-location` sent to the owner, entered here. The code form
 * (help-code.ts) shows only once a code is on its way. Refused outside the
 * household, a TV may make its network a second home and any device may ask
 * for away access (help-long-stays.ts). A signed-in device
 * also sees the account's devices and can sign them out (help-devices.ts).
 */
import { enableRemoteNavigation, fill } from './common';
import { askForCode, callAs, deviceCall, locale, served, ui, until } from './help-code';
import { deviceFromOpener, handedCall, tellOpenerServed } from './help-handoff';
import { enableYourDevices } from './help-devices';
import { enableLongStays } from './help-long-stays';
import { enableFeedback } from './help-feedback';

const status = document.getElementById('status-line') as HTMLElement;

document.querySelector<HTMLButtonElement>('[data-action="verify"]')?.addEventListener('click', (event) =>
  askForCode(event.currentTarget as HTMLButtonElement, {
    purpose: 'access',
    status,
    sent: (lapses) => fill(ui.codeSent!, { until: lapses }),
    use: (challengeId, code) => deviceCall('POST', `/gate/v1/challenges/${challengeId}/verify`, { body: { code } }),
    done: (result) => {
      served(status, fill(ui.granted!, { until: until(result.body.expiresAt) }));
      tellOpenerServed();
    },
  }),
);
document.querySelector<HTMLButtonElement>('[data-action="primary-location"]')?.addEventListener('click', (event) =>
  askForCode(event.currentTarget as HTMLButtonElement, {
    purpose: 'primary-location',
    status,
    sent: (lapses) => fill(ui.moveCodeSent!, { until: lapses }),
    use: (challengeId, code) => deviceCall('POST', '/gate/v1/household/primary-location', { body: { challengeId, code } }),
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

/**
 * Opened by a player (the demo) that plays as a device the cookie does not
 * name: its decision replaces the one the server rendered, and code calls go
 * as that device (help-handoff.ts).
 */
async function showHandedDevice(): Promise<void> {
  const device = await deviceFromOpener();
  if (!device) return;
  const call = handedCall(device, locale);
  callAs(call);
  const answer = await call('GET', '/gate/v1/decision');
  const body = answer.body ?? {};
  if (typeof body.reason !== 'string') return;
  const allowed = answer.ok && body.decision === 'allow';
  const card = document.querySelector<HTMLElement>('.decision')!;
  card.classList.toggle('allowed', allowed);
  card.classList.toggle('refused', !allowed);
  card.dataset.reason = body.reason;
  document.getElementById('reason-title')!.textContent = allowed ? ui.statusAllowed! : ui.statusRefused!;
  document.getElementById('reason-message')!.textContent = body.message ?? '';
  const verify = document.querySelector<HTMLButtonElement>('[data-action="verify"]')!;
  verify.hidden = !(Array.isArray(body.actions) && body.actions.some((action: { id?: string }) => action.id === 'verify'));
  if (!verify.hidden) verify.focus();
}

enableYourDevices();
enableLongStays(status);
enableFeedback();
enableRemoteNavigation();
document.querySelector<HTMLElement>('.actions button:not([hidden]), .actions a')?.focus();
void showHandedDevice();
