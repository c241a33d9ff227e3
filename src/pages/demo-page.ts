/**
 * `GET /demo` — development only (mounted by development/app.ts): a player that plays
 * the demo stream through the gate, with the simulated device, network and
 * region chosen on the page and each request's `Hearth-Decision` shown live.
 * Its script (client/demo.ts) is built on the player SDK (packages/player):
 * the device's key is made in the browser and the token bound to it.
 *
 * The page speaks the viewer's language (`Accept-Language`, as the help
 * page), shows a refusal's title in words with its reason code beside it,
 * and offers "Try a refusal": a development rule that makes the chosen
 * region challenge devices outside the household (every region starts in
 * `monitor`, which refuses nothing). The stream is shown at the size it was
 * made (426×240), never stretched.
 */
import { html } from 'hono/html';
import type { AppContext } from '../http/context';
import { demoText, type DemoTextKey } from './demo-text';
import { LANGUAGE_TAGS } from '../messages/catalog';
import { page, pageHeaders } from './layout';
import { uiText } from './ui-text';

export const DEMO_DEVICES = [
  { device: 'tv-living-room', type: 'tv', label: 'tvLivingRoom' },
  { device: 'phone-ana', type: 'mobile', label: 'phoneAna' },
  { device: 'laptop-sofia', type: 'web', label: 'laptopSofia' },
  { device: 'phone-cousin', type: 'mobile', label: 'phoneCousin' },
] as const satisfies ReadonlyArray<{ label: DemoTextKey; [more: string]: string }>;

export const DEMO_NETWORKS = [
  { address: '203.0.113.10', label: 'homeWifi', range: '203.0.113.0/24' },
  { address: '198.51.100.20', label: 'cafe', range: '198.51.100.0/24' },
  { address: '192.0.2.50', label: 'hotel', range: '192.0.2.0/24' },
] as const satisfies ReadonlyArray<{ label: DemoTextKey; [more: string]: string }>;

export const DEMO_REGIONS = ['PE', 'CL', 'CR', 'CA', 'US'] as const;
/** The demo stream's own size (scripts/make-demo-stream.sh): the video is shown at it, never stretched. */
export const DEMO_STREAM_SIZE = { width: 426, height: 240 } as const;

export async function demoPage(c: AppContext): Promise<Response> {
  const locale = c.get('locale');
  const words = demoText(locale);
  const ui = uiText(locale);
  const body = html`
<h1>${words.title}</h1>
<p class="muted">${words.intro}</p>
<form id="demo-form" class="card grid">
  <label>${words.account}<input id="demo-account" value="acct-demo" required maxlength="128"></label>
  <label>${words.device}<select id="demo-device">${DEMO_DEVICES.map((d) => html`<option value="${d.device}" data-type="${d.type}">${words[d.label]} (${d.type})</option>`)}</select></label>
  <label>${words.network}<select id="demo-network">${DEMO_NETWORKS.map((n) => html`<option value="${n.address}">${words[n.label]} (${n.range})</option>`)}</select></label>
  <label>${words.region}<select id="demo-region">${DEMO_REGIONS.map((r) => html`<option value="${r}">${r}</option>`)}</select></label>
  <div class="row"><button type="submit" class="primary" id="demo-play">${words.play}</button><button type="button" id="demo-stop">${words.stop}</button></div>
</form>
<section class="card" id="demo-try" aria-labelledby="demo-try-title">
  <h2 id="demo-try-title">${words.tryTitle}</h2>
  <p id="demo-try-text">${words.tryText.replace('{region}', DEMO_REGIONS[0])}</p>
  <div class="row"><button type="button" id="demo-try-refusal" aria-describedby="demo-try-text">${words.tryButton}</button><button type="button" id="demo-try-undo">${words.tryUndo}</button></div>
  <p id="demo-try-status" class="status" role="status" aria-live="polite"></p>
</section>
<div class="video-wrap at-size"><video id="video" muted playsinline controls width="${DEMO_STREAM_SIZE.width}" height="${DEMO_STREAM_SIZE.height}" aria-label="Demo stream"></video></div>
<p id="demo-status" class="status" role="status" aria-live="polite"></p>
<p id="demo-access" class="status ok" aria-live="polite"></p>
<section class="card" id="demo-help" hidden aria-labelledby="demo-help-title">
  <h2 id="demo-help-title">${ui.statusRefused} <code id="demo-help-reason" class="muted"></code></h2>
  <p id="demo-help-message" class="message"></p>
  <div class="actions"><button type="button" class="primary" id="demo-send-code">${ui.sendCode}</button><a class="button" id="demo-help-page" href="/gate/help" target="_blank">${words.helpPage}</a></div>
  <form id="demo-code-form" class="code-form" hidden>
    <label for="demo-code">${ui.codeLabel} <span class="muted">${words.codeHint}</span></label>
    <input id="demo-code" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" required autocomplete="one-time-code">
    <button type="submit" class="primary">${ui.confirm}</button>
  </form>
  <div id="demo-question" hidden>
    <h3 id="demo-question-title"></h3>
    <div class="actions" id="demo-choices" role="group" aria-labelledby="demo-question-title"></div>
    <p id="demo-answer" class="status" role="status" aria-live="polite"></p>
  </div>
</section>
<section class="card" aria-labelledby="log-title">
  <h2 id="log-title">${words.logTitle}</h2>
  <ol id="demo-log" class="log" tabindex="0" aria-labelledby="log-title"></ol>
</section>`;
  const rendered = await page({
    title: words.title,
    locale: LANGUAGE_TAGS[locale],
    script: 'demo',
    body,
    data: { locale: LANGUAGE_TAGS[locale], words, ui: { attemptsLeft: ui.attemptsLeft, failed: ui.failed } },
  });
  return new Response(rendered.toString(), { status: 200, headers: pageHeaders(c.req.url) });
}
