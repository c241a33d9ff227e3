/**
 * Reads what the test webhook receiver (test/support/outbound.ts) captured,
 * and checks each delivery's Hearth-Signature the way a receiver would.
 */
import { testEnv } from './gate';

export interface Delivery {
  headers: Record<string, string>;
  body: string;
  message: Record<string, string>;
}

export async function deliveries(accountId: string): Promise<Delivery[]> {
  const response = await fetch(`http://notify.test/deliveries?accountId=${encodeURIComponent(accountId)}`);
  const raw = await response.json<Array<{ headers: Record<string, string>; body: string }>>();
  return raw.map((d) => ({ headers: d.headers, body: d.body, message: JSON.parse(d.body) }));
}

/** The ops events delivered to OPS_NOTIFY_URL for `region`, oldest first. */
export async function opsEvents(region: string): Promise<Delivery[]> {
  const response = await fetch('http://notify.test/deliveries');
  const raw = await response.json<Array<{ headers: Record<string, string>; body: string }>>();
  return raw.map((d) => ({ headers: d.headers, body: d.body, message: JSON.parse(d.body) })).filter((d) => d.message.region === region && String(d.message.type).startsWith('rollout_'));
}

export async function lastCode(accountId: string): Promise<string> {
  const all = await deliveries(accountId);
  const last = all.findLast((delivery) => delivery.message.type === 'verification_code');
  if (!last) throw new Error(`no code was delivered for ${accountId}`);
  return last.message.code!;
}

/**
 * The household events (contract §6) delivered for `accountId`, oldest first: sent behind the answer of the
 * request that made them, so this waits (at most 3 s) until at least `atLeast` have arrived.
 */
export async function householdEvents(accountId: string, atLeast = 1): Promise<Array<Record<string, string>>> {
  const read = async () => (await deliveries(accountId)).filter((delivery) => delivery.message.type === 'household_event').map((delivery) => delivery.message);
  for (let i = 0; i < 60; i += 1) {
    const events = await read();
    if (events.length >= atLeast) return events;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return read();
}

/** Verifies `t=<unix>,v1=<hex HMAC-SHA-256("<t>.<body>")>` with NOTIFY_SIGNING_KEY. */
export async function signatureIsValid(delivery: Delivery): Promise<boolean> {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(delivery.headers['hearth-signature'] ?? '');
  if (!match) return false;
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(testEnv.NOTIFY_SIGNING_KEY as string), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const mac = Uint8Array.from(match[2]!.match(/../g)!, (byte) => Number.parseInt(byte, 16));
  return crypto.subtle.verify('HMAC', key, mac, new TextEncoder().encode(`${match[1]}.${delivery.body}`));
}
