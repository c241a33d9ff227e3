/**
 * `GET /gate/status` (contract §8): the public status page of one region —
 * `?region=PE`, else the request's own (in development the
 * `Hearth-Sim-Country` header), else `*` — in the request's language
 * (`Accept-Language`, or `?lang=` over it): what the household check does
 * there now in plain words, for what share of accounts and since when; every
 * stricter step ahead with its date ("not before" for a guarded stage); the
 * last changes with whether they came with notice; the ways back in with the
 * gate's own limits; and every other region with a rule, linked.
 *
 * Made from `statusOf` — the answer of `GET /gate/v1/status`, itself made
 * from the rollout snapshot the gate decides with — so the page says only
 * what the gate does. No script, no account data; readable at 390 px and
 * printable (hearth.css, "The status page").
 */
import { html } from 'hono/html';
import { statusQuery } from '../api/schemas';
import type { GateConfig } from '../config/config';
import { requestRegion } from '../edge/region';
import type { AppContext } from '../http/context';
import { validate } from '../http/json-body';
import { LANGUAGE_TAGS, negotiateLocale, type Locale } from '../messages/catalog';
import { FALLBACK_REGION } from '../policy/rollout';
import { treats } from '../policy/notice';
import { refusalProblem } from '../routes/refusal';
import { statusOf, type Status } from '../routes/status';
import { LONGEST_GRANT_DAYS } from './if-you-are';
import { page, pageHeaders } from './layout';
import { dateIn, durationIn, fill, modeSentence, modeShort, percentIn, placeName, shareIn, statusText, timesIn } from './status-text';
import { MS_PER_DAY } from '../time';

type RegionStatus = Status['regions'][string];
type Words = ReturnType<typeof statusText>;

const time = (iso: string, locale: Locale) => html`<time datetime="${iso}">${dateIn(iso, locale)}</time>`;

/** `template` with its `{date}` as a `<time>` of `iso`, its other marks filled. */
function dated(template: string, iso: string, locale: Locale, values: Record<string, string | number> = {}) {
  const [before, after = ''] = fill(template, values).split('{date}');
  return html`${before}${time(iso, locale)}${after}`;
}

/** "codes offered, 50 % of accounts": what a step or a change does, its share where the mode has one. */
function what(step: { mode: RegionStatus['mode']; percent: number }, locale: Locale): string {
  return treats(step.mode) ? `${modeShort(step.mode, locale)}, ${shareIn(step.percent, locale)}` : modeShort(step.mode, locale);
}

function nowSection(outlook: RegionStatus, locale: Locale, words: Words, follows: string | null) {
  const share = treats(outlook.mode) ? (outlook.percent >= 100 ? words.everyAccount : fill(words.someAccounts, { percent: percentIn(outlook.percent, locale) })) : null;
  return html`
<section class="card status-now" id="now" aria-labelledby="now-title" data-mode="${outlook.mode}" data-percent="${outlook.percent}">
  <h2 id="now-title">${words.nowTitle}</h2>
  ${follows ? html`<p class="status-follows">${follows}</p>` : ''}
  <p class="message">${modeSentence(outlook.mode, locale)}</p>
  ${share ? html`<p>${share}</p>` : ''}
  ${outlook.since ? html`<p class="status-since">${dated(words.since, outlook.since, locale)}</p>` : ''}
</section>`;
}

function aheadSection(outlook: RegionStatus, locale: Locale, words: Words, noticePeriodMs: number) {
  const steps = outlook.upcoming.map((step) => {
    return html`<li data-mode="${step.mode}" data-percent="${step.percent}" data-at="${step.at}" ${step.notBefore ? html`data-not-before="true"` : ''}>
    <strong>${dated(step.notBefore ? words.notBefore : words.from, step.at, locale)}</strong>: ${what(step, locale)}.${step.notBefore ? html` <span class="muted">(${words.notBeforeWhy})</span>` : ''}
  </li>`;
  });
  return html`
<section class="card" id="ahead" aria-labelledby="ahead-title">
  <h2 id="ahead-title">${words.aheadTitle}</h2>
  ${steps.length > 0 ? html`<ol class="status-steps">${steps}</ol>` : html`<p>${words.aheadNone}</p>`}
  <p class="muted">${noticePeriodMs > 0 ? fill(words.noticePolicy, { period: durationIn(noticePeriodMs, locale) }) : words.noticeNone}</p>
</section>`;
}

function changesSection(outlook: RegionStatus, locale: Locale, words: Words, noticePeriodMs: number) {
  // How far ahead a change was announced: its own record (announcedAt), else — changes recorded before it was kept — today's NOTICE_PERIOD.
  const given = (change: RegionStatus['changes'][number]) => {
    const aheadMs = change.announcedAt ? Date.parse(change.at) - Date.parse(change.announcedAt) : noticePeriodMs;
    return aheadMs > 0 ? fill(words.given, { period: durationIn(aheadMs, locale) }) : words.givenAhead;
  };
  const notice = (change: RegionStatus['changes'][number]) => (change.notice === 'given' ? given(change) : change.notice === 'skipped' ? words.skipped : words.notNeeded);
  return html`
<section class="card" id="changes" aria-labelledby="changes-title">
  <h2 id="changes-title">${words.changesTitle}</h2>
  ${
    outlook.changes.length > 0
      ? html`<ul class="status-changes">${outlook.changes.map(
          (change) =>
            html`<li data-notice="${change.notice}" data-mode="${change.mode}" data-percent="${change.percent}">${time(change.at, locale)}: ${what(change, locale)} — <em>${notice(change)}</em></li>`,
        )}</ul>`
      : html`<p>${words.changesNone}</p>`
  }
</section>`;
}

