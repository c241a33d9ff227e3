/**
 * `GET /gate/help` — for the person whose device was challenged or denied.
 * The device is identified by its `hearth_device` cookie; the page shows the
 * same reason, message and actions as the API, in the person's language, and
 * lets them send a code, enter it, and (from a TV) move the primary location.
 * A viewer stopped on one of the household's shared networks (carrier-grade
 * NAT, dorms, hotels) reads first what to do there; anyone else meets that
 * case among "If you are…", not as steps that do not apply. Every reason has an
 * anchor here (problem `type`s point at them), in a glossary folded away for
 * support: a viewer reads their own reason at the top.
 *
 * The code form stays hidden until a code is on its way (the script shows
 * it); "contact support" links to `SUPPORT_URL` when one is configured, and
 * without one says to ask the account owner instead. A
 * device the device API answers also finds "Your devices", folded: the
 * account's devices and their sign-out (contract §6), through the same API
 * and the same code form. A device refused outside the household is offered
 * the owner's two ways where they fit (help-long-stays.ts): a TV, "this is
 * our second home"; any device, away access for a posting or a term. After
 * every refusal the page asks, in one tap, which situation fits the person
 * (help-feedback.ts, contract §8).
 *
 * Trust boundary: the page shows a device only what its own token may ask
 * the device API (the script calls it with the `hearth_device` cookie); the
 * page data carries the device's id, never its token. A player that opened
 * the page may hand it a device the cookie cannot name (a bound device,
 * client/help-handoff.ts): the script then shows that device's decision and
 * sends its code calls as that device (so the send-code button is always
 * rendered, hidden unless a code can help).
 */
import { html } from 'hono/html';
import { decideForDevice } from '../edge/decide-request';
import { identifyByToken } from '../edge/identify';
import type { AppContext } from '../http/context';
import { explainReason, LANGUAGE_TAGS, messageFor, REASONS, reasonSlug, statusPath, type Reason } from '../messages/catalog';
import { requestRegion } from '../edge/region';
import { requestOrigin } from '../http/problem';
import { FALLBACK_REGION } from '../policy/rollout';
import { fill, placeName, statusText } from './status-text';
import { page, pageHeaders } from './layout';
import { uiText } from './ui-text';
import { accessNumbers, ifYouAreSection } from './if-you-are';
import { awayLink, awaySection, longStayOffers, secondHomeButton, secondHomeNote } from './help-long-stays';
import { ok } from '../result';
import { feedbackSection } from './help-feedback';

/** Reasons only operators and developers meet; listed apart, so viewers read theirs first. */
const OPERATOR_REASONS = new Set<Reason>([
  'SCOPE_REQUIRED',
  'SLOTS_EXHAUSTED',
  'VERSION_MISMATCH',
  'INVALID_REQUEST',
  'BODY_TOO_LARGE',
  'METHOD_NOT_ALLOWED',
  'NOT_FOUND',
  'RULE_NOT_FOUND',
  'CHANGE_NOT_FOUND',
  'CHANGE_EXPIRED',
  'SELF_APPROVAL',
  'CHANGE_OUTDATED',
  'PENDING_CHANGES_FULL',
  'ACCOUNT_NOT_FOUND',
  'GRANT_NOT_FOUND',
  'EXTRA_MEMBER_NOT_FOUND',
  'MISCONFIGURED',
  'INTERNAL_ERROR',
  'ORIGIN_UNREACHABLE',
  'ORIGIN_TIMEOUT',
]);

function glossaryEntry(reason: Reason, locale: Parameters<typeof messageFor>[1]) {
  // The code is the same in every language; the message is the person's.
  return html`<dt id="${reasonSlug(reason)}"><code>${reason}</code></dt><dd>${messageFor(reason, locale)}</dd>`;
}

