/**
 * The help page offers the owner's two ways where they fit (contract §6,
 * issue 33), server side: "This is our second home" to a TV refused on a
 * network the household never held, "Away for a long time?" to any device
 * refused outside the household, with the configured numbers — and neither
 * at home, when nothing is refused, or when the configuration turns them
 * off. The flows themselves run in Chromium (test/node/long-stays-pages).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { callGate, newAccount, setRule, type GateRequest } from '../support/gate';
import { ownNetwork, type TestNetwork } from '../support/networks';
import { deviceToken } from '../support/tokens';

let account: string;
let home: TestNetwork;

async function helpHtml(device: string, type: string, ip: string, more: Pick<GateRequest, 'env' | 'headers'> = {}): Promise<string> {
  const token = await deviceToken({ account, device, type });
  await callGate({ token, ip, country: 'PE', ...more });
  return (await callGate({ path: '/gate/help', cookie: `hearth_device=${token}`, ip, country: 'PE', ...more })).text();
}

const offersIn = (html: string) => ({ secondHome: html.includes('data-action="second-home"'), away: html.includes('id="long-stay"') });

describe('the help page’s offers of a second home and away access', () => {
  beforeEach(async () => {
    await setRule('PE', 'challenge');
    account = newAccount('help-long-stays');
    home = ownNetwork();
    await callGate({ token: await deviceToken({ account, device: 'tv-flat', type: 'tv' }), ip: home.address(1), country: 'PE' });
  });

  it('offers a TV refused on a new network both ways, and a phone away access only, with AWAY_ACCESS_MAX in days', async () => {
    const tv = await helpHtml('tv-house', 'tv', ownNetwork().address(1), { env: { AWAY_ACCESS_MAX: 'P30D' } });
    expect(tv).toContain('data-reason="OUTSIDE_HOUSEHOLD"');
    expect(offersIn(tv)).toEqual({ secondHome: true, away: true });
    expect(tv).toContain('<p id="second-home-text" class="long-stay-note">At your household’s other home?');
    expect(tv).toContain('max="30"');
    expect(tv).toContain('Days away (1 to 30)');
    expect(tv).toContain('for up to 30 days, for a posting, a term of study or a long stay');
    expect(tv).toContain('(up to 2 per account in 365 days)');

    const phone = await helpHtml('phone', 'mobile', ownNetwork().address(1), { headers: { 'Accept-Language': 'es' } });
    expect(offersIn(phone)).toEqual({ secondHome: false, away: true });
    expect(phone).toContain('¿Fuera por mucho tiempo (un destino, un semestre)?');
    expect(phone).toContain('Días fuera (de 1 a 180)');
  });

  it('offers neither at home, when monitor lets the device play, or when SECOND_HOMES and AWAY_ACCESS_PER_YEAR are 0', async () => {
    expect(offersIn(await helpHtml('tv-flat', 'tv', home.address(1)))).toEqual({ secondHome: false, away: false });
    expect(offersIn(await helpHtml('tv-house', 'tv', ownNetwork().address(1), { env: { SECOND_HOMES: '0', AWAY_ACCESS_PER_YEAR: '0' } }))).toEqual({
      secondHome: false,
      away: false,
    });
    await setRule('PE', 'monitor');
    expect(offersIn(await helpHtml('tv-cabin', 'tv', ownNetwork().address(1)))).toEqual({ secondHome: false, away: false });
  });
});
