/**
 * Delivers a verification code to the account owner through the NOTIFY_URL
 * webhook, signed `Hearth-Signature: t=<unix>,v1=<hex HMAC-SHA-256("<t>.<body>")>`.
 * In development without NOTIFY_URL the code is written to the log instead.
 *
 * Trust boundary: the code leaves Hearth here and nowhere else.
 */

import type { Locale } from '../messages/catalog';
import { type ChallengePurpose, type DeviceType } from '../vocabulary';
import { unixSeconds } from '../time';
import { logged } from '../version';

export interface VerificationCodeMessage {
  type: 'verification_code';
  /** What the code is for, so the owner is told "someone is moving your household" rather than "someone is travelling". */
  purpose: ChallengePurpose;
  accountId: string;
  deviceId: string;
  deviceType: DeviceType;
  code: string;
  expiresAt: string;
  region: string;
  locale: Locale;
  /** For a `sign-out` code: the device the code signs out, so the owner knows what they approve. */
  targetDeviceId?: string;
  /** For an `away-access` code: how many days of access it gives. */
  days?: number;
  /** What the code approves, in `locale` (messages/code-messages.ts). */
  message?: string;
}

export interface NotifyTarget {
  url: string;
  signingKey: string;
  /** How long a delivery waits for the webhook's answer (NOTIFY_TIMEOUT); then it fails and the person is told to try again. */
  timeoutMs: number;
}

export async function signatureHeader(body: string, signingKey: string, signedAt: number): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(signingKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${signedAt}.${body}`)));
  return `t=${signedAt},v1=${Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * POSTs `body` to `target`, signed; resolves on a 2xx, throws otherwise. A
 * redirect is a failure: it would replay the message to wherever it points.
 */
export async function postSigned(target: NotifyTarget, body: string, now: number): Promise<void> {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Hearth-Signature': await signatureHeader(body, target.signingKey, unixSeconds(now)) },
    body,
    signal: AbortSignal.timeout(target.timeoutMs),
    redirect: 'manual',
  });
  await response.body?.cancel();
  if (response.status < 200 || response.status >= 300) throw new Error(`webhook answered ${response.status}`);
}

/** An ops event (docs/api.md): a guard tripped, or a staged rule advanced. */
/** An ops event (docs/api.md, "Ops events"): what a rule did by itself, or a step of a change that needs notice or a second person. */
export type OpsEvent =
  | { type: 'rollout_guard_tripped' | 'rollout_stage_advanced'; region: string; rule: unknown; reading: unknown; at: string }
  /** A stricter change asked, approved or rejected (ROLLOUT_APPROVAL=stricter), with both people. */
  | {
      type: 'rollout_change_requested' | 'rollout_change_approved' | 'rollout_change_rejected';
      region: string;
      rule: unknown;
      changeId: string;
      requestedBy: string;
      approvedBy?: string;
      rejectedBy?: string;
      note: string | null;
      at: string;
    }
  /** A stricter rule's notice is over: it applies from `effectiveAt`. */
  | { type: 'rollout_change_applied'; region: string; rule: unknown; effectiveAt: string; at: string };

/** Sends an ops event to OPS_NOTIFY_URL (throws when it does not land); with none configured, logs it. */
export async function deliverOpsEvent(target: NotifyTarget | null, event: OpsEvent, now: number): Promise<void> {
  if (!target) {
    console.log(logged({ event: 'ops_event', ...event }));
    return;
  }
  await postSigned(target, JSON.stringify(event), now);
}

/** True when the code reached the owner (a 2xx from the webhook, or the development log). */
export async function deliverCode(target: NotifyTarget | null, message: VerificationCodeMessage, now: number): Promise<boolean> {
  if (!target) {
    console.log(logged({ event: 'verification_code_development_delivery', ...message }));
    return true;
  }
  try {
    await postSigned(target, JSON.stringify(message), now);
    return true;
  } catch (error) {
    console.error(logged({ event: 'notify_failed', error: error instanceof Error ? error.message.replace(/[^\w ]/g, '') : 'unknown' }));
    return false;
  }
}
