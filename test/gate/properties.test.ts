/**
 * Properties of the whole Worker under random input (fast-check, in workerd):
 * random tokens, headers, addresses, paths, methods and bodies. Whatever
 * arrives: never a 500, never an allow without a valid token, and never a
 * raw address or a token in any response or log line.
 *
 * The run counts what it tried; SECURITY.md quotes it.
 */
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { callGate, newAccount, setRule } from '../support/gate';
import { deviceToken } from '../support/tokens';
import { simulatedHeaderProblem } from '../../src/development/simulated-headers';

const RUNS = 2000;
const tally = { cases: 0, status500: 0, allowsWithoutToken: 0, leaks: 0 };
const logs: string[] = [];

beforeAll(async () => {
  await setRule('PE', 'enforce');
  await setRule('*', 'challenge');
  const record = (...args: unknown[]) => void logs.push(args.map(String).join(' '));
  vi.spyOn(console, 'log').mockImplementation(record);
  vi.spyOn(console, 'error').mockImplementation(record);
  vi.spyOn(console, 'warn').mockImplementation(record);
});

afterAll(async () => {
  vi.restoreAllMocks();
  await setRule('PE', 'monitor');
  await setRule('*', 'monitor');
  console.info(`property run: ${JSON.stringify(tally)}`);
});

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((parts) => parts.join('.'));
const ipv6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((groups) => groups.map((g) => g.toString(16)).join(':'));
const oddText = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('__proto__', 'constructor', 'toString', '../../etc', '%00', '\u0000', 'Bearer', ' ', ''));
const address = fc.oneof(ipv4, ipv6, fc.constantFrom('240.0.0.1', '::ffff:203.0.113.9', '999.1.1.1', 'fe80::1%eth0', '203.0.113.9/24', 'localhost'), oddText);
const path = fc.oneof(
  fc.constantFrom(
    '/gate/v1/decision',
    '/gate/v1/challenges',
    '/gate/v1/household/devices',
    '/gate/v1/household/primary-location',
    '/gate/v1/challenges/00000000-0000-4000-8000-000000000000/verify',
    '/gate/help',
    '/gate',
    '/admin/v1/rollout',
    '/admin/v1/accounts/__proto__',
    '/healthz',
    '/openapi.json',
    '/demo',
    '/titles/1/seg-1.ts',
  ),
  fc.webPath().filter((p) => p.startsWith('/')),
);
const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS');
const headerName = fc.constantFrom('Hearth-Account', 'Hearth_Device', 'Cookie', 'Origin', 'Sec-Fetch-Site', 'Accept-Language', 'Content-Type', 'Connection', 'X-Anything', 'Hearth-Sim-Country');
const headerValue = fc.string({ maxLength: 60 }).map((value) => value.replace(/[\r\n\0]/g, ''));
const body = fc.option(fc.oneof(fc.json(), fc.string({ maxLength: 200 }), fc.constant('{"code":"123456"}'), fc.constant('x'.repeat(20_000))), { nil: undefined });

/** A token that is not valid: garbage, truncated, re-signed claims, wrong alg, or none at all. */
const invalidToken = fc.oneof(
  fc.constant(undefined),
  oddText,
  fc.base64String({ maxLength: 120 }).map((s) => `${s}.${s}.${s}`),
  fc.constant('eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4IiwiZGlkIjoieSIsImR0eSI6InR2In0.'),
);

function leaks(text: string, secrets: string[]): boolean {
  return secrets.some((secret) => secret.length >= 7 && text.includes(secret));
}

describe('the whole Worker under random input', () => {
  it('never answers 500, never allows without a valid token, never echoes an address or a token', async () => {
    const account = newAccount('prop');
    const valid = await deviceToken({ account, device: 'prop-tv', type: 'tv' });
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          path,
          method,
          address,
          ipv6: fc.option(address, { nil: undefined }),
          token: fc.oneof(invalidToken, fc.constant(valid)),
          viaCookie: fc.boolean(),
          headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 4 }),
          body,
          country: fc.constantFrom('PE', 'CL', 'CR', 'CA', 'XX', undefined),
        }),
        async (input) => {
          tally.cases += 1;
          logs.length = 0;
          const headers: Record<string, string> = {};
          for (const [name, value] of input.headers) headers[name] = value;
          const hasBody = input.body !== undefined && input.method !== 'GET' && input.method !== 'HEAD';
          let response: Response;
          try {
            response = await callGate({
              path: input.path,
              method: input.method,
              ip: input.address,
              ...(input.ipv6 !== undefined ? { ipv6: input.ipv6 } : {}),
              ...(input.token !== undefined && !input.viaCookie ? { token: input.token } : {}),
              ...(input.token !== undefined && input.viaCookie ? { cookie: `hearth_device=${input.token}` } : {}),
              headers,
              ...(hasBody ? { body: input.body } : {}),
              ...(input.country ? { country: input.country } : {}),
            });
          } catch (error) {
            // Headers that the Fetch API itself refuses never reach a Worker; nothing to check.
            if (error instanceof TypeError) return;
            throw error;
          }
          const text = await response.text();
          // Development (as this suite runs) refuses a simulated region or address it cannot read, naming the header.
          const simulated = simulatedHeaderProblem(new Headers({ 'CF-Connecting-IP': input.address, ...(input.ipv6 ? { 'CF-Connecting-IPv6': input.ipv6 } : {}), ...headers }));
          const answeredFor = simulated !== null && response.status === 400 && input.method !== 'HEAD' ? JSON.parse(text) : null;
          expect(answeredFor === null || (answeredFor.reason === 'INVALID_REQUEST' && answeredFor.field === simulated?.header), `400 names ${simulated?.header}: ${text.slice(0, 200)}`).toBe(true);
          // (A preflight is CORS's to answer, before anything reads the headers.)
          const playedAnyway = simulated !== null && input.method !== 'OPTIONS' && response.status < 400;
          expect(playedAnyway, `${input.method} ${input.path} with ${simulated?.header} unreadable → ${text.slice(0, 200)}`).toBe(false);
          if (response.status >= 500 && response.status !== 502 && response.status !== 503 && response.status !== 504) tally.status500 += 1;
          expect(response.status, `${input.method} ${input.path} → ${text.slice(0, 200)}`).not.toBe(500);

          const allowed = response.headers.get('Hearth-Decision')?.startsWith('allow') ?? false;
          if (allowed && input.token !== valid) tally.allowsWithoutToken += 1;
          expect(allowed && input.token !== valid, `${input.method} ${input.path} allowed without a valid token`).toBe(false);

          const secrets = [input.token ?? '', valid, input.address, input.ipv6 ?? ''].filter((s) => s.length >= 7);
          // An allowed playback answer carries the origin's own body (the test origin echoes what it received): Hearth's words are its logs.
          const fromOrigin = response.headers.get('X-Origin') === 'echo';
          const exposed = (!fromOrigin && leaks(text, secrets)) || logs.some((line) => leaks(line, secrets));
          // The development origin echoes the request path; a path may contain anything the client chose.
          const echoed = input.path.length >= 7 && secrets.some((s) => input.path.includes(s));
          if (exposed && !echoed) tally.leaks += 1;
          expect(exposed && !echoed, `${input.method} ${input.path} exposed an address or a token`).toBe(false);
        },
      ),
      { numRuns: RUNS, seed: 20261121 },
    );
    expect(tally).toMatchObject({ status500: 0, allowsWithoutToken: 0, leaks: 0 });
  }, 120_000);
});
