import { describe, expect, it } from 'vitest';
import { isCrossSiteCookieRequest } from '../../../src/edge/cross-site';

const request = (method: string, headers: Record<string, string>) => new Request('https://gate.hearth.test/gate/v1/challenges', { method, headers });

describe('isCrossSiteCookieRequest', () => {
  it('refuses a change authenticated by the device cookie from another site', () => {
    expect(isCrossSiteCookieRequest(request('POST', { Cookie: 'hearth_device=t', 'Sec-Fetch-Site': 'cross-site' }))).toBe(true);
    expect(isCrossSiteCookieRequest(request('DELETE', { Cookie: 'hearth_device=t', Origin: 'https://evil.example' }))).toBe(true);
  });

  it('lets same-origin evidence through: Sec-Fetch-Site same-origin or none, or a matching Origin', () => {
    expect(isCrossSiteCookieRequest(request('POST', { Cookie: 'hearth_device=t', 'Sec-Fetch-Site': 'same-origin' }))).toBe(false);
    expect(isCrossSiteCookieRequest(request('POST', { Cookie: 'hearth_device=t', 'Sec-Fetch-Site': 'none' }))).toBe(false);
    expect(isCrossSiteCookieRequest(request('POST', { Cookie: 'hearth_device=t', Origin: 'https://gate.hearth.test' }))).toBe(false);
  });

  it('takes an Origin listed in CORS_ALLOWED_ORIGINS as evidence, exactly as listed', () => {
    const listed = new Set(['https://player.example']);
    expect(isCrossSiteCookieRequest(request('POST', { Cookie: 'hearth_device=t', 'Sec-Fetch-Site': 'same-site', Origin: 'https://player.example' }), listed)).toBe(false);
    expect(isCrossSiteCookieRequest(request('POST', { Cookie: 'hearth_session=s', 'Sec-Fetch-Site': 'cross-site', Origin: 'https://player.example' }), listed)).toBe(false);
    expect(isCrossSiteCookieRequest(request('POST', { Cookie: 'hearth_device=t', 'Sec-Fetch-Site': 'same-site', Origin: 'https://player.example.evil' }), listed)).toBe(true);
    expect(isCrossSiteCookieRequest(request('POST', { Cookie: 'hearth_device=t', 'Sec-Fetch-Site': 'same-site', Origin: 'https://player.example' }))).toBe(true);
  });

  it('leaves bearer tokens and reads alone', () => {
    expect(isCrossSiteCookieRequest(request('POST', { Authorization: 'Bearer t', 'Sec-Fetch-Site': 'cross-site' }))).toBe(false);
    expect(isCrossSiteCookieRequest(request('GET', { Cookie: 'hearth_device=t', 'Sec-Fetch-Site': 'cross-site' }))).toBe(false);
  });
});
