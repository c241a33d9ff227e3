/**
 * `GET /demo` — development only (mounted by development/app.ts): a player that plays
 * the demo stream through the gate, with the simulated device, network and
 * region chosen on the page and each segment's `Hearth-Decision` shown live.
 * Its script (client/demo.ts) is built on the player SDK (packages/player):
 * the device's key is made in the browser and the token bound to it.
 */
import { html } from 'hono/html';
import type { AppContext } from '../http/context';
import { page, pageHeaders } from './layout';

export const DEMO_DEVICES = [
  { device: 'tv-living-room', type: 'tv', label: 'Living-room TV' },
  { device: 'phone-ana', type: 'mobile', label: 'Ana’s phone' },
  { device: 'laptop-sofia', type: 'web', label: 'Sofía’s laptop (student)' },
  { device: 'phone-cousin', type: 'mobile', label: 'A cousin’s phone' },
] as const;

export const DEMO_NETWORKS = [
  { address: '203.0.113.10', label: 'Home Wi-Fi (203.0.113.0/24)' },
  { address: '198.51.100.20', label: 'A café across town (198.51.100.0/24)' },
  { address: '192.0.2.50', label: 'A hotel abroad (192.0.2.0/24)' },
] as const;

export const DEMO_REGIONS = ['PE', 'CL', 'CR', 'CA', 'US'] as const;

export async function demoPage(c: AppContext): Promise<Response> {
  const body = html`
<h1>Hearth demo player</h1>
<p class="muted">Development only. Pick who is watching, from where, and in which region; the stream plays through the gate and every segment shows its decision. This page is built on the player SDK (<code>packages/player</code>, see <code>docs/players.md</code>): each device’s key is made in this browser and never leaves it, its token is bound to that key, and the SDK holds the playback session.</p>
<form id="demo-form" class="card grid">
  <label>Account<input id="demo-account" value="acct-demo" required maxlength="128"></label>
  <label>Device<select id="demo-device">${DEMO_DEVICES.map((d) => html`<option value="${d.device}" data-type="${d.type}">${d.label} (${d.type})</option>`)}</select></label>
  <label>Network<select id="demo-network">${DEMO_NETWORKS.map((n) => html`<option value="${n.address}">${n.label}</option>`)}</select></label>
  <label>Region<select id="demo-region">${DEMO_REGIONS.map((r) => html`<option value="${r}">${r}</option>`)}</select></label>
  <div class="row"><button type="submit" class="primary" id="demo-play">Play</button><button type="button" id="demo-stop">Stop</button></div>
</form>
<div class="video-wrap"><video id="video" muted playsinline controls aria-label="Demo stream"></video></div>
<p id="demo-status" class="status" role="status" aria-live="polite"></p>
<p id="demo-access" class="status ok" aria-live="polite"></p>
<section class="card" id="demo-help" hidden aria-labelledby="demo-help-title">
  <h2 id="demo-help-title"></h2>
  <p id="demo-help-message" class="message"></p>
  <div class="actions"><button type="button" class="primary" id="demo-send-code">Send a code to the account owner</button><a class="button" href="/gate/help" target="_blank" rel="noopener">Help page</a></div>
  <form id="demo-code-form" class="code-form" hidden>
    <label for="demo-code">Code (in development it is in the <code>npm run dev</code> log)</label>
    <input id="demo-code" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" required autocomplete="one-time-code">
    <button type="submit" class="primary">Confirm code</button>
  </form>
  <div id="demo-question" hidden>
    <h3 id="demo-question-title"></h3>
    <div class="actions" id="demo-choices" role="group" aria-labelledby="demo-question-title"></div>
    <p id="demo-answer" class="status" role="status" aria-live="polite"></p>
  </div>
</section>
<section class="card" aria-labelledby="log-title">
  <h2 id="log-title">Decisions, request by request</h2>
  <ol id="demo-log" class="log" tabindex="0" aria-labelledby="log-title"></ol>
</section>`;
  const rendered = await page({ title: 'Demo', locale: 'en', script: 'demo', body });
  return new Response(rendered.toString(), { status: 200, headers: pageHeaders(c.req.url) });
}
