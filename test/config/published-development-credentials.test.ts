import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import developmentKeys from '../../dev/development-keys.json';
import { PUBLISHED_DEVELOPMENT_KEY_X, PUBLISHED_DEVELOPMENT_SECRETS } from '../../src/config/published-development-credentials';

describe('the list of published development credentials a production gate refuses', () => {
  it('holds every public key of dev/development-keys.json', () => {
    const published = [...developmentKeys.device, ...developmentKeys.admin].map((key) => key.x);
    expect(new Set(published)).toEqual(PUBLISHED_DEVELOPMENT_KEY_X);
  });

  it('holds every secret of .dev.vars', () => {
    const bindings = env as unknown as Record<string, string>;
    expect(new Set([bindings.NETWORK_HASH_KEY, bindings.NOTIFY_SIGNING_KEY, bindings.SESSION_SIGNING_KEY])).toEqual(PUBLISHED_DEVELOPMENT_SECRETS);
  });

  it('holds the session signing key of dev/development-keys.json, the same as .dev.vars', () => {
    expect(developmentKeys.sessionSigningKey).toBe((env as unknown as Record<string, string>).SESSION_SIGNING_KEY);
    expect(PUBLISHED_DEVELOPMENT_SECRETS.has(developmentKeys.sessionSigningKey)).toBe(true);
  });
});
