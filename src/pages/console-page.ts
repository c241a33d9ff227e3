/**
 * `GET /admin/console` — the ops and support console. The page itself holds
 * nothing secret: the admin token is pasted in, kept in sessionStorage only,
 * and sent as a Bearer token to the same admin API the CLI uses.
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { AppContext } from '../http/context';

import { page, pageHeaders } from './layout';
import { ADMIN_SCOPES, MODES } from '../vocabulary';

/** The command that mints a development admin token with every scope (README, "Ops guide"). */
const DEVELOPMENT_TOKEN_COMMAND = `npm run -s ops -- admin-token --scope "${ADMIN_SCOPES.join(' ')}"`;

/** A table that fits its card or scrolls inside it; focusable, so the keyboard can scroll it too. */
const scrolling = (label: string, table: HtmlEscapedString | Promise<HtmlEscapedString>) => html`<div class="table-scroll" tabindex="0" role="region" aria-label="${label}">${table}</div>`;

export async function consolePage(c: AppContext): Promise<Response> {
  const development = c.get('gate').config.environment === 'development';
  const body = html`
<div class="console">
<h1>Hearth console</h1>

<section class="card" id="signin" aria-labelledby="signin-title">
  <h2 id="signin-title">Sign in</h2>
  <form id="signin-form" class="grid">
    <label>Admin token<textarea id="token" name="token" rows="3" required autocomplete="off" spellcheck="false" aria-describedby="token-source"></textarea></label>
    <div class="row"><button type="submit" class="primary">Sign in</button></div>
  </form>
  <p id="signin-status" class="status" role="status" aria-live="polite"></p>
  <div id="token-source" class="token-help">
    <p>An admin token is a signed JWT for the audience <code>hearth-admin</code>, carrying the scopes your work needs (${ADMIN_SCOPES.map((scope, i) => html`${i > 0 ? ' ' : ''}<code>${scope}</code>`)}). Your identity provider issues it to ops and support staff; this gate trusts the keys in its <code>ADMIN_JWKS</code> binding and the issuer in <code>ADMIN_TOKEN_ISSUER</code>, so ask whoever runs them.</p>
    ${
      development
        ? html`<p>In development, mint one with the development admin key (published in the repository; a production gate never accepts it), then paste it here:</p>
    <pre><code>${DEVELOPMENT_TOKEN_COMMAND}</code></pre>`
        : ''
    }
  </div>
  <p class="muted">The token stays in this tab (sessionStorage) and is sent only to this gate’s admin API.</p>
</section>

<div id="signed-in" hidden>
  <p class="row"><span id="whoami" class="muted"></span><button type="button" id="signout">Sign out</button></p>
  <p id="console-status" class="status" role="status" aria-live="polite"></p>

  <div class="console-columns">

  <div class="console-stack">
  <section class="card" aria-labelledby="metrics-title">
    <h2 id="metrics-title">Decisions by region</h2>
    <form id="metrics-form" class="grid">
      <label>Region<select id="metrics-region"><option value="">(no decisions counted yet)</option></select></label>
      <label>Period<select id="metrics-range">
        <option value="PT1H|PT1M">last hour, per minute</option>
        <option value="PT6H|PT5M">last 6 hours, per 5 minutes</option>
        <option value="P2D|PT1H">last 2 days, per hour</option>
        <option value="P30D|PT1H">last 30 days, per hour</option>
      </select></label>
      <div class="row"><button type="submit">Refresh</button></div>
    </form>
    <p id="metrics-summary" class="muted">Counts reach the console within 10 seconds of a decision.</p>
    <div class="chart-grid">
      <figure class="chart-figure"><figcaption>Sessions by outcome</figcaption><div id="chart-sessions" class="chart"></div></figure>
      <figure class="chart-figure"><figcaption>Share of sessions enforce would refuse</figcaption><div id="chart-would" class="chart"></div></figure>
      <figure class="chart-figure" id="feedback-figure" hidden>
        <figcaption id="feedback-caption">What refused households said when asked why they are where they are</figcaption>
        <table aria-labelledby="feedback-caption"><thead><tr><th scope="col">Said</th><th scope="col">Households</th><th scope="col">Of refused households</th></tr></thead><tbody id="feedback-said"></tbody></table>
      </figure>
      <figure class="chart-figure"><figcaption>Verification codes</figcaption><div id="chart-funnel" class="chart"></div></figure>
      <figure class="chart-figure" id="guard-figure" hidden><figcaption id="guard-caption">The guard: refused share of treated sessions beside its threshold</figcaption><div id="chart-guard" class="chart"></div></figure>
    </div>
    <details>
      <summary>The numbers behind the charts</summary>
      ${scrolling(
        'Sessions, refusals and codes per step',
        html`<table>
        <caption class="visually-hidden">Sessions, refusals and codes per step</caption>
        <thead><tr><th scope="col">Step</th><th scope="col">Sessions</th><th scope="col">Allowed</th><th scope="col">Challenged</th><th scope="col">Denied</th><th scope="col">Would refuse</th><th scope="col">Treated households</th><th scope="col">Refused households</th><th scope="col">Codes sent</th><th scope="col">Verified</th></tr></thead>
        <tbody id="metrics-table"></tbody>
      </table>`,
      )}
    </details>
  </section>

  <section class="card approvals" aria-labelledby="approvals-title">
    <h2 id="approvals-title" tabindex="-1">Waiting for approval</h2>
    <p id="approvals-summary" class="muted"></p>
    <ul id="approvals-list" class="approvals-list"></ul>
  </section>
  </div>

  <section class="card" aria-labelledby="regions-title">
    <h2 id="regions-title">Regions</h2>
    <p class="muted" id="rollout-version"></p>
    ${scrolling(
      'Rollout rules by region',
      html`<table>
      <caption class="visually-hidden">Rollout rules by region</caption>
      <thead><tr><th scope="col">Region</th><th scope="col">Mode</th><th scope="col">Percent</th><th scope="col">Fail</th><th scope="col">Status</th><th scope="col">Guard</th><th scope="col">Note <span class="muted">(by, updated)</span></th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody id="regions"></tbody>
    </table>`,
    )}
  </section>
  </div>

  <div class="console-columns">
  <section class="card" aria-labelledby="rule-title">
    <h2 id="rule-title">Change a rule</h2>
    <form id="rule-form" class="grid">
      <label>Region (PE, CL, … or *)<input id="rule-region" required pattern="\\*|[A-Za-z]{2}" maxlength="2"></label>
      <label>Mode<select id="rule-mode">${MODES.map((mode) => html`<option value="${mode}" ${mode === 'monitor' ? 'selected' : ''}>${mode}</option>`)}</select></label>
      <label>Percent of accounts<input id="rule-percent" type="number" min="0" max="100" value="100" required></label>
      <label><span>When household state is unreadable</span><select id="rule-fail"><option value="open">allow (fail open)</option><option value="closed">refuse (fail closed)</option></select></label>
      <label>Stages (optional: percent:hold, …, last percent)<input id="rule-stages" placeholder="10:P1D, 50:P2D, 100" autocomplete="off" spellcheck="false"></label>
      <fieldset class="grid">
        <legend>Guard (optional: steps the rule down to monitor when unhealthy)</legend>
        <label>Trip above this refused share (0–1)<input id="rule-guard-refusal" inputmode="decimal" placeholder="0.05" autocomplete="off"></label>
        <label>Trip below this verify success (0–1)<input id="rule-guard-verify" inputmode="decimal" placeholder="0.5" autocomplete="off"></label>
        <label>Trip above this share of refused households saying “I live here” (0–1)<input id="rule-guard-livehere" inputmode="decimal" placeholder="0.2" autocomplete="off"></label>
        <label>Act from this many treated households<input id="rule-guard-households" inputmode="numeric" placeholder="100" autocomplete="off"></label>
        <label>Window (e.g. PT15M, at most PT6H)<input id="rule-guard-window" placeholder="PT15M" autocomplete="off" spellcheck="false"></label>
      </fieldset>
      <label class="rule-note">Note (required: why)<input id="rule-note" required maxlength="500"></label>
      <div class="row rule-actions"><button type="submit" class="primary">Review change</button><button type="button" id="rule-clear">Clear</button></div>
    </form>
    <div id="rule-problems" class="field-problems" role="alert" hidden></div>
  </section>

  <section class="card" aria-labelledby="account-title">
    <h2 id="account-title">Account</h2>
    <form id="account-form" class="row">
      <label for="account-id">Account id</label><input id="account-id" required maxlength="128">
      <button type="submit" class="primary">Look up</button>
    </form>
    <div id="account" hidden>
      <p id="account-summary"></p>
      <p id="account-conflicts"></p>
      <h3>Homes <span class="muted">(the primary home, then second homes set with the owner’s code)</span></h3>
      ${scrolling(
        'Homes',
        html`<table><thead><tr><th scope="col">Home</th><th scope="col">Networks</th><th scope="col">Kept by TV</th><th scope="col">Changed</th></tr></thead><tbody id="account-homes"></tbody></table>`,
      )}
      <h3>Away access <span class="muted">(the owner’s code: a posting, a term, a long stay)</span></h3>
      <p id="account-away-year"></p>
      ${scrolling(
        'Away access',
        html`<table><thead><tr><th scope="col">Device</th><th scope="col">Until</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody id="account-away"></tbody></table>`,
      )}
      <h3>Devices</h3>
      ${scrolling(
        'Devices',
        html`<table><thead><tr><th scope="col">Device</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Key <span class="muted">(thumbprint, first 8)</span></th><th scope="col">Access until</th><th scope="col">Last seen</th></tr></thead><tbody id="account-devices"></tbody></table>`,
      )}
      <h3>Household events <span class="muted">(what the owner was told, newest first)</span></h3>
      ${scrolling(
        'Household events',
        html`<table><thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Device</th><th scope="col">By</th><th scope="col">Region</th></tr></thead><tbody id="account-events"></tbody></table>`,
      )}
      <h3>Feedback <span class="muted">(what refused devices said, newest first; the comment is the person’s own words)</span></h3>
      ${scrolling(
        'Feedback',
        html`<table><thead><tr><th scope="col">When</th><th scope="col">Said</th><th scope="col">Device</th><th scope="col">Refused</th><th scope="col">Request id</th><th scope="col">Comment</th></tr></thead><tbody id="account-feedback"></tbody></table>`,
      )}
      <h3>Explain a decision</h3>
      <form id="explain-form" class="grid" method="post">
        <label>Device id<input id="explain-device" required></label>
        <label>Client address (hashed, never stored)<input id="explain-ip"></label>
        <label>Country<input id="explain-country" maxlength="2"></label>
        <div class="row"><button type="submit">Explain</button></div>
      </form>
      <p id="explain-result"></p>
      ${scrolling('Why: the decision, row by row', html`<table><thead><tr><th scope="col">Row</th><th scope="col">Check</th><th scope="col">Answer</th></tr></thead><tbody id="explain-trace"></tbody></table>`)}
      <h3>Support grants</h3>
      ${scrolling('Support grants', html`<table><thead><tr><th scope="col">Device</th><th scope="col">Until</th><th scope="col">By</th><th scope="col">Reason</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody id="account-grants"></tbody></table>`)}
      <form id="grant-form" class="grid">
        <label>Device id (empty: whole account)<input id="grant-device"></label>
        <label>Days (1–180)<input id="grant-days" type="number" min="1" max="180" value="30" required></label>
        <label>Reason<input id="grant-reason" required maxlength="500"></label>
        <div class="row"><button type="submit">Grant</button></div>
      </form>
      <h3>Extra members</h3>
      ${scrolling('Extra members', html`<table><thead><tr><th scope="col">Device</th><th scope="col">Label</th><th scope="col">Since</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody id="account-members"></tbody></table>`)}
      <form id="member-form" class="grid">
        <label>Device id<input id="member-device" required></label>
        <label>Label<input id="member-label" maxlength="100"></label>
        <div class="row"><button type="submit">Add extra member</button></div>
      </form>
    </div>
  </section>

  </div>

  <section class="card console-wide" aria-labelledby="audit-title">
    <h2 id="audit-title">Audit trail</h2>
    ${scrolling('Audit trail', html`<table><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Change</th><th scope="col">Note</th></tr></thead><tbody id="audit"></tbody></table>`)}
    <p class="row"><button type="button" id="audit-more" hidden>Older entries</button><span id="audit-end" class="muted" hidden>No older entries: this is the start of the audit trail.</span></p>
  </section>
</div>
</div>

<dialog id="confirm" aria-labelledby="confirm-title">
  <form method="dialog">
    <h2 id="confirm-title">Confirm the change</h2>
    <p id="confirm-text"></p>
    <div id="confirm-preview" hidden><p id="confirm-preview-headline" class="preview"></p><p id="confirm-preview-current" class="muted"></p></div>
    <p id="confirm-applies" class="applies" hidden></p>
    <fieldset id="confirm-skip" class="skip-notice" hidden>
      <legend>Notice</legend>
      <label class="check"><input type="checkbox" id="confirm-skip-notice" aria-describedby="confirm-skip-help"> Skip the notice: apply at once</label>
      <p id="confirm-skip-help" class="muted">Only when the rule cannot wait: your note is the reason on record. Audited, and the public status page says the change came without notice.</p>
    </fieldset>
    <p class="row"><button value="cancel">Cancel</button><button value="ok" class="primary" id="confirm-ok">Apply</button></p>
  </form>
</dialog>

<dialog id="decision" aria-labelledby="decision-title">
  <form method="dialog">
    <h2 id="decision-title">Approve the change</h2>
    <p id="decision-text"></p>
    <label>Note (optional: goes into the audit trail)<textarea id="decision-note" rows="2" maxlength="500"></textarea></label>
    <p class="row"><button value="cancel">Cancel</button><button value="ok" class="primary" id="decision-ok">Approve</button></p>
  </form>
</dialog>`;
  const rendered = await page({ title: 'Console', locale: 'en', script: 'console', scriptStylesheet: true, body });
  return new Response(rendered.toString(), { status: 200, headers: pageHeaders(c.req.url) });
}
