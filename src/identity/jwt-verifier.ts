/**
 * Verifies compact JWS tokens against a JWK Set with jose, pinned to EdDSA and
 * ES256 and requiring a `kid` — for device and admin tokens alike.
 *
 * Trust boundary: the token string is attacker-controlled until jose accepts
 * it. jose's own error text is never forwarded; failures map to stable
 * reasons. Verified payloads are cached (bounded) until the token's `exp`, so
 * a player fetching segments with one token pays for one signature check.
 */
import { createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { BoundedCache } from '../cache/bounded-cache';
import type { TokenTrust } from '../config/config';
import { err, ok, type Result } from '../result';

export const TOKEN_ALGORITHMS = ['EdDSA', 'ES256'];
export const CLOCK_SKEW_SECONDS = 60;
/** Longer than any real token; larger inputs are refused before any parsing. */
export const MAX_TOKEN_LENGTH = 8192;
const VERIFIED_TOKEN_CACHE_ENTRIES = 20_000;

export type TokenFailureReason = 'TOKEN_MISSING' | 'TOKEN_INVALID' | 'TOKEN_EXPIRED';

export type VerifiedToken<T> = Result<T, { reason: TokenFailureReason }>;

/**
 * Verifies tokens and turns their claims into `T` with `fromClaims` (null:
 * the claims are not acceptable → TOKEN_INVALID). The resulting `T` is what
 * is cached, so a token seen before costs one map lookup.
 */
export class JwtVerifier<T> {
  readonly #keys: ReturnType<typeof createLocalJWKSet>;
  readonly #verified = new BoundedCache<string, T>(VERIFIED_TOKEN_CACHE_ENTRIES);

  constructor(
    readonly trust: TokenTrust,
    private readonly fromClaims: (payload: JWTPayload) => T | null,
    readonly requiredClaims: string[] = ['exp', 'iat'],
    /** When set, tokens whose `iat` is older than this are expired, whatever their `exp`. */
    readonly maxTokenAgeSeconds?: number,
    /** When set, tokens issued to live longer than this (`exp` − `iat`) are `TOKEN_INVALID`, whatever their signature. */
    readonly maxLifetimeSeconds?: number,
  ) {
    this.#keys = createLocalJWKSet(trust.jwks as Parameters<typeof createLocalJWKSet>[0]);
  }

  /** Number of tokens held in the verified-token cache (for the memory benchmark). */
  get cachedTokens(): number {
    return this.#verified.size;
  }

  async verify(token: string | null, nowMs: number): Promise<VerifiedToken<T>> {
    if (!token) return err({ reason: 'TOKEN_MISSING' });
    if (token.length > MAX_TOKEN_LENGTH) return err({ reason: 'TOKEN_INVALID' });
    const cached = this.#verified.get(token, nowMs);
    if (cached !== undefined) return ok(cached);
    try {
      const header = decodeProtectedHeader(token);
      if (typeof header.kid !== 'string' || header.kid.length === 0) return err({ reason: 'TOKEN_INVALID' });
      const { payload } = await jwtVerify(token, this.#keys, {
        issuer: this.trust.issuer,
        audience: this.trust.audience,
        algorithms: TOKEN_ALGORITHMS,
        clockTolerance: CLOCK_SKEW_SECONDS,
        requiredClaims: this.requiredClaims,
        currentDate: new Date(nowMs),
        ...(this.maxTokenAgeSeconds !== undefined ? { maxTokenAge: this.maxTokenAgeSeconds } : {}),
      });
      // A token "issued" in the future would outlive any sign-out made before that moment.
      if (typeof payload.iat === 'number' && payload.iat > nowMs / 1000 + CLOCK_SKEW_SECONDS) return err({ reason: 'TOKEN_INVALID' });
      // A token made to live longer than allowed is refused outright, not trusted until some cut-off: whoever minted it
      // did not follow the rule, and a stolen one would otherwise stay good for as long as its `exp` says.
      if (this.maxLifetimeSeconds !== undefined && !(typeof payload.iat === 'number' && typeof payload.exp === 'number' && payload.exp - payload.iat <= this.maxLifetimeSeconds)) {
        return err({ reason: 'TOKEN_INVALID' });
      }
      const value = this.fromClaims(payload);
      if (value === null) return err({ reason: 'TOKEN_INVALID' });
      if (typeof payload.exp === 'number') this.#verified.set(token, value, this.cacheUntilMs(payload.exp, payload.iat));
      return ok(value);
    } catch (error) {
      return err({ reason: error instanceof errors.JWTExpired ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID' });
    }
  }

  /** A verified token is reused until it expires: at `exp`, or when it reaches its maximum age or lifetime. */
  private cacheUntilMs(exp: number, iat: number | undefined): number {
    const ageLimit = this.maxTokenAgeSeconds !== undefined && typeof iat === 'number' ? iat + this.maxTokenAgeSeconds : Number.POSITIVE_INFINITY;
    const lifetimeLimit = this.maxLifetimeSeconds !== undefined && typeof iat === 'number' ? iat + this.maxLifetimeSeconds : Number.POSITIVE_INFINITY;
    return (Math.min(exp, ageLimit, lifetimeLimit) + CLOCK_SKEW_SECONDS) * 1000;
  }
}

/**
 * A request's credential and how it came: an `Authorization` header (scheme
 * `Bearer`, or `DPoP` for a device-bound token, RFC 9449 §7.1), or a cookie
 * the browser adds by itself.
 */
export interface Credential {
  token: string;
  via: 'authorization' | 'cookie';
  /** The `Authorization` scheme; null for a cookie. */
  scheme: 'Bearer' | 'DPoP' | null;
}

/** The request's credential: `Authorization: Bearer …` or `DPoP …`, else the named cookie (when one is named). */
export function requestCredential(headers: Headers, cookieName: string | null): Credential | null {
  const authorization = headers.get('Authorization');
  if (authorization) {
    const match = /^(Bearer|DPoP)[ ]+(\S+)\s*$/i.exec(authorization);
    if (match?.[2]) return { token: match[2], via: 'authorization', scheme: match[1]!.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer' };
  }
  const cookies = cookieName === null ? null : headers.get('Cookie');
  if (cookies) {
    for (const part of cookies.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === cookieName) {
        const value = part.slice(eq + 1).trim();
        if (value) return { token: value, via: 'cookie', scheme: null };
      }
    }
  }
  return null;
}

/** The bearer token of a request: `Authorization: Bearer …`, else the named cookie (a `DPoP` scheme is not a bearer token). */
export function bearerToken(headers: Headers, cookieName: string | null): string | null {
  const credential = requestCredential(headers, cookieName);
  return credential && credential.scheme !== 'DPoP' ? credential.token : null;
}
