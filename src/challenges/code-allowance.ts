/**
 * How many codes may be sent (docs/api.md, "Verification codes"): a device
 * may ask for CHALLENGES_PER_DEVICE_PER_HOUR in any hour, an account be sent
 * CHALLENGES_PER_ACCOUNT_PER_HOUR whatever the devices asking (invented
 * device ids included). A pure reading of the codes sent in the last hour:
 * the account's Durable Object keeps them, the personas simulation its own.
 */
import { MS_PER_HOUR } from '../time';

export const CHALLENGES_PER_DEVICE_PER_HOUR = 3;
export const CHALLENGES_PER_ACCOUNT_PER_HOUR = 10;

/** One code sent: by which device, and when. */
export interface CodeSent {
  deviceId: string;
  createdAt: number;
}

export interface CodeRateLimit {
  limit: 'device' | 'account';
  /** When the oldest code that counts leaves the hour. */
  retryAfterSeconds: number;
}

/** Null while `deviceId` may be sent another code now; else which allowance is used up, and until when. */
export function codeRateLimit(sent: readonly CodeSent[], deviceId: string, now: number): CodeRateLimit | null {
  const recent = sent.filter((code) => code.createdAt > now - MS_PER_HOUR);
  const limited = (limit: 'device' | 'account', times: number[], allowed: number): CodeRateLimit | null => {
    if (times.length < allowed) return null;
    const frees = times.toSorted((a, b) => a - b)[times.length - allowed]! + MS_PER_HOUR;
    return { limit, retryAfterSeconds: Math.max(1, Math.ceil((frees - now) / 1000)) };
  };
  return (
    limited(
      'device',
      recent.filter((code) => code.deviceId === deviceId).map((code) => code.createdAt),
      CHALLENGES_PER_DEVICE_PER_HOUR,
    ) ??
    limited(
      'account',
      recent.map((code) => code.createdAt),
      CHALLENGES_PER_ACCOUNT_PER_HOUR,
    )
  );
}
