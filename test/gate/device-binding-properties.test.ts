/**
 * A property of device binding (contract §2.1), in workerd with fast-check:
 * someone without the device's private key — holding its stolen token,
 * proofs it sent before, their own key pair and tokens for its id (bound to
 * their key, or unbound) — gets no allow for that device, whatever they send,
 * wherever (decision endpoint, device API, playback; this isolate or another),
 * and in whatever order with the real device's own requests.
 */
import * as fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { anotherIsolate, callGate, newAccount, setRule } from '../support/gate';
import { boundDevice, deviceToken, GATE_ORIGIN, makeDeviceKeyPair, mintDeviceProof } from '../support/tokens';

const HOME_IP = '203.0.113.90';
const AWAY_IP = '198.51.100.90';
const PATHS = ['/gate/v1/decision', '/gate/v1/household/devices', '/seg-1.ts'] as const;

/** One request by the attacker: which token, how it is carried, which proof, where, and from which isolate. */
const attempt = fc.record({
  token: fc.constantFrom('stolen', 'own-bound', 'own-unbound'),
  scheme: fc.constantFrom('DPoP', 'Bearer'),
  proof: fc.constantFrom('none', 'replayed', 'own-key', 'own-key-other-url', 'replayed-other-path'),
  path: fc.constantFrom(...PATHS),
  ip: fc.constantFrom(HOME_IP, AWAY_IP),
  isolate: fc.boolean(),
  /** The real device starts a session before this attempt (its proof is then captured). */
  realDeviceFirst: fc.boolean(),
});

beforeAll(async () => {
  await setRule('PE', 'challenge');
});

describe('device binding under random attempts', () => {
  it('no sequence of requests by someone without the device key gets an allow for that bound device', async () => {
    let attempts = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(attempt, { minLength: 1, maxLength: 8 }), async (sequence) => {
        const account = newAccount('bound');
        const tv = await boundDevice({ account, device: 'tv', type: 'tv' });
        const other = await makeDeviceKeyPair();
        const ownBound = await deviceToken({ account, device: 'tv', type: 'tv', bindTo: other.publicJwk });
        const ownUnbound = await deviceToken({ account, device: 'tv', type: 'tv' });
        const captured: Array<{ path: string; proof: string }> = [];

        const real = async (path: (typeof PATHS)[number]) => {
          const headers = await tv.headers('GET', path);
          const response = await callGate({ path, ip: HOME_IP, country: 'PE', headers });
          captured.push({ path, proof: headers.DPoP! });
          return response;
        };
        // The real TV is seen bound before anyone else speaks for its id.
        expect((await real('/gate/v1/decision')).status).toBe(200);

        for (const step of sequence) {
          if (step.realDeviceFirst) await real('/gate/v1/decision');
          const token = step.token === 'stolen' ? tv.token : step.token === 'own-bound' ? ownBound : ownUnbound;
          const headers: Record<string, string> = { Authorization: `${step.scheme} ${token}` };
          const last = captured.at(-1)!;
          if (step.proof === 'replayed') headers.DPoP = captured.find((c) => c.path === step.path)?.proof ?? last.proof;
          if (step.proof === 'replayed-other-path') headers.DPoP = last.proof;
          if (step.proof === 'own-key' || step.proof === 'own-key-other-url') {
            const url = step.proof === 'own-key' ? `${GATE_ORIGIN}${step.path}` : `${GATE_ORIGIN}/gate/v1/decision`;
            headers.DPoP = await mintDeviceProof({ privateJwk: other.privateJwk, method: 'GET', url, token });
          }
          const response = await callGate({ path: step.path, ip: step.ip, country: 'PE', headers, ...(step.isolate ? { bindings: anotherIsolate() } : {}) });
          const text = await response.text();
          attempts += 1;
          const decision = response.headers.get('Hearth-Decision') ?? '';
          expect(response.status, `${JSON.stringify(step)} → ${response.status} ${decision}`).not.toBe(200);
          expect(decision.startsWith('allow')).toBe(false);
          expect(text.includes(token)).toBe(false);
        }
        // The real device still plays its part: its fresh proofs are accepted.
        expect((await real('/gate/v1/decision')).status).toBe(200);
      }),
      { numRuns: 40 },
    );
    expect(attempts).toBeGreaterThan(40);
  });
});
