/**
 * The console's account view (contract §2.1, §6, §7): the summary line, the
 * anchor conflicts, the homes (the primary home and second homes, each with
 * the TV that keeps it), away access (how much the owner gave this year, the
 * devices holding it, each with "End away access" after a confirmation),
 * each device with the short thumbprint of the key it is bound to, what the
 * owner was told (household events, newest first), what its refused devices
 * said when asked (contract §8, with their comments) — in the words the ops
 * CLI uses (admin-client/household-wording.ts) — then explain, support
 * grants and extra members, each write confirmed or audited like the CLI's.
 *
 * Server text is only ever set as `textContent` (console-cells.ts).
 */
import type { AccountSummary } from '../../admin-client/client';
import { describeAwayAccessYear, describeDeviceKey, describeHome, describeHomeKeeper, describeHouseholdEvent, describeSignOutBy, newestFirst } from '../../admin-client/household-wording';
import { traceLines } from '../../admin-client/trace-wording';
import { describeAnchorConflicts } from '../../admin-client/wording';
import { setStatus } from './common';
import { $, type Answer, type ConsoleContext } from './console-context';
import { button, row } from './console-cells';
import { localTimesIn, localTime } from './local-time';
import { showAccountFeedback } from './console-feedback';

/** What the account view needs from the rest of the console (the shell's context). */
export type AccountSupport = ConsoleContext;

/** Fills the account view's household part from `summary`; `endAway` ends a device's away access. */
function showAccountHousehold(s: AccountSummary, endAway: (deviceId: string) => void): void {
  $('account-summary').textContent =
    `${s.accountId}: ${s.established && s.establishedAt ? `household since ${localTime(s.establishedAt)}` : 'no household yet'} · ${s.homeNetworkCount} home network(s) · anchor ${s.anchorDeviceId ?? '–'} · extra members ${s.extraMemberSlots.used}/${s.extraMemberSlots.total} · location changes this window ${s.primaryLocationChangesInWindow}`;
  $('account-conflicts').textContent = `Anchor conflicts: ${localTimesIn(describeAnchorConflicts(s.anchorConflicts))}`;
  $('account-homes').replaceChildren(...s.homes.map((home) => row([describeHome(home), home.networkCount, describeHomeKeeper(home), home.updatedAt])));
  $('account-away-year').textContent = `Away access: ${describeAwayAccessYear(s.awayAccess)}.`;
  $('account-away').replaceChildren(
    ...(s.awayAccess.devices.length > 0
      ? s.awayAccess.devices.map((d) =>
          row(
            [d.deviceId, d.until],
            button('End away access', () => endAway(d.deviceId), `End away access for ${d.deviceId}`),
          ),
        )
      : [row(['(none: no device holds away access now)'])]),
  );
  $('account-devices').replaceChildren(...s.devices.map((d) => row([d.deviceId, d.type, d.status, describeDeviceKey(d), d.accessUntil, d.lastSeenAt])));
  const events = newestFirst(s.events);
  $('account-events').replaceChildren(
    ...(events.length > 0
      ? events.map((e) => row([e.at, describeHouseholdEvent(e), `${e.deviceId} (${e.deviceType})`, describeSignOutBy(e), e.region]))
      : [row(['(none: nothing the owner was told of in the last 31 days)'])]),
  );
  showAccountFeedback(s);
}

