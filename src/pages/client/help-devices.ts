/**
 * "Your devices" on the help page (contract §6): the account's devices, each
 * with what it may do now in words, and a way to sign each out. A device
 * signs itself out always; another device from home, or from away with the
 * account owner's code — the gate answers `403 VERIFICATION_REQUIRED`, and
 * the panel then offers a `sign-out` code through the page's one code form
 * (help-code.ts). The section is folded; the list is asked for when it opens.
 *
 * Device ids come from the API and are only ever set as text.
 */
import { callApi, fill, setStatus } from './common';
import { askForCode, busy, dropCodeForm, problemText, thisDevice, ui, until } from './help-code';

interface DeviceView {
  deviceId: string;
  type: string;
  status: 'home' | 'trusted' | 'temporary' | 'extra-member' | 'support-grant' | 'outside' | 'signed-out';
  accessUntil: string | null;
}

const TYPE_WORDS: Record<string, string> = { tv: 'typeTv', mobile: 'typeMobile', tablet: 'typeTablet', web: 'typeWeb', console: 'typeConsole' };
const STATUS_WORDS: Record<DeviceView['status'], string> = {
  home: 'deviceHome',
  trusted: 'deviceTrusted',
  temporary: 'deviceTemporary',
  'extra-member': 'deviceExtraMember',
  'support-grant': 'deviceSupportGrant',
  outside: 'deviceOutside',
  'signed-out': 'deviceSignedOut',
};

const section = document.getElementById('devices') as HTMLDetailsElement | null;

/** What a device may do now, as the person reads it. */
function standing(device: DeviceView): string {
  const words = ui[STATUS_WORDS[device.status]] ?? device.status;
  return fill(words, { until: device.accessUntil ? until(device.accessUntil) : '' }).trim();
}

const signOutPath = (deviceId: string) => `/gate/v1/household/devices/${encodeURIComponent(deviceId)}`;

/** Wires "Your devices" when the page has it (a device the device API answers). */
export function enableYourDevices(): void {
  if (!section || !thisDevice) return;
  const self = thisDevice;
  const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
  const list = $<HTMLUListElement>('device-list');
  const status = $('devices-status');
  const panel = $('signout-panel');
  const confirmButton = $<HTMLButtonElement>('signout-confirm');
  const codeButton = $<HTMLButtonElement>('signout-code');
  /** The device the panel asks about. */
  let target: string | null = null;
  let loaded = false;

  const item = (device: DeviceView): HTMLLIElement => {
    const li = document.createElement('li');
    li.className = 'device';
    li.dataset.deviceId = device.deviceId;
    const name = document.createElement('strong');
    name.className = 'device-name';
    name.textContent = device.deviceId === self ? `${device.deviceId} (${ui.thisDevice})` : device.deviceId;
    const about = document.createElement('span');
    about.className = 'device-about';
    about.textContent = `${ui[TYPE_WORDS[device.type] ?? 'typeOther']} · ${standing(device)}`;
    li.append(name, about);
    if (device.status !== 'signed-out') {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.signOut = device.deviceId;
      if (device.deviceId === self) button.textContent = ui.signOutThis!;
      else {
        button.textContent = ui.signOut!;
        button.setAttribute('aria-label', fill(ui.signOutNamed!, { device: device.deviceId }));
      }
      button.addEventListener('click', () => ask(device.deviceId));
      li.append(button);
    }
    return li;
  };

  /** The list, this device first; says what went wrong in the section's status line. */
  const load = async (): Promise<void> => {
    const result = await callApi<{ devices: DeviceView[] }>('GET', '/gate/v1/household/devices');
    if (!result.ok) return setStatus(status, problemText(result.body), 'bad');
    loaded = true;
    const devices = result.body.devices.toSorted((a, b) => Number(b.deviceId === self) - Number(a.deviceId === self));
    if (devices.length === 0) {
      const none = document.createElement('li');
      none.textContent = ui.devicesNone!;
      list.replaceChildren(none);
    } else list.replaceChildren(...devices.map(item));
  };

  /** Opens the panel for `deviceId`: what a sign-out does, and the button that does it. */
  const ask = (deviceId: string): void => {
    dropCodeForm(section);
    target = deviceId;
    $('signout-text').textContent = deviceId === self ? ui.signOutAskThis! : fill(ui.signOutAsk!, { device: deviceId });
    confirmButton.hidden = false;
    codeButton.hidden = true;
    panel.hidden = false;
    setStatus(status, '');
    confirmButton.focus();
  };

  const close = (): void => {
    dropCodeForm(section);
    panel.hidden = true;
    const back = target ? list.querySelector<HTMLButtonElement>(`button[data-sign-out="${CSS.escape(target)}"]`) : null;
    target = null;
    (back ?? section.querySelector('summary'))?.focus();
  };

  /** A sign-out that went through: said in the status line, the list read again (unless this device is out). */
  const signedOut = async (deviceId: string): Promise<void> => {
    panel.hidden = true;
    target = null;
    if (deviceId === self) {
      // This device's token is refused from now on: nothing more to list or sign out from here.
      list.replaceChildren();
      section.querySelector('.devices-intro')?.remove();
    } else await load();
    setStatus(status, deviceId === self ? ui.signedOutThis! : fill(ui.signedOut!, { device: deviceId }), 'ok');
    status.setAttribute('tabindex', '-1');
    status.focus();
  };

  confirmButton.addEventListener('click', async () => {
    if (!target) return;
    const deviceId = target;
    const result = await busy(confirmButton, status, () => callApi('DELETE', signOutPath(deviceId)));
    if (result.ok) return signedOut(deviceId);
    if (result.status === 403 && result.body?.reason === 'VERIFICATION_REQUIRED' && deviceId !== self) {
      // From away: the owner's code is needed. Say so in the panel and offer to send one.
      $('signout-text').textContent = ui.signOutNeedsCode!;
      setStatus(status, '');
      confirmButton.hidden = true;
      codeButton.hidden = false;
      codeButton.focus();
      return;
    }
    setStatus(status, problemText(result.body), 'bad');
  });

  codeButton.addEventListener('click', () => {
    if (!target) return;
    const deviceId = target;
    void askForCode(codeButton, {
      purpose: 'sign-out',
      deviceId,
      status,
      formIn: panel,
      sent: (lapses) => fill(ui.signOutCodeSent!, { device: deviceId, until: lapses }),
      use: (challengeId, code) => callApi('DELETE', signOutPath(deviceId), { body: { challengeId, code } }),
      done: () => void signedOut(deviceId),
    });
  });

  $('signout-cancel').addEventListener('click', close);
  section.addEventListener('toggle', () => {
    if (section.open && !loaded) void load();
  });
  if (section.open) void load();
}
