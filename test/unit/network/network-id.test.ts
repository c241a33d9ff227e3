import { describe, expect, it } from 'vitest';
import { clientAddress, NetworkHasher, networkPrefixBytes } from '../../../src/network/network-id';

const prefixes = { ipv4Prefix: 24, ipv6Prefix: 56 };
const key = crypto.getRandomValues(new Uint8Array(32));
const hasher = new NetworkHasher(key, prefixes);

describe('network ids', () => {
  it('puts addresses of one /24 on one network and the next /24 on another', async () => {
    const a = await hasher.networkId('203.0.113.10');
    expect(a).toMatch(/^n1\.[A-Za-z0-9_-]{22}$/);
    expect(await hasher.networkId('203.0.113.250')).toBe(a);
    expect(await hasher.networkId('203.0.114.10')).not.toBe(a);
  });

  it('puts addresses of one IPv6 /56 on one network, however they are written', async () => {
    const full = await hasher.networkId('2001:0db8:0000:1200:0000:0000:0000:0001');
    expect(await hasher.networkId('2001:db8:0:1200::1')).toBe(full);
    expect(await hasher.networkId('2001:DB8:0:12ff::abcd')).toBe(full);
    expect(await hasher.networkId('2001:db8:0:1300::1')).not.toBe(full);
  });

  it('counts IPv4-mapped IPv6 as IPv4', async () => {
    const v4 = await hasher.networkId('192.0.2.33');
    expect(await hasher.networkId('::ffff:192.0.2.1')).toBe(v4);
    expect(await hasher.networkId('::ffff:c000:0201')).toBe(v4);
  });

  it('follows the configured prefix lengths', () => {
    const wide = networkPrefixBytes('10.1.255.255', { ipv4Prefix: 16, ipv6Prefix: 56 });
    expect(Array.from(wide!)).toEqual([4, 16, 10, 1, 0, 0]);
    const odd = networkPrefixBytes('10.1.255.255', { ipv4Prefix: 20, ipv6Prefix: 56 });
    expect(Array.from(odd!)).toEqual([4, 20, 10, 1, 0xf0, 0]);
  });

  it('keeps IPv4 and IPv6 networks apart', () => {
    const v4 = networkPrefixBytes('0.0.0.0', prefixes)!;
    const v6 = networkPrefixBytes('::', prefixes)!;
    expect(v4[0]).toBe(4);
    expect(v6[0]).toBe(6);
  });

  it.each([null, '', 'garbage', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '0x7f.0.0.1', '1.2.3.4:80', '::gggg', 'fe80::1%eth0', '[2001:db8::1]', 'a'.repeat(100), ' '])(
    'treats %j as no network',
    async (address) => {
      expect(await hasher.networkId(address)).toBeNull();
    },
  );

  it('never carries the address in the id, and depends on the key', async () => {
    const id = await hasher.networkId('198.51.100.7');
    expect(id).not.toContain('198');
    const other = new NetworkHasher(crypto.getRandomValues(new Uint8Array(32)), prefixes);
    expect(await other.networkId('198.51.100.7')).not.toBe(id);
  });

  it('prefers CF-Connecting-IPv6 over CF-Connecting-IP', () => {
    expect(clientAddress(new Headers({ 'CF-Connecting-IP': '240.0.0.1', 'CF-Connecting-IPv6': '2001:db8::1' }))).toBe('2001:db8::1');
    expect(clientAddress(new Headers({ 'CF-Connecting-IP': '192.0.2.1' }))).toBe('192.0.2.1');
    expect(clientAddress(new Headers())).toBeNull();
  });
});
