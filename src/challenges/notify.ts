/**
 * Delivers a verification code to the account owner through the NOTIFY_URL
 * webhook, signed `Hearth-Signature: t=<unix>,v1=<hex HMAC-SHA-256("<t>.<body>")>`.
 * In development without NOTIFY_URL the code is written to the log instead.
 *
 * Trust boundary: the code leaves Hearth here and nowhere else.
 */

import type { Locale } from '../messages/catalog';
import { type DeviceType } from '../vocabulary';
import { unixSeconds } from '../time';

export interface VerificationCodeMessage {
  type: 'verification_code';
  accountId: string;
  deviceId: string;
  deviceType: DeviceType;
  code: string;
  expiresAt: string;
  region: string;
  locale: Locale;
}

export interface NotifyTarget {
  url: string;
  signingKey: string;
}

/** Webhook deliveries give up after this long; the person is told to try again. */
export const NOTIFY_TIMEOUT_MS = 5000;

export async function signatureHeader(body: string, signingKey: string, signedAt: number): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(signingKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${signedAt}.${body}`)));
  return `t=${signedAt},v1=${Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** True when the code reached the owner (a 2xx from the webhook, or the development log). */
export async function deliverCode(target: NotifyTarget | null, message: VerificationCodeMessage, now: number): Promise<boolean> {
  if (!target) {
    console.log(JSON.stringify({ event: 'verification_code_development_delivery', ...message }));
    return true;
  }
  const body = JSON.stringify(message);
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Hearth-Signature': await signatureHeader(body, target.signingKey, unixSeconds(now)) },
      body,
      signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
      // A redirect would replay the code to wherever it points: a 3xx is a failed delivery.
      redirect: 'manual',
    });
    await response.body?.cancel();
    const delivered = response.status >= 200 && response.status < 300;
    if (!delivered) console.error(JSON.stringify({ event: 'notify_failed', status: response.status }));
    return delivered;
  } catch (error) {
    console.error(JSON.stringify({ event: 'notify_failed', error: error instanceof Error ? error.name : 'unknown' }));
    return false;
  }
}
