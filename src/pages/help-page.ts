/**
 * `GET /gate/help` — for the person whose device was challenged or denied.
 * The device is identified by its `hearth_device` cookie; the page shows the
 * same reason, message and actions as the API, in the person's language, and
 * lets them send a code, enter it, and (from a TV) move the primary location.
 * A viewer stopped on one of the household's shared networks (carrier-grade
 * NAT, dorms, hotels) reads first what to do there. Every reason has an
 * anchor here: problem `type`s point at them.
 */
import { html } from 'hono/html';
import { decideRequest } from '../edge/decide-request';
import type { AppContext } from '../http/context';
import { actionsFor, messageFor, REASONS, reasonSlug, type Reason } from '../messages/catalog';
import { page, pageHeaders } from './layout';
import { uiText } from './ui-text';
import { accessNumbers, ifYouAreSection } from './if-you-are';

/** Reasons only operators and developers meet; listed apart, so viewers read theirs first. */
const OPERATOR_REASONS = new Set<Reason>([
  'SCOPE_REQUIRED', 'SLOTS_EXHAUSTED', 'VERSION_MISMATCH', 'INVALID_REQUEST', 'BODY_TOO_LARGE', 'METHOD_NOT_ALLOWED', 'NOT_FOUND',
  'RULE_NOT_FOUND', 'ACCOUNT_NOT_FOUND', 'GRANT_NOT_FOUND', 'EXTRA_MEMBER_NOT_FOUND', 'MISCONFIGURED', 'INTERNAL_ERROR', 'ORIGIN_UNREACHABLE', 'ORIGIN_TIMEOUT',
]);

function glossaryEntry(reason: Reason, locale: Parameters<typeof messageFor>[1]) {
  // The code is the same in every language; the message is the person's.
  return html`<dt id="${reasonSlug(reason)}"><code>${reason}</code></dt><dd>${messageFor(reason, locale)}</dd>`;
}

export async function helpPage(c: AppContext): Promise<Response> {
  const gate = c.get('gate');
  const locale = c.get('locale');
  const ui = uiText(locale);
  const result = await decideRequest(gate, c.req.raw, Date.now(), { record: false, waitUntil: (p) => c.executionCtx.waitUntil(p) });
  const reason: Reason = result.ok ? result.decision.reason : result.reason;
  const allowed = result.ok && result.decision.decision === 'allow';
  const actions = allowed ? [] : actionsFor(reason).map((action) => action.id);
  const isTv = result.ok && result.device.deviceType === 'tv';
  // Stopped on one of the household's own networks that is shared: say why, and what to do, first.
  const stoppedOnSharedNetwork = result.ok && !allowed && result.decision.sharedNetwork;
  const shared = html`
<section class="card" id="shared-network" aria-labelledby="shared-title" ${stoppedOnSharedNetwork ? html`data-relevant="true"` : ''}>
  <h2 id="shared-title">${ui.sharedTitle}</h2>
  <p>${ui.sharedText}</p>
  <p>${ui.sharedSteps}</p>
</section>`;

  const body = html`
<h1>${ui.helpTitle}</h1>
<section class="card decision ${allowed ? 'allowed' : 'refused'}" aria-labelledby="reason-title" data-reason="${reason}">
  <h2 id="reason-title">${allowed ? ui.statusAllowed : ui.statusRefused}</h2>
  <p class="message" id="reason-message">${messageFor(reason, locale)}</p>
  <div class="actions">
    ${actions.includes('verify') ? html`<button type="button" class="primary" data-action="verify">${ui.sendCode}</button>` : ''}
    ${isTv ? html`<button type="button" data-action="primary-location">${ui.setPrimary}</button>` : ''}
    ${stoppedOnSharedNetwork ? html`<a class="button" href="#shared-network">${ui.sharedTitle}</a>` : ''}
    ${actions.includes('extra-member') ? html`<a class="button" href="#extra-member">${ui.extraTitle}</a>` : ''}
    <a class="button" href="#contact">${ui.contact}</a>
  </div>
  <form id="code-form" class="code-form" hidden>
    <label for="code">${ui.codeLabel}</label>
    <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
    <button type="submit" class="primary">${ui.confirm}</button>
  </form>
  <p id="status-line" class="status" role="status" aria-live="polite"></p>
</section>
${stoppedOnSharedNetwork ? shared : ''}
<section class="card" id="extra-member" aria-labelledby="extra-title">
  <h2 id="extra-title">${ui.extraTitle}</h2>
  <p>${ui.extraText}</p>
</section>
${stoppedOnSharedNetwork ? '' : shared}
${ifYouAreSection(accessNumbers(gate.config))}
<section class="card" id="contact" aria-labelledby="contact-title">
  <h2 id="contact-title">${ui.contact}</h2>
  <p>${ui.contactText}</p>
</section>

<section class="card" id="meanings" aria-labelledby="meanings-title">
  <h2 id="meanings-title">${ui.meaningsTitle}</h2>
  <dl>${REASONS.filter((r) => !OPERATOR_REASONS.has(r)).map((r) => glossaryEntry(r, locale))}</dl>
  <details>
    <summary>${ui.technicalTitle}</summary>
    <dl>${REASONS.filter((r) => OPERATOR_REASONS.has(r)).map((r) => glossaryEntry(r, locale))}</dl>
  </details>
</section>`;

  const rendered = await page({ title: ui.helpTitle, locale, script: 'help', body, data: { locale, ui } });
  return new Response(rendered.toString(), { status: 200, headers: pageHeaders(c.req.url) });
}
