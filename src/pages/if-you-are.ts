/**
 * The help page's short answers for the people a household rule is most
 * likely to forget (docs/fairness.md, "If you are…"): travelling, studying
 * away, posted abroad, with two homes, behind a shared network. The numbers
 * come from the gate's configuration, so the page never promises more days
 * than the rule gives. `npm run personas` writes the same words, with the
 * default numbers, into docs/fairness.md.
 *
 * English only for now: other languages show these answers in English
 * (marked `lang="en"`) until they are translated.
 */
import { html } from 'hono/html';
import type { GateConfig } from '../config/config';
import { MS_PER_DAY } from '../time';
import { uiText } from './ui-text';

/** The numbers the answers quote. */
export interface AccessNumbers {
  trustDays: number;
  temporaryDays: number;
  grantsPerWindow: number;
  travelWindowDays: number;
}

/** The longest support grant (the admin API's `days`, docs/api.md). */
export const LONGEST_GRANT_DAYS = 180;

export function accessNumbers(config: Pick<GateConfig, 'trustWindowMs' | 'temporaryAccessMs' | 'travelGrantsPerWindow' | 'travelWindowMs'>): AccessNumbers {
  const days = (ms: number) => Math.round((ms / MS_PER_DAY) * 10) / 10;
  return { trustDays: days(config.trustWindowMs), temporaryDays: days(config.temporaryAccessMs), grantsPerWindow: config.travelGrantsPerWindow, travelWindowDays: days(config.travelWindowMs) };
}

export interface IfYouAre {
  id: string;
  title: string;
  answer: string;
}

const times = (n: number) => (n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`);

export function ifYouAreAnswers(n: AccessNumbers): IfYouAre[] {
  const code = `a code sent to the account owner gives this device ${n.temporaryDays} days, ${times(n.grantsPerWindow)} every ${n.travelWindowDays} days`;
  return [
    {
      id: 'travelling',
      title: 'If you are travelling',
      answer: `Devices that played at home in the last ${n.trustDays} days keep working wherever you are. On a device that never did — a hotel TV — choose “${uiText('en').sendCode}”: ${code}.`,
    },
    {
      id: 'studying-away',
      title: 'If you are studying away',
      answer: `Your laptop and phone keep working for ${n.trustDays} days after they last played at home, and every visit home starts those days again. After that, ${code}. For a whole term, contact us: support can give a device access for up to ${LONGEST_GRANT_DAYS} days.`,
    },
    {
      id: 'posted-abroad',
      title: 'If you are posted abroad',
      answer: `A device that goes with you keeps working for ${n.trustDays} days after it last played at home; after that, ${code}. For a posting, contact us: support can give a device access for up to ${LONGEST_GRANT_DAYS} days at a time.`,
    },
    {
      id: 'two-homes',
      title: 'If you have two homes',
      answer: `Your household’s home is the network of its TV. A TV in your other home is outside the household: once its codes are used up, ask the account owner for an extra member. Phones and tablets that go between both homes keep working while they play at the first home at least every ${n.trustDays} days.`,
    },
    {
      id: 'shared-network-home',
      title: 'If you are behind a shared network',
      answer: `Where many homes share one internet address — some providers, mobile networks, student halls — a device counts as home only on the same connection as your household’s TV. Play something on it once on the same Wi-Fi as the TV, soon after the TV has played: from then on it works away from home too, for ${n.trustDays} days after each time. A device never on that Wi-Fi (mobile data only, or a hall that gives each device its own address) needs a code, then an extra member.`,
    },
  ];
}

/** The help page's section: one short answer each. */
export function ifYouAreSection(n: AccessNumbers) {
  return html`
<section class="card" id="if-you-are" aria-labelledby="if-you-are-title" lang="en">
  <h2 id="if-you-are-title">If you are…</h2>
  ${ifYouAreAnswers(n).map((item) => html`<h3 id="${item.id}">${item.title}</h3><p>${item.answer}</p>`)}
</section>`;
}
