/**
 * The help page's offers of the owner's two ways (contract §6, docs/api.md
 * "Two homes and long stays away"), where they fit the decision the device
 * got:
 *
 * - **This is our second home**: a TV refused on a network the household has
 *   never held (OUTSIDE_HOUSEHOLD or TRAVEL_LIMIT_REACHED, not on one of its
 *   shared home networks) asks a `second-home` code, then sets the second
 *   home with it (client/help-long-stays.ts);
 * - **Away for a long time**: any device refused outside the household asks
 *   an `away-access` code for a number of days, 1 to AWAY_ACCESS_MAX, then
 *   takes the access with it.
 *
 * Neither is offered when the configuration turns it off (SECOND_HOMES=0,
 * AWAY_ACCESS_PER_YEAR=0). The limits themselves (a second home changed in
 * the last 90 days, away access used up for the year) are the gate's to
 * answer when the code is asked; the page shows that answer's message.
 */
import { html } from 'hono/html';
import type { GateConfig } from '../config/config';
import type { Reason } from '../messages/catalog';
import { MS_PER_DAY } from '../time';
import type { UiTextKey } from './ui-text';

/** What the decision says of the device, as far as the offers care. */
export interface Refusal {
  reason: Reason;
  allowed: boolean;
  isTv: boolean;
  /** Stopped on one of the household's shared home networks: a network it holds already. */
  onSharedHomeNetwork: boolean;
}

export interface LongStayOffers {
  secondHome: boolean;
  away: boolean;
  /** AWAY_ACCESS_MAX in whole days. */
  awayDaysMax: number;
  awayPerYear: number;
}

const REFUSED_OUTSIDE = new Set<Reason>(['OUTSIDE_HOUSEHOLD', 'TRAVEL_LIMIT_REACHED']);

export function longStayOffers(refusal: Refusal, config: Pick<GateConfig, 'secondHomes' | 'awayAccessMaxMs' | 'awayAccessPerYear'>): LongStayOffers {
  const outside = !refusal.allowed && REFUSED_OUTSIDE.has(refusal.reason);
  const awayDaysMax = Math.floor(config.awayAccessMaxMs / MS_PER_DAY);
  return {
    secondHome: outside && refusal.isTv && !refusal.onSharedHomeNetwork && config.secondHomes > 0,
    away: outside && config.awayAccessPerYear > 0 && awayDaysMax >= 1,
    awayDaysMax,
    awayPerYear: config.awayAccessPerYear,
  };
}

/** `{max}`-style numbers put into a page text on the server. */
function withNumbers(template: string, values: Record<string, number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}

/** The second-home button, for the decision card's actions (described by `secondHomeNote`). */
export function secondHomeButton(offers: LongStayOffers, ui: Record<UiTextKey, string>) {
  return offers.secondHome ? html`<button type="button" data-action="second-home" aria-describedby="second-home-text">${ui.secondHome}</button>` : '';
}

/** What making this network a second home does, under the decision card's actions. */
export function secondHomeNote(offers: LongStayOffers, ui: Record<UiTextKey, string>) {
  return offers.secondHome ? html`<p id="second-home-text" class="long-stay-note">${ui.secondHomeText}</p>` : '';
}

/** A link from the decision card's actions to the away-access card. */
export function awayLink(offers: LongStayOffers, ui: Record<UiTextKey, string>) {
  return offers.away ? html`<a class="button" href="#long-stay">${ui.awayTitle}</a>` : '';
}

/**
 * The away-access card, folded to its question (the page stays short on a
 * phone) until it or the decision card's link opens it: what it gives and for
 * how long, the days, and the button that asks the owner's code.
 */
export function awaySection(offers: LongStayOffers, ui: Record<UiTextKey, string>) {
  if (!offers.away) return '';
  const numbers = { max: offers.awayDaysMax, perYear: offers.awayPerYear };
  return html`
<details class="card long-stay" id="long-stay">
  <summary><h2 id="away-title">${ui.awayTitle}</h2></summary>
  <p id="away-text">${withNumbers(ui.awayText, numbers)}</p>
  <form id="away-form" class="long-stay-form">
    <label for="away-days">${withNumbers(ui.awayDays, numbers)}</label>
    <input id="away-days" name="days" type="number" inputmode="numeric" min="1" max="${offers.awayDaysMax}" step="1" value="${Math.min(90, offers.awayDaysMax)}" required>
    <button type="submit" class="primary" aria-describedby="away-text">${ui.awayAsk}</button>
  </form>
  <p id="away-status" class="status" role="status" aria-live="polite"></p>
</details>`;
}