/** Wires the account card: look-up, and every support action on the account shown. */
export function enableAccountSupport({ api, status, refusal, confirm, changed }: AccountSupport): void {
  let current: string | null = null;

  const load = async (account: string): Promise<void> => {
    const answer = await api.GET('/admin/v1/accounts/{account}', { params: { path: { account } } });
    if (!answer.data) {
      $('account').hidden = true;
      return setStatus(status, refusal(answer), 'bad');
    }
    current = account;
    const s = answer.data;
    $('account').hidden = false;
    showAccountHousehold(s, (deviceId) => void endAway(deviceId));
    $('account-grants').replaceChildren(
      ...s.grants.map((g) =>
        row(
          [g.deviceId ?? 'whole account', g.expiresAt, g.actor, g.reason],
          button('End', () => void endGrant(g.grantId), `End grant for ${g.deviceId ?? 'the whole account'}`),
        ),
      ),
    );
    $('account-members').replaceChildren(
      ...s.extraMembers.map((m) =>
        row(
          [m.deviceId, m.label, m.addedAt],
          button('Remove', () => void removeMember(m.deviceId), `Remove extra member ${m.deviceId}`),
        ),
      ),
    );
  };

  const write = async (promise: Promise<Answer>, done: string): Promise<void> => {
    const answer = await promise;
    if (!answer.response.ok) return setStatus(status, refusal(answer), 'bad');
    setStatus(status, done, 'ok');
    await Promise.all([load(current!), changed()]);
  };

  const endGrant = async (grantId: string): Promise<void> => {
    if (!(await confirm('End this support grant now?'))) return;
    await write(api.DELETE('/admin/v1/accounts/{account}/grants/{grantId}', { params: { path: { account: current!, grantId } } }), 'Grant ended.');
  };

  const removeMember = async (deviceId: string): Promise<void> => {
    if (!(await confirm(`Free the extra-member slot of ${deviceId}?`))) return;
    await write(api.DELETE('/admin/v1/accounts/{account}/extra-members/{deviceId}', { params: { path: { account: current!, deviceId } } }), 'Extra member removed.');
  };

  const endAway = async (deviceId: string): Promise<void> => {
    const ok = await confirm(`End the away access of ${deviceId} now? The owner gave it with their code; from its next request the device is decided as before, and this year's count stays as it is.`);
    if (!ok) return;
    await write(api.DELETE('/admin/v1/accounts/{account}/away-access/{deviceId}', { params: { path: { account: current!, deviceId } } }), `Away access ended for ${deviceId}.`);
  };

  $('account-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void load($<HTMLInputElement>('account-id').value.trim());
  });

  $('grant-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const deviceId = $<HTMLInputElement>('grant-device').value.trim();
    const body = { days: Number($<HTMLInputElement>('grant-days').value), reason: $<HTMLInputElement>('grant-reason').value.trim(), ...(deviceId ? { deviceId } : {}) };
    void write(api.POST('/admin/v1/accounts/{account}/grants', { params: { path: { account: current! } }, body }), 'Grant added.');
  });

  $('member-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const label = $<HTMLInputElement>('member-label').value.trim();
    const body = { deviceId: $<HTMLInputElement>('member-device').value.trim(), ...(label ? { label } : {}) };
    void write(api.POST('/admin/v1/accounts/{account}/extra-members', { params: { path: { account: current! } }, body }), 'Extra member added.');
  });

  $('explain-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const ip = $<HTMLInputElement>('explain-ip').value.trim();
    const country = $<HTMLInputElement>('explain-country').value.trim();
    // The address goes in the body of a POST, never in a URL (URLs are kept in logs and by proxies).
    const body = { deviceId: $<HTMLInputElement>('explain-device').value.trim(), ...(ip ? { ip } : {}), ...(country ? { country } : {}) };
    const answer = await api.POST('/admin/v1/accounts/{account}/explain', { params: { path: { account: current! } }, body });
    if (!answer.data) return setStatus(status, refusal(answer), 'bad');
    const e = answer.data;
    $('explain-result').textContent =
      `${e.decision.toUpperCase()} — ${e.reason}. Region ${e.region}: rule ${e.rule.key} = ${e.rule.mode} at ${e.rule.percent} %, bucket ${e.bucket} → ${e.mode}. The person sees: “${e.message}”`;
    $('explain-trace').replaceChildren(...traceLines(e.trace).map((line) => row([line.row, line.check, line.answer])));
  });
}