export async function helpPage(c: AppContext): Promise<Response> {
  const gate = c.get('gate');
  const locale = c.get('locale');
  const ui = uiText(locale);
  const now = Date.now();
  // The decision as a playback request would get it, on the snapshot, recording nothing.
  const identification = await identifyByToken(gate, c.req.raw, now, 'DEVICE_PROOF_REQUIRED');
  const result = identification.ok ? ok(await decideForDevice(gate, c.req.raw, identification.value, now, 'look')) : identification;
  const reason: Reason = result.ok ? result.value.decision.reason : result.error.reason;
  const allowed = result.ok && result.value.decision.decision === 'allow';
  const deviceType = result.ok ? result.value.device.deviceType : null;
  // The region's status page (contract §8): a refusal's `status` action, and for anyone a link to what the check does here.
  const region = result.ok ? result.value.decision.region : requestRegion(c.req.raw, gate.config.environment);
  const links = { origin: requestOrigin(c.req.raw), region };
  const explanation = explainReason(reason, { locale, allowed, deviceType, links });
  const statusHref = new URL(statusPath(region), links.origin).href;
  const actions = new Set(explanation.actions.map((action) => action.id));
  // A TV may move the household from wherever it is (at home too), so it is offered the move whatever its decision.
  const isTv = deviceType === 'tv';
  const supportUrl = gate.config.supportUrl;
  // Stopped on one of the household's own networks that is shared: say why, and what to do, first.
  const stoppedOnSharedNetwork = result.ok && !allowed && result.value.decision.sharedNetwork;
  // A device the device API answers (not signed out, its key its own) sees the account's devices and may sign them out.
  const signedInDevice = result.ok && reason !== 'DEVICE_REVOKED' && reason !== 'DEVICE_PROOF_REQUIRED' ? result.value.device.deviceId : null;
  // Refused outside the household: a TV may make this network a second home, any device may ask for away access.
  const offers = longStayOffers({ reason, allowed, isTv, onSharedHomeNetwork: stoppedOnSharedNetwork }, gate.config);
  const devices = html`
<details class="card help-devices" id="devices">
  <summary><h2 id="devices-title">${ui.devicesTitle}</h2></summary>
  <p class="devices-intro">${ui.devicesText}</p>
  <ul id="device-list" class="device-list" aria-labelledby="devices-title"></ul>
  <div id="signout-panel" class="signout-panel" hidden>
    <p id="signout-text"></p>
    <div class="actions">
      <button type="button" class="primary" id="signout-confirm" aria-describedby="signout-text">${ui.signOut}</button>
      <button type="button" class="primary" id="signout-code" aria-describedby="signout-text" hidden>${ui.sendCode}</button>
      <button type="button" id="signout-cancel">${ui.cancel}</button>
    </div>
  </div>
  <p id="devices-status" class="status" role="status" aria-live="polite"></p>
</details>`;
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
  <p class="message" id="reason-message">${explanation.message}</p>
  <div class="actions">
    <button type="button" class="primary" data-action="verify" ${actions.has('verify') ? '' : html`hidden`}>${ui.sendCode}</button>
    ${isTv ? html`<button type="button" data-action="primary-location">${ui.setPrimary}</button>` : ''}
    ${secondHomeButton(offers, ui)}
    ${awayLink(offers, ui)}
    ${stoppedOnSharedNetwork ? html`<a class="button" href="#shared-network">${ui.sharedTitle}</a>` : ''}
    ${actions.has('extra-member') ? html`<a class="button" href="#extra-member">${ui.extraTitle}</a>` : ''}
    <a class="button" href="#contact">${ui.contact}</a>
  </div>
  <p class="help-status-link"><a id="status-link" href="${statusHref}">${fill(statusText(locale).helpLink, { place: placeName(region ?? FALLBACK_REGION, locale) })}</a></p>
  ${secondHomeNote(offers, ui)}
  <form id="code-form" class="help-code-form" hidden>
    <label for="code">${ui.codeLabel}</label>
    <input id="code" name="code" class="help-code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
    <button type="submit" class="primary">${ui.confirm}</button>
  </form>
  <p id="status-line" class="status" role="status" aria-live="polite"></p>
</section>
${feedbackSection(locale, actions.has('feedback'))}
${awaySection(offers, ui)}
${stoppedOnSharedNetwork ? shared : ''}
${signedInDevice ? devices : ''}
<section class="card" id="extra-member" aria-labelledby="extra-title">
  <h2 id="extra-title">${ui.extraTitle}</h2>
  <p>${ui.extraText}</p>
</section>
${ifYouAreSection(accessNumbers(gate.config), locale)}
<section class="card" id="contact" aria-labelledby="contact-title">
  <h2 id="contact-title">${ui.contact}</h2>
  <p>${ui.contactText}</p>
  ${supportUrl ? html`<p><a class="button" id="support-link" href="${supportUrl}" rel="noopener noreferrer">${ui.contactAction}</a></p>` : html`<p id="contact-none">${ui.contactNone}</p>`}
</section>

<details class="card help-glossary" id="meanings">
  <summary><h2 id="meanings-title">${ui.meaningsTitle}</h2></summary>
  <p class="muted">${ui.meaningsText}</p>
  <dl>${REASONS.filter((r) => !OPERATOR_REASONS.has(r)).map((r) => glossaryEntry(r, locale))}</dl>
  <h3>${ui.technicalTitle}</h3>
  <dl>${REASONS.filter((r) => OPERATOR_REASONS.has(r)).map((r) => glossaryEntry(r, locale))}</dl>
</details>`;

  const rendered = await page({ title: ui.helpTitle, locale: LANGUAGE_TAGS[locale], script: 'help', body, data: { locale: LANGUAGE_TAGS[locale], ui, device: signedInDevice } });
  return new Response(rendered.toString(), { status: 200, headers: pageHeaders(c.req.url) });
}
