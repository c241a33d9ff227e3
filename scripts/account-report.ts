/**
 * `npm run ops -- account show`, in words: what Hearth holds about one
 * account, never an address — its home networks (shared or not), its
 * devices with the short thumbprint of the key each is bound to (contract
 * §2.1), the anchor conflicts, what the owner was told of (household events,
 * newest first, §6), support grants and extra members.
 */
import type { AccountSummary } from '../src/admin-client/client.ts';
import { describeDeviceKey, describeHouseholdEvent, describeSignOutBy, newestFirst } from '../src/admin-client/household-wording.ts';
import { describeAnchorConflicts, formatCount } from '../src/admin-client/wording.ts';
import { table } from './text-table.ts';

/** A home network as support reads it: shared or not, and by how many households. */
function describeHomeNetwork(network: { shared: boolean; households: number | null; anchorAddressesKept: number }): string {
  const households = network.households === null ? 'not counted yet' : `${formatCount(network.households)} household${network.households === 1 ? '' : 's'}`;
  if (!network.shared) return `not shared (${households})`;
  return `SHARED (${households}); TV addresses counting as home now: ${network.anchorAddressesKept}`;
}

/** The account summary as `account show` prints it (its strings already made safe for a terminal). */
export function accountReport(summary: AccountSummary): string {
  return [
    `Account ${summary.accountId}: ${summary.established ? `household established ${summary.establishedAt}` : 'no household yet'}`,
    `Home networks: ${summary.homeNetworkCount}   Anchor TV: ${summary.anchorDeviceId ?? '-'}   Extra members: ${summary.extraMemberSlots.used}/${summary.extraMemberSlots.total}   Location changes this window: ${summary.primaryLocationChangesInWindow}`,
    `Anchor conflicts: ${describeAnchorConflicts(summary.anchorConflicts)}`,
    '',
    'Home networks',
    table(
      summary.homeNetworks.map((network, index) => ({
        '#': index + 1,
        network: describeHomeNetwork(network),
        lastSeenAt: network.lastSeenAt,
        addedAt: network.addedAt,
      })),
      ['#', 'network', 'lastSeenAt', 'addedAt'],
    ),
    '',
    // `key`: the first 8 characters of the bound key's thumbprint; only that key speaks for the id until a sign-out.
    'Devices',
    table(
      summary.devices.map((device) => ({ ...device, key: describeDeviceKey(device) })),
      ['deviceId', 'type', 'status', 'key', 'accessUntil', 'lastSeenAt', 'lastHomeSeenAt'],
    ),
    '',
    'Household events (what the owner was told, newest first)',
    table(
      newestFirst(summary.events).map((event) => ({
        at: event.at,
        device: `${event.deviceId} (${event.deviceType})`,
        event: describeHouseholdEvent(event),
        by: describeSignOutBy(event) || undefined,
        region: event.region,
      })),
      ['at', 'device', 'event', 'by', 'region'],
    ),
    '',
    'Support grants',
    table(summary.grants, ['grantId', 'deviceId', 'expiresAt', 'actor', 'reason']),
    '',
    'Extra members',
    table(summary.extraMembers, ['deviceId', 'label', 'addedAt']),
  ].join('\n');
}
