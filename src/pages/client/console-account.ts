/**
 * The console's account view of a household (contract §2.1, §6): the summary
 * line, the anchor conflicts, each device with the short thumbprint of the
 * key it is bound to, and what the owner was told (household events, newest
 * first) — in the words the ops CLI uses (admin-client/household-wording.ts).
 * Grants and extra members, which carry actions, stay in console.ts.
 */
import type { AccountSummary } from '../../admin-client/client';
import { describeDeviceKey, describeHouseholdEvent, describeSignOutBy, newestFirst } from '../../admin-client/household-wording';
import { describeAnchorConflicts } from '../../admin-client/wording';
import { row } from './console-cells';
import { localTimesIn, localTime } from './local-time';

const $ = (id: string) => document.getElementById(id) as HTMLElement;

/** Fills the account view's household part from `summary`. */
export function showAccountHousehold(s: AccountSummary): void {
  $('account-summary').textContent =
    `${s.accountId}: ${s.established && s.establishedAt ? `household since ${localTime(s.establishedAt)}` : 'no household yet'} · ${s.homeNetworkCount} home network(s) · anchor ${s.anchorDeviceId ?? '–'} · extra members ${s.extraMemberSlots.used}/${s.extraMemberSlots.total} · location changes this window ${s.primaryLocationChangesInWindow}`;
  $('account-conflicts').textContent = `Anchor conflicts: ${localTimesIn(describeAnchorConflicts(s.anchorConflicts))}`;
  $('account-devices').replaceChildren(...s.devices.map((d) => row([d.deviceId, d.type, d.status, describeDeviceKey(d), d.accessUntil, d.lastSeenAt])));
  const events = newestFirst(s.events);
  $('account-events').replaceChildren(
    ...(events.length > 0
      ? events.map((e) => row([e.at, describeHouseholdEvent(e), `${e.deviceId} (${e.deviceType})`, describeSignOutBy(e), e.region]))
      : [row(['(none: nothing the owner was told of in the last 31 days)'])]),
  );
}
