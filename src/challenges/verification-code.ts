/**
 * Verification codes: six digits, uniformly random, single-use. Only a salted
 * SHA-256 of the code is stored; a guess is checked by hashing it the same
 * way and comparing the digests in constant time.
 */
export const CODE_PATTERN = /^\d{6}$/;

/** A uniformly random six-digit code (rejection sampling: no modulo bias). */
export function newCode(): string {
  const buffer = new Uint32Array(1);
  const limit = Math.floor(0x1_0000_0000 / 1_000_000) * 1_000_000;
  for (;;) {
    crypto.getRandomValues(buffer);
    if (buffer[0]! < limit) return String(buffer[0]! % 1_000_000).padStart(6, '0');
  }
}

export function newSalt(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(16)));
}

export async function codeDigest(code: string, salt: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${salt}:${code}`))));
}

/** Whether `guess` is the code behind `digest`, compared in constant time. */
export async function codeMatches(guess: string, salt: string, digest: string): Promise<boolean> {
  const candidate = new TextEncoder().encode(await codeDigest(guess, salt));
  const expected = new TextEncoder().encode(digest);
  if (candidate.byteLength !== expected.byteLength) return false;
  return crypto.subtle.timingSafeEqual(candidate, expected);
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
