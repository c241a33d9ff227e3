/**
 * `GET /` in development: where a developer who just ran `npm run dev` starts —
 * links to the demo, the help page, the console, the OpenAPI document and
 * the health check, the README's walkthrough, and the few commands a local
 * run needs (a token, local overrides, a fresh start). In production `/` is
 * a playback path like any other (app.ts mounts this sub-app in development
 * builds only, and it answers only when ENVIRONMENT=development).
 */
import { html } from 'hono/html';
import type { AppContext } from '../http/context';
import { ASSET_PATH, pageHeaders } from '../pages/layout';
import { ADMIN_SCOPES } from '../vocabulary';
import { HEARTH_VERSION } from '../version';

const PLACES = [
  {
    href: '/demo',
    name: 'Demo player',
    what: 'plays the demo stream through the gate as a TV or a phone, at home or away, in any region; each request with its decision. Every region starts in monitor mode, which refuses nothing: its “Try a refusal” button sets a development challenge rule for a region.',
  },
  {
    href: '/gate/help',
    name: 'Help page',
    what: 'what a challenged or denied viewer sees: the message, the code form, temporary access. Open it from the demo’s refusal (“Help page”): the demo hands it the device it plays as, so both show the same refusal.',
  },
  {
    href: '/gate/status',
    name: 'Status page',
    what: 'what the gate does in each country now, what is announced and when, the last changes and the ways back in — public, in four languages (JSON: /gate/v1/status).',
  },
  { href: '/admin/console', name: 'Ops console', what: 'decisions by region, rollout rules with previews, the audit trail and account support (sign in with a development admin token, below).' },
  { href: '/openapi.json', name: 'OpenAPI document', what: 'every operation of the device and admin APIs (docs/api.md explains them in words).' },
  { href: '/healthz', name: 'Health', what: 'the version, and whether any part of the configuration is missing.' },
] as const;

export async function landingPage(c: AppContext): Promise<Response> {
  const body = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hearth · development</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSET_PATH}hearth.css">
</head>
<body>
<main id="main">
<h1>Hearth, in development</h1>
<p>This gate (version ${HEARTH_VERSION}) runs with the development bindings of <code>.dev.vars</code>. This page exists in development only; in production <code>/</code> is playback like any other path.</p>
<section class="card" aria-labelledby="places-title">
  <h2 id="places-title">Pages and documents</h2>
  <dl>
    ${PLACES.map((place) => html`<dt><a href="${place.href}">${place.name}</a> <code>${place.href}</code></dt><dd>${place.what}</dd>`)}
  </dl>
</section>
<section class="card" aria-labelledby="walkthrough-title">
  <h2 id="walkthrough-title">Walkthrough</h2>
  <p>In your checkout, <code>README.md</code>, section <strong>Walkthrough: watch a household form</strong> (<code>README.md#walkthrough-watch-a-household-form</code>): a TV and a phone of one account, step by step with <code>curl</code>, against this gate.</p>
</section>
<section class="card" aria-labelledby="commands-title">
  <h2 id="commands-title">Commands</h2>
  <dl>
    <dt>A development admin token (console, ops CLI)</dt>
    <dd><code>npm run -s ops -- admin-token --scope "${ADMIN_SCOPES.join(' ')}"</code></dd>
    <dt>A development device token</dt>
    <dd><code>npm run -s token -- --account acct-1 --device tv-1 --type tv</code></dd>
    <dt>Your own settings, never committed</dt>
    <dd>Put them in <code>.dev.vars.local</code> (same format as <code>.dev.vars</code>; git ignores it): <code>npm run dev</code> reads it after <code>.dev.vars</code>, so its values win. Restart <code>npm run dev</code> after changing it.</dd>
    <dt>Start afresh: households, rules, audit trail, counts and code limits</dt>
    <dd>Stop <code>npm run dev</code>, run <code>npm run dev:reset</code> (removes <code>.wrangler/state</code>), start it again.</dd>
  </dl>
</section>
</main>
</body>
</html>`;
  return new Response((await body).toString(), { status: 200, headers: pageHeaders(c.req.url) });
}
