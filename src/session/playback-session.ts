/**
 * Playback sessions (docs/api.md, "Playback sessions"): the short-lived
 * credential an allowed `GET /gate/v1/decision` hands out, which playback
 * paths take instead of a device token.
 *
 *   s1.<base64url payload>.<base64url HMAC-SHA-256 of "s1.<payload>">
 *
 * The payload is a JSON array: account, device, device type, the network id
 * the session was issued on (or null), the key thumbprint of the token that
 * earned it (or null), issue and expiry in unix seconds. It is opaque to
 * clients: they hold it and send it back, nothing more.
 *
 * Trust boundary: the credential is attacker-controlled until its MAC checks
 * out against one of SESSION_SIGNING_KEY's keys (crypto.subtle.verify, a
 * constant-time compare). Anything else — too long, wrong shape, wrong MAC,
 * a payload that does not parse — is `SESSION_INVALID`, never an exception.
 * Verified sessions are cached (bounded) until they expire, so a player
 * fetching segments pays for one MAC per session and isolate.
 */
import * as z from 'zod';
import { BoundedCache } from '../cache/bounded-cache';
import type { NetworkId } from '../network/network-id';
import { err, ok, type Result } from '../result';
import { DEVICE_TYPES, ID_PATTERN, type DeviceType } from '../vocabulary';

export const SESSION_HEADER = 'Hearth-Session';
export const SESSION_COOKIE = 'hearth_session';
/** What a session problem answers in `WWW-Authenticate` (docs/api.md): get a new decision, and with it a new session. */
export const SESSION_CHALLENGE = 'Hearth-Session realm="playback", error="invalid_session"';

const VERSION = 's1';
/** Far above a real session (two 128-character ids, a network id, a thumbprint: under 600); larger inputs are refused unread. */
export const MAX_SESSION_LENGTH = 1024;
const VERIFIED_SESSION_CACHE_ENTRIES = 20_000;
const CREDENTIAL = /^s1\.([A-Za-z0-9_-]{1,900})\.([A-Za-z0-9_-]{43})$/;

export interface PlaybackSession {
  accountId: string;
  deviceId: string;
  deviceType: DeviceType;
  /** The network id the session was issued on; a request from another network cannot use it. */
  networkId: NetworkId | null;
  /** The thumbprint of the key the token that earned it was bound to (cnf.jkt), or null. */
  keyThumbprint: string | null;
  /** Unix seconds: compared against the device's sign-out and the account's erase. */
  issuedAtSeconds: number;
  /** Unix seconds to the millisecond (a fraction): a session ends when its access does, not on the whole second before. */
  expiresAtSeconds: number;
}

export type SessionFailureReason = 'SESSION_INVALID';
export type VerifiedSession = Result<PlaybackSession, { reason: SessionFailureReason }>;

const payloadSchema = z.tuple([
  z.string().regex(ID_PATTERN),
  z.string().regex(ID_PATTERN),
  z.enum(DEVICE_TYPES),
  z.string().max(64).nullable(),
  z.string().max(64).nullable(),
  z.number().int().nonnegative(),
  // Whole seconds in sessions issued before expiries kept their milliseconds; both read alike.
  z.number().nonnegative(),
]);

const encoder = new TextEncoder();

/**
 * Issues and verifies sessions with SESSION_SIGNING_KEY's keys, imported
 * once per gate (per isolate and set of bindings): signs with the first,
 * verifies with any, so a rotation lists the new key first and removes the
 * old one once its sessions have expired (PLAYBACK_SESSION_TTL).
 */
export class PlaybackSessions {
  readonly #keys: Promise<CryptoKey[]>;
  readonly #verified = new BoundedCache<string, PlaybackSession>(VERIFIED_SESSION_CACHE_ENTRIES);

  constructor(rawKeys: Uint8Array[]) {
    this.#keys = Promise.all(rawKeys.map((raw) => crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])));
  }

  /** Number of sessions held in the verified-session cache (for the memory benchmark). */
  get cachedSessions(): number {
    return this.#verified.size;
  }

  /** The credential for `session`, signed with the newest key. */
  async issue(session: PlaybackSession): Promise<string> {
    const [newest] = await this.#keys;
    if (!newest) throw new Error('SESSION_SIGNING_KEY holds no key');
    const { accountId, deviceId, deviceType, networkId, keyThumbprint, issuedAtSeconds, expiresAtSeconds } = session;
    const payload = toBase64Url(encoder.encode(JSON.stringify([accountId, deviceId, deviceType, networkId, keyThumbprint, issuedAtSeconds, expiresAtSeconds])));
    const signed = `${VERSION}.${payload}`;
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', newest, encoder.encode(signed)));
    return `${signed}.${toBase64Url(mac)}`;
  }

  /**
   * The session a credential stands for, if its MAC verifies under one of
   * the keys and it has not expired at `nowMs`. The caller still checks the
   * network and the household (sign-out, erase).
   */
  async verify(credential: string, nowMs: number): Promise<VerifiedSession> {
    if (credential.length > MAX_SESSION_LENGTH) return INVALID;
    const cached = this.#verified.get(credential, nowMs);
    if (cached !== undefined) return ok(cached);
    const parts = CREDENTIAL.exec(credential);
    if (!parts) return INVALID;
    const [, payloadText, macText] = parts as unknown as [string, string, string];
    const mac = fromBase64Url(macText);
    // One spelling per MAC: the last character's spare bits are not a second credential.
    if (!mac || toBase64Url(mac) !== macText) return INVALID;
    const signed = encoder.encode(`${VERSION}.${payloadText}`);
    let authentic = false;
    for (const key of await this.#keys) {
      if (await crypto.subtle.verify('HMAC', key, mac, signed)) {
        authentic = true;
        break;
      }
    }
    if (!authentic) return INVALID;
    const session = parsePayload(payloadText);
    if (!session) return INVALID;
    const expiresAtMs = Math.round(session.expiresAtSeconds * 1000);
    if (expiresAtMs <= nowMs) return INVALID;
    this.#verified.set(credential, session, expiresAtMs);
    return ok(session);
  }
}

const INVALID: VerifiedSession = err({ reason: 'SESSION_INVALID' });

function parsePayload(text: string): PlaybackSession | null {
  const bytes = fromBase64Url(text);
  if (!bytes) return null;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    return null;
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) return null;
  const [accountId, deviceId, deviceType, networkId, keyThumbprint, issuedAtSeconds, expiresAtSeconds] = parsed.data;
  return { accountId, deviceId, deviceType, networkId, keyThumbprint, issuedAtSeconds, expiresAtSeconds };
}

/**
 * The session credential a request carries: the `Hearth-Session` header,
 * else the `hearth_session` cookie (a browser's). An empty value counts as
 * none.
 */
export function sessionCredential(headers: Headers): string | null {
  const header = headers.get(SESSION_HEADER)?.trim();
  if (header) return header;
  return cookieValue(headers.get('Cookie'), SESSION_COOKIE);
}

function cookieValue(cookies: string | null, name: string): string | null {
  if (!cookies) return null;
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      if (value) return value;
    }
  }
  return null;
}

/** `Set-Cookie` for a session: the browser sends it back on every playback request, and scripts cannot read it. */
export function sessionCookie(credential: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${credential}; Max-Age=${Math.max(0, maxAgeSeconds)}; Path=/; HttpOnly; Secure; SameSite=Lax`;
}

/** `Set-Cookie` that ends a browser's session (a decision that does not allow). */
export const CLEAR_SESSION_COOKIE = `${SESSION_COOKIE}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax`;

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array | null {
  try {
    const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}