/** The ways back in, with this gate's own numbers: a page that promised more than the rule gives would be worse than none. */
function waysSection(config: GateConfig, locale: Locale, words: Words) {
  const days = (n: number) => durationIn(n * MS_PER_DAY, locale);
  const ways = [
    fill(words.trusted, { trust: durationIn(config.trustWindowMs, locale) }),
    fill(words.travel, { duration: durationIn(config.temporaryAccessMs, locale), times: timesIn(config.travelGrantsPerWindow, locale), window: durationIn(config.travelWindowMs, locale) }),
    ...(config.extraMemberSlots > 0 ? [fill(words.extra, { slots: config.extraMemberSlots })] : []),
    ...(config.secondHomes > 0 ? [fill(words.secondHome, { homes: config.secondHomes })] : []),
    ...(config.awayAccessPerYear > 0 ? [fill(words.away, { duration: durationIn(config.awayAccessMaxMs, locale), perYear: config.awayAccessPerYear })] : []),
    fill(words.support, { duration: days(LONGEST_GRANT_DAYS) }),
  ];
  return html`
<section class="card" id="ways" aria-labelledby="ways-title">
  <h2 id="ways-title">${words.waysTitle}</h2>
  <ul class="status-ways">${ways.map((way) => html`<li>${way}</li>`)}</ul>
  ${
    config.supportUrl
      ? html`<p class="status-support"><a class="button" id="support-link" href="${config.supportUrl}" rel="noopener noreferrer">${words.contact}</a></p>`
      : html`<p class="status-support">${words.supportNoUrl}</p>`
  }
</section>`;
}

/** Every region with a rule, and `*`, each linked (in the page's language when it was asked for). */
function regionsNav(status: Status, region: string, locale: Locale, words: Words, lang: string | undefined) {
  const href = (r: string) => `/gate/status?${new URLSearchParams({ region: r, ...(lang ? { lang } : {}) })}`;
  const regions = Object.keys(status.regions).map((r) => ({ r, name: r === FALLBACK_REGION ? words.otherCountriesList : placeName(r, locale) }));
  const sorted = regions.toSorted((a, b) => (a.r === FALLBACK_REGION ? 1 : b.r === FALLBACK_REGION ? -1 : a.name.localeCompare(b.name, LANGUAGE_TAGS[locale])));
  return html`
<nav class="card status-regions" aria-labelledby="regions-title">
  <h2 id="regions-title">${words.regionsTitle}</h2>
  <ul>${sorted.map(({ r, name }) => html`<li><a href="${href(r)}" hreflang="${LANGUAGE_TAGS[locale]}" ${r === region ? html`aria-current="page"` : ''}>${name}</a></li>`)}</ul>
</nav>`;
}

export async function statusPage(c: AppContext): Promise<Response> {
  const query = validate(statusQuery, c.req.query());
  if (!query.ok) return refusalProblem(c, query.error);
  const gate = c.get('gate');
  const locale = query.value.lang ? negotiateLocale(query.value.lang) : c.get('locale');
  const words = statusText(locale);
  const region = query.value.region ?? requestRegion(c.req.raw, gate.config.environment) ?? FALLBACK_REGION;
  const now = Date.now();
  // The snapshot the gate decides with, read once: the list and the region come from the same rules.
  const rollout = await gate.rollouts.current(now);
  const status = statusOf(rollout, now);
  const outlook = status.regions[region] ?? statusOf(rollout, now, region).regions[region]!;
  const entry = Object.hasOwn(rollout.regions, region) ? rollout.regions[region] : undefined;
  const follows = region !== FALLBACK_REGION && (!entry || entry.follows) ? fill(words.follows, { country: placeName(region, locale) }) : null;
  const place = placeName(region, locale);
  const title = fill(words.title, { place });
  const body = html`
<h1>${title}</h1>
<p class="status-intro">${words.intro}</p>
${nowSection(outlook, locale, words, follows)}
${aheadSection(outlook, locale, words, gate.config.noticePeriodMs)}
${changesSection(outlook, locale, words, gate.config.noticePeriodMs)}
${waysSection(gate.config, locale, words)}
${regionsNav(status, region, locale, words, query.value.lang)}
<p class="muted status-made">${dated(words.made, status.generatedAt, locale, { version: status.policyVersion })}</p>`;
  const rendered = await page({ title, locale: LANGUAGE_TAGS[locale], body });
  return new Response(rendered.toString(), { status: 200, headers: { ...pageHeaders(c.req.url), 'Content-Language': LANGUAGE_TAGS[locale] } });
}
