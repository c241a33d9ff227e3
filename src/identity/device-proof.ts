/**
 * DPoP proofs (RFC 9449, contract §2.1): a device-bound token — one whose
 * `cnf.jkt` names a key the device holds — is only as good as a fresh proof
 * signed by that key, for this request.
 *
 * This module checks everything a proof says about itself and the request:
 * `typ`, the pinned algorithms, the embedded public key and its thumbprint,
 * `htm`, `htu`, `iat`, the shape of `jti`, and `ath`. Whether the `jti` was
 * seen before is the account's Durable Object's to say (state/household-store.ts:
 * `acceptProof`), since it must hold across isolates.
 *
 * Trust boundary: the proof and the token are attacker-controlled until jose
 * accepts the proof. Failures are stable codes for the log (`ProofFailure`);
 * neither the proof nor the token ever reaches a log line or an answer.
 *
 * `htu`: behind Cloudflare, a Worker's `request.url` is the URL the client
 * asked for (its scheme, host and path; TLS ends at Cloudflare, the URL keeps
 * `https:`). So the proof's `htu` is compared with that URL on scheme, host
 * (with its port, default ports left out) and path, as the WHATWG URL parser
 * normalises them; query and fragment are ignored on both sides (RFC 9449 §4.3).
 */
import { base64url, calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify, type JWK } from 'jose';
import { err, ok, type Result } from '../result';

export const PROOF_ALGORITHMS = ['EdDSA', 'ES256'];
/** A proof's `iat` may be this far from now, either way. */
export const PROOF_IAT_WINDOW_SECONDS = 60;
/** How long a proof's `jti` is remembered (per account): it is accepted once in this time. */
export const PROOF_JTI_TTL_MS = 2 * 60 * 1000;
/** A `jti` longer than this is refused: the replay store stays small. */
export const PROOF_JTI_MAX_LENGTH = 128;
/** Longer than any real proof; larger inputs are refused before any parsing. */
export const MAX_PROOF_LENGTH = 4096;

/** Why a proof was refused: for the log and support, never for the caller (who always gets DEVICE_PROOF_REQUIRED). */
export type ProofFailure = 'unbound' | 'scheme' | 'missing' | 'malformed' | 'private-key' | 'key-type' | 'signature' | 'thumbprint' | 'htm' | 'htu' | 'iat' | 'jti' | 'ath' | 'replayed' | 'other-key';

/** A proof that passed: its `jti` (still to be accepted once by the account's store). */
export type ProofCheck = Result<string, ProofFailure>;

/** What a proof is checked against: the request, the token it travels with, and the key the token is bound to. */
export interface ProofSubject {
  method: string;
  url: string;
  token: string;
  /** How the token came: a bound token must come as `Authorization: DPoP`. */
  scheme: 'Bearer' | 'DPoP' | null;
  /** The `DPoP` header (null when absent). */
  proof: string | null;
  keyThumbprint: string;
}

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

/** Checks a DPoP proof for a request made with a bound token; the `jti` it returns still has to be accepted once. */
export async function verifyDeviceProof(subject: ProofSubject, nowMs: number): Promise<ProofCheck> {
  const refuse = (failure: ProofFailure): ProofCheck => err(failure);
  if (subject.scheme !== 'DPoP') return refuse('scheme');
  const proof = subject.proof;
  if (!proof) return refuse('missing');
  // Two DPoP headers arrive joined by a comma, which no compact JWS holds.
  if (proof.length > MAX_PROOF_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(proof)) return refuse('malformed');

  let jwk: JWK;
  try {
    const header = decodeProtectedHeader(proof);
    if (typeof header.jwk !== 'object' || header.jwk === null) return refuse('malformed');
    jwk = header.jwk;
  } catch {
    return refuse('malformed');
  }
  if (PRIVATE_JWK_MEMBERS.some((member) => member in jwk)) return refuse('private-key');
  const ed25519 = jwk.kty === 'OKP' && jwk.crv === 'Ed25519';
  const p256 = jwk.kty === 'EC' && jwk.crv === 'P-256';
  if (!ed25519 && !p256) return refuse('key-type');

  let payload: Record<string, unknown>;
  try {
    // EmbeddedJWK verifies with the header's own key; `typ` and the algorithms are pinned (`none` never verifies).
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: PROOF_ALGORITHMS, currentDate: new Date(nowMs), clockTolerance: PROOF_IAT_WINDOW_SECONDS }));
  } catch {
    return refuse('signature');
  }
  if ((await calculateJwkThumbprint(jwk, 'sha256')) !== subject.keyThumbprint) return refuse('thumbprint');

  const { htm, htu, iat, jti, ath } = payload;
  if (htm !== subject.method) return refuse('htm');
  if (typeof htu !== 'string' || !sameTarget(htu, subject.url)) return refuse('htu');
  if (typeof iat !== 'number' || !Number.isFinite(iat) || Math.abs(iat - nowMs / 1000) > PROOF_IAT_WINDOW_SECONDS) return refuse('iat');
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > PROOF_JTI_MAX_LENGTH) return refuse('jti');
  if (typeof ath !== 'string' || ath !== (await tokenHash(subject.token))) return refuse('ath');
  return ok(jti);
}

/** `ath`: base64url SHA-256 of the token's ASCII. */
export async function tokenHash(token: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))));
}

/** The proof's `htu` and the request's URL name the same resource: scheme, host (and port) and path; query and fragment aside. */
function sameTarget(htu: string, requestUrl: string): boolean {
  if (!URL.canParse(htu)) return false;
  const claimed = new URL(htu);
  const actual = new URL(requestUrl);
  return claimed.protocol === actual.protocol && claimed.host === actual.host && claimed.pathname === actual.pathname;
}
