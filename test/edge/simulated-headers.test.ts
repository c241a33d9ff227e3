/**
 * The development headers that simulate a viewer (issue 36, item 9): a typo
 * in `Hearth-Sim-Country` or the address headers is `400 INVALID_REQUEST`
 * naming the header, in development — where it used to be dropped, so the
 * request played as another region from "away". Production ignores
 * `Hearth-Sim-Country` as before.
 */
import { describe, expect, it } from 'vitest';
import { callGate, newAccount, setRule } from '../support/gate';
import { production } from '../support/production';
import { deviceToken } from '../support/tokens';

type Json = Record<string, any>;
const HOME_IP = '203.0.113.71';

async function decision(headers: Record<string, string>, ip: string | null = HOME_IP) {
  const token = await deviceToken({ account: newAccount('sim'), device: 'tv', type: 'tv' });
  const response = await callGate({ token, ip, headers });
  return { status: response.status, body: (await response.json()) as Json, text: '' };
}

describe('development headers that simulate a viewer', () => {
  it.each(['Peru', 'ZZZ', 'P', '12', 'pe-PE'])('Hearth-Sim-Country: %s is 400 INVALID_REQUEST naming the header', async (value) => {
    const answer = await decision({ 'Hearth-Sim-Country': value });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ reason: 'INVALID_REQUEST', field: 'Hearth-Sim-Country' });
    expect(answer.body.detail).toContain('two-letter');
  });

  it.each(['999.1.1.1', 'banana', '203.0.113.9/24', 'fe80::1%eth0', ''])('CF-Connecting-IP: %j is 400 INVALID_REQUEST naming the header, without repeating it', async (value) => {
    const answer = await decision({}, value);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ reason: 'INVALID_REQUEST', field: 'CF-Connecting-IP' });
    expect(value === '' || !JSON.stringify(answer.body).includes(value)).toBe(true);
  });

  it('a CF-Connecting-IPv6 that is not an address is named too', async () => {
    const answer = await decision({ 'CF-Connecting-IPv6': 'banana' });
    expect(answer.body).toMatchObject({ reason: 'INVALID_REQUEST', field: 'CF-Connecting-IPv6' });
  });

  it('a lower-case region is the region (pe is PE), and a valid address plays', async () => {
    await setRule('CR', 'enforce');
    const answer = await decision({ 'Hearth-Sim-Country': 'cr' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ decision: 'allow', region: 'CR' });
  });

  it('no simulated header at all is no problem', async () => {
    const answer = await decision({}, null);
    expect(answer.status).not.toBe(400);
  });

  it('production ignores Hearth-Sim-Country, whatever it says', async () => {
    const { bindings, deviceToken: productionToken } = await production();
    const answer = await callGate({ token: await productionToken({ account: newAccount('sim'), device: 'p' }), env: bindings, headers: { 'Hearth-Sim-Country': 'Peru' } });
    expect(answer.status).toBe(200);
  });
});
