/**
 * Home networks of a test's own.
 *
 * A network counts as shared once more than SHARED_NETWORK_HOUSEHOLDS
 * households hold it, and row 6 then lets only the anchor TV (and devices
 * beside it) in. The workerd project runs its files in one runtime that
 * shares Durable Objects and KV (`isolate: false`): every household any
 * file establishes on a network counts there, so a fixed home address such
 * as 203.0.113.40 becomes shared as soon as enough files have used it, and
 * a phone at home reads OUTSIDE_HOUSEHOLD. A test that needs a home nobody
 * else holds takes one here.
 *
 * The networks are IPv6 /56s in the documentation range 2001:db8::/32: the
 * gate keys a network on its prefix (IPv4 /24, IPv6 /56 — the three IPv4
 * documentation /24s are far too few), so each network differs in the 24
 * bits after 2001:db8::/32. They start at a random point so two runtimes
 * handing them out from scratch (a re-evaluated module) do not meet.
 */

/** The 24 bits after 2001:db8::/32 of the next network handed out. */
let next = crypto.getRandomValues(new Uint32Array(1))[0]! & 0xff_ff_ff;

export interface TestNetwork {
  /** The network's /56 prefix as written in an address, e.g. `2001:db8:1a2b:3c00:`. */
  readonly prefix: string;
  /** An address on the network: `host` picks the interface identifier (different hosts, same network). */
  address(host?: number): string;
}

/** A network no other test (in any file of the run) holds. */
export function ownNetwork(): TestNetwork {
  const bits = next;
  next = (next + 1) & 0xff_ff_ff;
  const prefix = `2001:db8:${(bits >> 8).toString(16)}:${((bits & 0xff) << 8).toString(16)}:`;
  return { prefix, address: (host = 1) => `${prefix}:${host.toString(16)}` };
}
