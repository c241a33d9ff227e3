import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { metricsSettingsOf, parseConfig } from '../../src/config/config';

const base = env as unknown as Record<string, unknown>;

function configOf(raw: Record<string, unknown>) {
  const result = parseConfig(raw);
  if (!result.ok) throw new Error(`unexpected problems: ${JSON.stringify(result.error)}`);
  return result.value;
}

function problemsOf(overrides: Record<string, unknown>) {
  const raw: Record<string, unknown> = { ...base, ...overrides };
  for (const [k, v] of Object.entries(overrides)) if (v === undefined) delete raw[k];
  const result = parseConfig(raw);
  return result.ok ? [] : result.error.map((p) => p.binding);
}

describe('configuration', () => {
  it('accepts the development bindings', () => {
    const result = parseConfig(base);
    expect(result.ok).toBe(true);
  });

  it('takes numbers and durations as strings or as TOML values alike', () => {
    const asStrings = configOf({ ...base, HOME_NETWORKS_MAX: '4', TRUST_WINDOW: 'PT6S', IPV4_PREFIX: '20' });
    const asValues = configOf({ ...base, HOME_NETWORKS_MAX: 4, TRUST_WINDOW: 'PT6S', IPV4_PREFIX: 20 });
    expect(asStrings.homeNetworksMax).toBe(4);
    expect(asStrings.trustWindowMs).toBe(6000);
    expect(asValues).toEqual(asStrings);
  });

  it('takes the shared-network settings as strings or TOML values', () => {
    expect(configOf({ ...base, SHARED_NETWORK_HOUSEHOLDS: '2', COPRESENCE_WINDOW: 'PT2S' })).toMatchObject({ sharedNetworkHouseholds: 2, copresenceWindowMs: 2000 });
    expect(configOf({ ...base, SHARED_NETWORK_HOUSEHOLDS: 2, COPRESENCE_WINDOW: 'PT2S' })).toMatchObject({ sharedNetworkHouseholds: 2, copresenceWindowMs: 2000 });
  });

  it('takes a log sample and a flush interval as strings or TOML values, zero included', () => {
    expect(configOf({ ...base, DECISION_LOG_SAMPLE: '0', METRICS_FLUSH_INTERVAL: 'PT0S' })).toMatchObject({ decisionLogSample: 0, metricsFlushIntervalMs: 0 });
    expect(configOf({ ...base, DECISIONS_SEGMENT_SAMPLE: '0.25' })).toMatchObject({ decisionsSegmentSample: 0.25 });
    expect(configOf({ ...base, DECISIONS_SEGMENT_SAMPLE: 1 })).toMatchObject({ decisionsSegmentSample: 1 });
    expect(configOf({ ...base, DECISION_LOG_SAMPLE: 1, METRICS_FLUSH_INTERVAL: 'PT2.5S' })).toMatchObject({ decisionLogSample: 1, metricsFlushIntervalMs: 2500 });
  });

  it('takes NOTIFY_TIMEOUT (PT5S unless set) for the code webhook and the ops webhook alike, held once in each', () => {
    const webhooks = { NOTIFY_URL: 'https://notify.example/hook', OPS_NOTIFY_URL: 'https://notify.example/ops', NOTIFY_SIGNING_KEY: 'k'.repeat(32) };
    expect(configOf({ ...base, ...webhooks }).notify!.timeoutMs).toBe(5000);
    const set = configOf({ ...base, ...webhooks, NOTIFY_TIMEOUT: 'PT0.3S' });
    expect(set.notify).toEqual({ url: 'https://notify.example/hook', signingKey: 'k'.repeat(32), timeoutMs: 300 });
    expect(set.opsNotify).toEqual({ url: 'https://notify.example/ops', signingKey: 'k'.repeat(32), timeoutMs: 300 });
    expect(configOf({ ...base, ...webhooks, NOTIFY_TIMEOUT: 'PT30S' }).opsNotify!.timeoutMs).toBe(30_000);
    // Nowhere else: a second copy could disagree with the one a delivery uses.
    expect(Object.keys(set).filter((key) => /timeout/i.test(key))).toEqual(['originTimeoutMs']);
    expect(configOf({ ...base, OPS_NOTIFY_URL: undefined }).opsNotify).toBeNull();
  });

  it('takes METRICS_SHARDS from 1 (the default) to 64, as a string or a TOML value', () => {
    expect(configOf(base).metricsShards).toBe(1);
    expect(configOf({ ...base, METRICS_SHARDS: '4' }).metricsShards).toBe(4);
    expect(configOf({ ...base, METRICS_SHARDS: 64 }).metricsShards).toBe(64);
    expect(metricsSettingsOf({ METRICS_SHARDS: '4', METRICS_FLUSH_INTERVAL: 'PT0S' })).toEqual({ shards: 4, flushIntervalMs: 0 });
    expect(metricsSettingsOf({ METRICS_SHARDS: 'many' })).toEqual({ shards: 1, flushIntervalMs: 10_000 });
  });

  it.each([
    ['0', 'must be at least 1'],
    ['65', 'must be at most 64'],
    ['2.5', 'must be a whole number'],
    ['many', 'must be a whole number'],
  ])('refuses METRICS_SHARDS %j: %s', (value, message) => {
    const parsed = parseConfig({ ...base, METRICS_SHARDS: value });
    expect(parsed).toMatchObject({ ok: false, error: expect.arrayContaining([{ binding: 'METRICS_SHARDS', message: expect.stringContaining(message) }]) });
  });

  it('takes DEVICE_BINDING optional (the default) or required, and nothing else', () => {
    const withoutBinding = { ...base };
    delete withoutBinding.DEVICE_BINDING;
    expect(configOf(withoutBinding).deviceBinding).toBe('optional');
    expect(configOf({ ...base, DEVICE_BINDING: 'required' }).deviceBinding).toBe('required');
    expect(problemsOf({ DEVICE_BINDING: 'Required' })).toEqual(['DEVICE_BINDING']);
    expect(problemsOf({ DEVICE_BINDING: 'off' })).toEqual(['DEVICE_BINDING']);
  });

  it('takes SUPPORT_URL as a web page or a mailto: address (https only in production), and none by default', () => {
    expect(configOf(base).supportUrl).toBeNull();
    expect(configOf({ ...base, SUPPORT_URL: 'https://help.example/hearth' }).supportUrl).toBe('https://help.example/hearth');
    expect(configOf({ ...base, SUPPORT_URL: 'mailto:support@example.com' }).supportUrl).toBe('mailto:support@example.com');
    expect(configOf({ ...base, SUPPORT_URL: 'http://localhost:3000/support' }).supportUrl).toBe('http://localhost:3000/support');
    expect(problemsOf({ SUPPORT_URL: 'javascript:alert(1)' })).toEqual(['SUPPORT_URL']);
    expect(problemsOf({ SUPPORT_URL: 'support.example' })).toEqual(['SUPPORT_URL']);
    const production = parseConfig({ ...base, ENVIRONMENT: 'production', SUPPORT_URL: 'http://help.example' });
    expect(production.ok ? [] : production.error.filter((p) => p.binding === 'SUPPORT_URL').map((p) => p.message)).toEqual(['must be an https URL or a mailto: address']);
  });

  it('takes CORS_ALLOWED_ORIGINS as exact origins, space- or comma-separated, none by default', () => {
    expect(configOf(base).corsAllowedOrigins.size).toBe(0);
    expect([...configOf({ ...base, CORS_ALLOWED_ORIGINS: 'https://player.example http://localhost:8788,https://b.example:8443' }).corsAllowedOrigins]).toEqual([
      'https://player.example',
      'http://localhost:8788',
      'https://b.example:8443',
    ]);
    for (const wrong of ['*', 'null', 'https://player.example/', 'https://player.example/watch', 'https://Player.example', 'https://player.example:443', 'player.example', 'ftp://player.example']) {
      expect({ wrong, problems: problemsOf({ CORS_ALLOWED_ORIGINS: wrong }) }).toEqual({ wrong, problems: ['CORS_ALLOWED_ORIGINS'] });
    }
    expect(problemsOf({ ENVIRONMENT: 'production', CORS_ALLOWED_ORIGINS: 'http://player.example' })).toContain('CORS_ALLOWED_ORIGINS');
  });

  it('takes a JWK Set as a JSON string or as an object', () => {
    const jwks = JSON.parse(base.DEVICE_JWKS as string);
    const result = parseConfig({ ...base, DEVICE_JWKS: jwks });
    expect(result.ok).toBe(true);
  });

  it('applies the contract defaults', () => {
    const config = configOf({
      ENVIRONMENT: 'development',
      DEVICE_JWKS: base.DEVICE_JWKS,
      DEVICE_TOKEN_ISSUER: 'iss',
      NETWORK_HASH_KEY: base.NETWORK_HASH_KEY,
      SESSION_SIGNING_KEY: base.SESSION_SIGNING_KEY,
    });
    expect(config).toMatchObject({
      deviceBinding: 'optional',
      playbackSessionTtlMs: 4 * 3_600_000,
      trustWindowMs: 31 * 86_400_000,
      temporaryAccessMs: 7 * 86_400_000,
      travelWindowMs: 30 * 86_400_000,
      travelGrantsPerWindow: 2,
      codeTtlMs: 15 * 60_000,
      codeMaxAttempts: 5,
      extraMemberSlots: 2,
      homeNetworksMax: 3,
      primaryLocationChangesPerWindow: 3,
      ipv4Prefix: 24,
      ipv6Prefix: 56,
      sharedNetworkHouseholds: 8,
      copresenceWindowMs: 2 * 3_600_000,
      decisionLogSample: 0.01,
      decisionsSegmentSample: 0.01,
      metricsFlushIntervalMs: 10_000,
      originUrl: null,
      notify: null,
      adminTokens: null,
    });
    expect(config.deviceTokens.audience).toBe('playback');
  });

  it.each([
    ['DEVICE_JWKS', undefined],
    ['DEVICE_JWKS', 'not json'],
    ['DEVICE_JWKS', '{"keys":[]}'],
    ['DEVICE_TOKEN_ISSUER', undefined],
    ['NETWORK_HASH_KEY', undefined],
    ['NETWORK_HASH_KEY', 'c2hvcnQ'],
    ['NETWORK_HASH_KEY', 'not base64url!'],
    ['TRUST_WINDOW', '31 days'],
    ['HOME_NETWORKS_MAX', 'three'],
    ['HOME_NETWORKS_MAX', '0'],
    ['IPV4_PREFIX', 33],
    ['IPV6_PREFIX', '1.5'],
    ['ENVIRONMENT', 'staging'],
    ['ORIGIN_URL', 'ftp://origin'],
    ['DECISION_LOG_SAMPLE', '1.5'],
    ['DECISION_LOG_SAMPLE', '-0.1'],
    ['DECISION_LOG_SAMPLE', 'often'],
    ['DECISIONS_SEGMENT_SAMPLE', '2'],
    ['DECISIONS_SEGMENT_SAMPLE', '-0.01'],
    ['DECISIONS_SEGMENT_SAMPLE', 'rarely'],
    ['METRICS_FLUSH_INTERVAL', 'PT11S'],
    ['METRICS_FLUSH_INTERVAL', 'soon'],
    ['NOTIFY_TIMEOUT', 'PT0S'],
    ['NOTIFY_TIMEOUT', 'PT31S'],
    ['NOTIFY_TIMEOUT', 'a while'],
    ['SHARED_NETWORK_HOUSEHOLDS', '0'],
    ['SHARED_NETWORK_HOUSEHOLDS', 'many'],
    ['COPRESENCE_WINDOW', 'PT0S'],
    ['COPRESENCE_WINDOW', 'two hours'],
    ['SESSION_SIGNING_KEY', undefined],
    ['SESSION_SIGNING_KEY', 'c2hvcnQ'],
    ['SESSION_SIGNING_KEY', 'not base64url!'],
    ['SESSION_SIGNING_KEY', `${String(base.SESSION_SIGNING_KEY)} c2hvcnQ`],
    ['PLAYBACK_SESSION_TTL', 'four hours'],
    ['PLAYBACK_SESSION_TTL', 'P31D'],
    ['PLAYBACK_SESSION_TTL', 'PT0.5S'],
    ['PLAYBACK_SESSION_TTL', 'PT1.5S'],
    ['DEVICE_BINDING', 'always'],
  ])('names %s when it is %j', (binding, value) => {
    expect(problemsOf({ [binding]: value })).toContain(binding);
  });

  it('reads SESSION_SIGNING_KEY as a rotation list, newest first', () => {
    const older = 'b2xkLWtleS1vbGQta2V5LW9sZC1rZXktb2xkLWtleS0x';
    const config = configOf({ ...base, SESSION_SIGNING_KEY: `  ${String(base.SESSION_SIGNING_KEY)}   ${older} ` });
    expect(config.sessionSigningKeys).toHaveLength(2);
    expect(config.sessionSigningKeys[1]).toEqual(new TextEncoder().encode('old-key-old-key-old-key-old-key-1'));
    expect(configOf({ ...base, DEVICE_BINDING: 'required' }).deviceBinding).toBe('required');
  });

  it('refuses private key material in a JWK Set', () => {
    const jwks = { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'secret', kid: 'k' }] };
    expect(problemsOf({ DEVICE_JWKS: JSON.stringify(jwks) })).toEqual(['DEVICE_JWKS']);
  });

  it('requires ORIGIN_URL and NOTIFY_URL in production, but not in development', () => {
    expect(problemsOf({ ENVIRONMENT: 'production', ORIGIN_URL: undefined, NOTIFY_URL: undefined })).toEqual(expect.arrayContaining(['ORIGIN_URL', 'NOTIFY_URL']));
    expect(problemsOf({ ENVIRONMENT: 'development', ORIGIN_URL: undefined, NOTIFY_URL: undefined })).toEqual([]);
  });

  it('requires NOTIFY_SIGNING_KEY whenever NOTIFY_URL is set', () => {
    expect(problemsOf({ NOTIFY_URL: 'https://notify.example/hook', NOTIFY_SIGNING_KEY: undefined })).toEqual(['NOTIFY_SIGNING_KEY']);
  });

  it('keeps a missing admin configuration apart from the gate', () => {
    const config = configOf({ ...base, ADMIN_JWKS: undefined });
    expect(config.adminTokens).toBeNull();
    expect(config.adminProblems.map((p) => p.binding)).toEqual(['ADMIN_JWKS']);
  });

  it('never puts a secret value into a problem message', () => {
    const result = parseConfig({ ...base, NETWORK_HASH_KEY: 'c2VjcmV0LXZhbHVl' });
    expect(result).toMatchObject({ ok: false });
    expect(JSON.stringify(result)).not.toContain('c2VjcmV0LXZhbHVl');
  });
});
