import { describe, expect, it } from 'vitest';
import { DEVELOPMENT_DEVICE_ISSUER, developmentKeys, mintDeviceToken } from '../../../dev/tokens';
import { DeviceTokenVerifier } from '../../../src/identity/device-token';
import { CLOCK_SKEW_SECONDS } from '../../../src/identity/jwt-verifier';

// The public halves of the development device keys: what a gate is configured with.
const jwks = { keys: developmentKeys.device.map(({ d: _private, ...publicKey }) => publicKey) };
const trust = { jwks, issuer: DEVELOPMENT_DEVICE_ISSUER, audience: 'playback' } as ConstructorParameters<typeof DeviceTokenVerifier>[0];
const DAY_MS = 86_400_000;
const bearer = (token: string) => new Headers({ Authorization: `Bearer ${token}` });

/**
 * A token seen before is answered from the verified-token cache; the cache
 * must never answer for it once it has expired — at `exp` (plus the clock
 * skew every check allows) or at `iat` + the maximum token age — however
 * full the cache and however often the token was used.
 */
describe('verified-token cache', () => {
  it('answers a token seen before until its exp plus the skew, and TOKEN_EXPIRED from then on', async () => {
    const verifier = new DeviceTokenVerifier(trust, 30 * DAY_MS);
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + 600;
    const token = await mintDeviceToken({ account: 'acct-cache', device: 'tv-1', type: 'tv', claims: { iat, exp } });
    // Other tokens in the cache, and many hits on this one: a busy isolate.
    for (let i = 0; i < 50; i++) await verifier.identify(bearer(await mintDeviceToken({ account: `acct-${i}`, device: 'tv-1', type: 'tv' })), iat * 1000);
    for (let i = 0; i < 1_000; i++) expect((await verifier.identify(bearer(token), iat * 1000 + i)).ok).toBe(true);
    expect(verifier.cachedTokens).toBe(51);
    const lastGood = await verifier.identify(bearer(token), (exp + CLOCK_SKEW_SECONDS) * 1000 - 1);
    expect(lastGood.ok && lastGood.value.deviceId).toBe('tv-1');
    expect(await verifier.identify(bearer(token), (exp + CLOCK_SKEW_SECONDS) * 1000)).toMatchObject({ ok: false, error: { reason: 'TOKEN_EXPIRED' } });
    expect(await verifier.identify(bearer(token), (exp + CLOCK_SKEW_SECONDS) * 1000 + DAY_MS)).toMatchObject({ ok: false, error: { reason: 'TOKEN_EXPIRED' } });
  });

  it('answers a long-lived token seen before only until iat plus the maximum token age', async () => {
    const verifier = new DeviceTokenVerifier(trust, DAY_MS);
    const iat = Math.floor(Date.now() / 1000);
    const token = await mintDeviceToken({ account: 'acct-age', device: 'tv-1', type: 'tv', claims: { iat, exp: iat + 365 * 86_400 } });
    expect((await verifier.identify(bearer(token), iat * 1000)).ok).toBe(true);
    expect((await verifier.identify(bearer(token), (iat + 86_400 + CLOCK_SKEW_SECONDS) * 1000 - 1)).ok).toBe(true);
    // jose itself still accepts the age limit's last second (its check is "older than"); one second later no one does.
    expect(await verifier.identify(bearer(token), (iat + 86_400 + CLOCK_SKEW_SECONDS + 1) * 1000)).toMatchObject({ ok: false, error: { reason: 'TOKEN_EXPIRED' } });
    expect(await verifier.identify(bearer(token), (iat + 86_400 + CLOCK_SKEW_SECONDS) * 1000 + DAY_MS)).toMatchObject({ ok: false, error: { reason: 'TOKEN_EXPIRED' } });
  });
});
