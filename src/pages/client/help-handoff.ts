/**
 * A player that opens the help page hands it the device it plays as. The
 * help page knows a device by its `hearth_device` cookie, but a device whose
 * token is bound to a key (the demo's, any player on the SDK with
 * `deviceKey()`) has no cookie, and in development its network and region
 * are headers the page's own request did not carry: the page said "Please
 * sign in on this device" while the player showed a challenge.
 *
 * So, opened by a window of this origin, the help page asks it
 * (`postMessage`, this origin only) for `{ token, key, headers }`; the key
 * is the `CryptoKey` itself (structured clone, still non-extractable). With
 * them the page asks the gate for the decision as the player does (DPoP
 * proof, the same simulated headers), shows that refusal — its message,
 * whether a code can help — and sends every code call the same way. A code
 * that served is told to the opener, which resumes playback.
 *
 * Trust boundary: messages are taken from this origin's windows only and
 * sent to this origin only; the token never leaves the two windows.
 */
import { dpopProof, type DeviceKey } from '../../../packages/player/src/device-key';
import type { ApiResult } from './common';

export const HANDOFF_READY = 'hearth-help-ready';
export const HANDOFF_SERVED = 'hearth-help-served';
/** How long the page waits for its opener to answer before it keeps what the server showed. */
const HANDOFF_WAIT_MS = 2000;

/** What the player hands over: the device token, its key (if bound), and the headers it sends the gate. */
export interface DeviceHandoff {
  token: string;
  key?: DeviceKey;
  headers: Record<string, string>;
}

/** The device the opener plays as, or null when there is no opener of this origin (or it has none to give). */
export function deviceFromOpener(): Promise<DeviceHandoff | null> {
  const opener = window.opener as Window | null;
  if (!opener) return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), HANDOFF_WAIT_MS);
    window.addEventListener('message', function handed(event) {
      if (event.origin !== location.origin || event.source !== opener || event.data?.type !== 'hearth-device') return;
      window.removeEventListener('message', handed);
      clearTimeout(timer);
      resolve(event.data.device as DeviceHandoff);
    });
    try {
      opener.postMessage({ type: HANDOFF_READY }, location.origin);
    } catch {
      resolve(null);
    }
  });
}

/** Tells the opener a code served, so that it asks again and plays. */
export function tellOpenerServed(): void {
  (window.opener as Window | null)?.postMessage({ type: HANDOFF_SERVED }, location.origin);
}

/** A call to the gate's device API as the handed device: its token (with a DPoP proof when bound) and its headers; the shape of `callApi`. */
export function handedCall(device: DeviceHandoff, language: string) {
  return async (method: string, path: string, options: { body?: unknown } = {}): Promise<ApiResult> => {
    const url = location.origin + path;
    const headers: Record<string, string> = { ...device.headers, Accept: 'application/json', 'Accept-Language': language };
    headers.Authorization = `${device.key ? 'DPoP' : 'Bearer'} ${device.token}`;
    if (device.key) headers.DPoP = await dpopProof(device.key, method, url, device.token);
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(url, { method, headers, credentials: 'omit', ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
    const body = await response.json().catch(() => null);
    return { ok: response.ok, status: response.status, body, headers: response.headers };
  };
}
