/**
 * Client networks (docs/api.md): which address a request came from, cut to
 * its network prefix, and the keyed hash that stands for it.
 *
 * Trust boundary: the raw address enters here from Cloudflare's headers and
 * never leaves. Only the HMAC-SHA-256 network id (truncated to 128 bits,
 * base64url) is returned, stored, compared or logged.
 */
import ipaddr from 'ipaddr.js';

/** An opaque, keyed network id such as `n1.q8Vf…`; never reversible to an address. */
export type NetworkId = string;
/** An opaque, keyed id of one whole address (IPv4 /32, IPv6 /64) such as `a1.Zk3…`. */
export type AddressId = string;
/**
 * An opaque, keyed id of one household on one network (`h1.…`), what a
 * network's sharing count holds: computed from the account id and the network
 * id with the hash key, so it names no account and links no two networks.
 */
export type HolderId = string;

/** What an address id covers: the whole IPv4 address, and the /64 of an IPv6 address (one subscriber's LAN). */
export const ADDRESS_PREFIXES: NetworkPrefixes = { ipv4Prefix: 32, ipv6Prefix: 64 };

export interface NetworkPrefixes {
  ipv4Prefix: number;
  ipv6Prefix: number;
}

/**
 * The client's address: `CF-Connecting-IP`. Only when that is a Pseudo IPv4
 * address (240.0.0.0/4, where Cloudflare's Pseudo IPv4 puts IPv6 clients) is
 * the real address taken from `CF-Connecting-IPv6`; otherwise a client-sent
 * `CF-Connecting-IPv6` is ignored, so nobody can claim another's network.
 */
export function clientAddress(headers: Headers): string | null {
  const connecting = headers.get('CF-Connecting-IP');
  if (connecting !== null && isPseudoIpv4(connecting)) return headers.get('CF-Connecting-IPv6') ?? connecting;
  return connecting;
}

function isPseudoIpv4(address: string): boolean {
  const text = address.trim();
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return false;
  return ipaddr.IPv4.parse(text).match(PSEUDO_IPV4_RANGE);
}

const PSEUDO_IPV4_RANGE = ipaddr.IPv4.parseCIDR('240.0.0.0/4');

/**
 * The address cut to its network: a tagged byte string (`4` or `6`, then the
 * masked bytes), or null for anything that is not a plain IPv4/IPv6 address.
 * IPv4-mapped IPv6 (`::ffff:192.0.2.1`) counts as IPv4.
 */
export function networkPrefixBytes(address: string | null, prefixes: NetworkPrefixes): Uint8Array | null {
  if (!address) return null;
  const text = address.trim();
  if (text.length === 0 || text.length > 64) return null;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
    parsed = ipaddr.IPv4.parse(text);
  } else if (text.includes(':') && ipaddr.IPv6.isValid(text)) {
    const v6 = ipaddr.IPv6.parse(text);
    if (v6.zoneId) return null;
    parsed = v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
  } else {
    return null;
  }
  const isV4 = parsed.kind() === 'ipv4';
  const bytes = parsed.toByteArray();
  const prefix = isV4 ? prefixes.ipv4Prefix : prefixes.ipv6Prefix;
  const tagged = new Uint8Array(bytes.length + 2);
  tagged[0] = isV4 ? 4 : 6;
  tagged[1] = prefix;
  for (let i = 0; i < bytes.length; i++) {
    const bitsLeft = prefix - i * 8;
    const mask = bitsLeft >= 8 ? 0xff : bitsLeft <= 0 ? 0 : (0xff << (8 - bitsLeft)) & 0xff;
    tagged[i + 2] = (bytes[i] ?? 0) & mask;
  }
  return tagged;
}

/** Hashes networks with a key imported once. */
export class NetworkHasher {
  readonly #key: Promise<CryptoKey>;

  constructor(
    rawKey: Uint8Array,
    readonly prefixes: NetworkPrefixes,
  ) {
    this.#key = crypto.subtle.importKey('raw', rawKey, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  }

  /** The network id of `address`, or null when it is missing or unparsable ("not a home network"). */
  async networkId(address: string | null): Promise<NetworkId | null> {
    const network = networkPrefixBytes(address, this.prefixes);
    return network && 'n1.' + (await this.#mac(network));
  }

  /**
   * The address id of `address` (IPv4 /32, IPv6 /64), or null when it is
   * missing or unparsable. The prefix length is part of the hashed bytes, so
   * an address id never equals a network id of the same address.
   */
  async addressId(address: string | null): Promise<AddressId | null> {
    const whole = networkPrefixBytes(address, ADDRESS_PREFIXES);
    return whole && 'a1.' + (await this.#mac(whole));
  }

  /** The id a network's sharing count holds for this account's household on `networkId`. */
  async holderId(networkId: NetworkId, accountId: string): Promise<HolderId> {
    return 'h1.' + (await this.#mac(new TextEncoder().encode(`holder\u0000${networkId}\u0000${accountId}`)));
  }

  /** HMAC-SHA-256 with the hash key, truncated to 128 bits, base64url. */
  async #mac(bytes: Uint8Array): Promise<string> {
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await this.#key, bytes));
    return toBase64Url(mac.subarray(0, 16));
  }
}

/** The shape of a holder id: anything else is refused by the network's sharing count. */
export const HOLDER_ID = /^h1\.[A-Za-z0-9_-]{22}$/;

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
