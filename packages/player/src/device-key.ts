/**
 * The device's key for bound tokens (contract §2.1; RFC 9449, DPoP): a P-256
 * key pair made by WebCrypto with a non-extractable private key, kept in
 * IndexedDB (which stores the CryptoKey itself, never its bytes), and the
 * DPoP proofs signed with it. ES256 because every browser's WebCrypto signs
 * it; WebCrypto's ECDSA signature is already the JWS form (r ‖ s).
 *
 * The proof is a few lines of JWS by hand rather than jose: the SDK's size
 * budget is 8 KB, and signing one fixed header and claim set needs nothing
 * jose adds.
 */

/** A device key: the public half to bind tokens to, and signing with the private half. */
export interface DeviceKey {
  /** The public key as a JWK (`kty`, `crv`, `x`, `y`): what the account service binds the token to. */
  jwk: { kty: string; crv: string; x: string; y: string };
  /** Its RFC 7638 SHA-256 thumbprint: the token's `cnf.jkt`. */
  thumbprint: string;
  privateKey: CryptoKey;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const DATABASE = 'hearth-player';
const STORE = 'device-keys';

const encoder = new TextEncoder();

export function base64url(bytes: ArrayBuffer | Uint8Array | string): string {
  const view = typeof bytes === 'string' ? encoder.encode(bytes) : new Uint8Array(bytes);
  let binary = '';
  for (const byte of view) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const sha256 = async (text: string) => base64url(await crypto.subtle.digest('SHA-256', encoder.encode(text)));

/** IndexedDB as one promise: the object store, in a transaction of `mode`. */
function store<T>(mode: IDBTransactionMode, act: (keys: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DATABASE, 1);
    open.addEventListener('upgradeneeded', () => open.result.createObjectStore(STORE));
    open.addEventListener('error', () => reject(open.error));
    open.addEventListener('success', () => {
      const request = act(open.result.transaction(STORE, mode).objectStore(STORE));
      request.addEventListener('success', () => resolve(request.result));
      request.addEventListener('error', () => reject(request.error));
    });
  });
}

/**
 * The device key named `name`: the one kept in this browser, or a new one
 * (made non-extractable, then kept). The same browser profile gets the same
 * key until `forgetDeviceKey`.
 */
export async function deviceKey(name = 'default'): Promise<DeviceKey> {
  let pair = await store<CryptoKeyPair | undefined>('readonly', (keys) => keys.get(name));
  if (!pair) {
    pair = await crypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify']);
    await store('readwrite', (keys) => keys.put(pair, name));
  }
  const { kty, crv, x, y } = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as { kty: string; crv: string; x: string; y: string };
  // RFC 7638: the required members, in lexicographic order, no white space.
  return { jwk: { kty, crv, x, y }, thumbprint: await sha256(JSON.stringify({ crv, kty, x, y })), privateKey: pair.privateKey };
}

/** Forgets the key named `name` (after a sign-out: the household forgets it too). */
export async function forgetDeviceKey(name = 'default'): Promise<void> {
  await store('readwrite', (keys) => keys.delete(name));
}

/** A DPoP proof (RFC 9449 §4.2) for one request: `htm`, `htu` (no query or fragment), `iat`, a fresh `jti`, `ath` of the token. */
export async function dpopProof(key: DeviceKey, method: string, url: string, token: string): Promise<string> {
  const htu = url.replace(/[?#].*$/, '');
  const header = base64url(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk }));
  const claims = base64url(JSON.stringify({ htm: method, htu, iat: Math.floor(Date.now() / 1000), jti: crypto.randomUUID(), ath: await sha256(token) }));
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey, encoder.encode(`${header}.${claims}`));
  return `${header}.${claims}.${base64url(signature)}`;
}
