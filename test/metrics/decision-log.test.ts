/**
 * The decision log (docs/api.md, DECISION_LOG_SAMPLE): every refusal of a
 * known token and STATE_UNAVAILABLE is logged; allowed decisions are sampled;
 * token failures (contract §9) are sampled too, at most a few per client
 * network and minute, each line carrying its weight; no line holds an
 * address or a token.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callGate, newAccount, setRule, unreadableHouseholds } from '../support/gate';
import { deviceToken } from '../support/tokens';
import { runningVersion } from '../../src/version';

const HOME_IP = '203.0.113.77';
const AWAY_IP = '198.51.100.77';

function captureLog(): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    if (parsed.event === 'decision') lines.push(parsed);
  });
  return lines;
}

afterEach(() => vi.restoreAllMocks());

describe('decision log', () => {
  it('logs every refusal of a known token, even at a sample of 0, and token failures only as a sample, with no address and no token', async () => {
    await setRule('PE', 'enforce');
    const account = newAccount();
    const tv = await deviceToken({ account, device: 'tv', type: 'tv' });
    const phone = await deviceToken({ account, device: 'phone' });
    const lines = captureLog();
    for (const env of [{ DECISION_LOG_SAMPLE: '0' }, { DECISION_LOG_SAMPLE: '1' }]) {
      for (let i = 0; i < 20; i++) await callGate({ path: '/seg.ts', token: tv, ip: HOME_IP, country: 'PE', env: { DECISION_LOG_SAMPLE: '0' } });
      expect(lines).toHaveLength(0);
      const refused = await callGate({ path: '/seg.ts', token: phone, ip: AWAY_IP, country: 'PE', env });
      await callGate({ path: '/seg.ts', token: `${phone.slice(0, -4)}AAAA`, ip: AWAY_IP, country: 'PE', env });
      await callGate({ token: 'garbage', ip: AWAY_IP, country: 'PE', env });
      const logged = env.DECISION_LOG_SAMPLE === '1' ? 2 : 0;
      const failures = [
        expect.objectContaining({ decision: 'deny', reason: 'TOKEN_INVALID', route: 'segment', mode: null, weight: 1 }),
        expect.objectContaining({ decision: 'deny', reason: 'TOKEN_INVALID', route: 'session', mode: null, weight: 1 }),
      ].slice(0, logged);
      expect(lines).toEqual([
        {
          event: 'decision',
          requestId: refused.headers.get('Hearth-Request-Id'),
          region: 'PE',
          mode: 'enforce',
          decision: 'challenge',
          wouldDecision: null,
          reason: 'OUTSIDE_HOUSEHOLD',
          policyVersion: expect.any(Number),
          deviceType: 'mobile',
          route: 'segment',
          version: runningVersion(),
        },
        ...failures,
      ]);
      const text = JSON.stringify(lines);
      for (const secret of [HOME_IP, AWAY_IP, '203.0.113', '198.51.100', account, phone.slice(0, 30), tv.slice(0, 30)]) expect(text).not.toContain(secret);
      lines.length = 0;
    }
  });

  it('logs a thousand bad tokens from one network as at most 3 lines a minute, whose weights count them', async () => {
    const lines = captureLog();
    const env = { DECISION_LOG_SAMPLE: '1' };
    const started = Date.now();
    for (let i = 0; i < 1000; i++) await callGate({ path: `/flood-${i}.ts`, token: `garbage-${i}`, ip: '192.0.2.77', country: 'PE', env });
    const minutes = Math.floor(Date.now() / 60_000) - Math.floor(started / 60_000) + 1;
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.length).toBeLessThanOrEqual(3 * minutes);
    expect(lines.every((line) => line.reason === 'TOKEN_INVALID' && typeof line.weight === 'number')).toBe(true);
  }, 90_000);

  it('logs STATE_UNAVAILABLE even when the rule lets it through', async () => {
    await setRule('PE', 'enforce', { failOpen: true });
    const lines = captureLog();
    const token = await deviceToken({ account: newAccount(), device: 'p' });
    const response = await callGate({ path: '/seg.ts', token, country: 'PE', env: { ...unreadableHouseholds(), DECISION_LOG_SAMPLE: '0' } });
    expect(response.headers.get('Hearth-Decision')).toBe('allow; reason=STATE_UNAVAILABLE');
    expect(lines).toEqual([expect.objectContaining({ decision: 'allow', reason: 'STATE_UNAVAILABLE' })]);
  });

  it('samples allowed decisions at DECISION_LOG_SAMPLE (within binomial bounds) and says so on each line', async () => {
    await setRule('PE', 'monitor');
    const env = { DECISION_LOG_SAMPLE: '0.3' };
    const tv = await deviceToken({ account: newAccount(), device: 'tv', type: 'tv' });
    const lines = captureLog();
    const n = 1000;
    for (let i = 0; i < n; i++) await callGate({ path: `/seg-${i}.ts`, token: tv, ip: HOME_IP, country: 'PE', env });
    // Mean 300, standard deviation √(1000 · 0.3 · 0.7) ≈ 14.5: ±5σ fails by chance about once in 3.5 million runs.
    const sd = Math.sqrt(n * 0.3 * 0.7);
    expect(lines.length).toBeGreaterThan(n * 0.3 - 5 * sd);
    expect(lines.length).toBeLessThan(n * 0.3 + 5 * sd);
    expect(lines.every((line) => line.sample === 0.3 && line.decision === 'allow')).toBe(true);
    // A thousand requests: seconds on a quiet machine, more on a loaded one (a timeout would leave the loop running into the next test).
  }, 90_000);

  it('samples 1% of allowed decisions by default', async () => {
    await setRule('PE', 'monitor');
    const tv = await deviceToken({ account: newAccount(), device: 'tv', type: 'tv' });
    const lines = captureLog();
    for (let i = 0; i < 300; i++) await callGate({ path: `/seg-${i}.ts`, token: tv, ip: HOME_IP, country: 'PE' });
    // Mean 3, P(more than 15) < 1e-6.
    expect(lines.length).toBeLessThanOrEqual(15);
    expect(lines.every((line) => line.sample === 0.01)).toBe(true);
  });
});
