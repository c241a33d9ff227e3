/**
 * `npm run ops -- account show`, in words: what Hearth holds about one
 * account, never an address — its home networks (shared or not), its
 * devices with the short thumbprint of the key each is bound to (contract
 * §2.1), the anchor conflicts, its homes (the primary home and second homes,
 * each with the TV that keeps it) and the away access the owner gave (§6),
 * what the owner was told of (household events, newest first), what its
 * refused devices said when asked why they are where they are (§8, with
 * their comments and the refusals' request ids), support grants and extra
 * members.
 */
import type { AccountSummary } from '../src/admin-client/client.ts';
import { describeAwayAccessYear, describeDeviceKey, describeHome, describeHomeKeeper, describeHouseholdEvent, describeSignOutBy, newestFirst } from '../src/admin-client/household-wording.ts';
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
    // The owner's two ways (§6): second homes set from their TVs, away access given with the owner's code.
    'Homes (the primary home, then second homes set with the owner’s code)',
    table(
      summary.homes.map((home) => ({ home: describeHome(home), networks: home.networkCount, 'kept by TV': describeHomeKeeper(home), updatedAt: home.updatedAt })),
      ['home', 'networks', 'kept by TV', 'updatedAt'],
    ),
    '',
    `Away access (the owner’s code, for a posting, a term, a long stay): ${describeAwayAccessYear(summary.awayAccess)}`,
    table(summary.awayAccess.devices, ['deviceId', 'until']),
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
    'Feedback (what refused devices said, newest first; the comment is the person’s own words)',
    table(
      summary.feedback.map((answer) => ({
        at: answer.at,
        device: `${answer.deviceId} (${answer.deviceType})`,
        said: answer.situation,
        refused: `${answer.reason} in ${answer.region}`,
        requestId: answer.requestId ?? undefined,
        comment: answer.comment ?? undefined,
      })),
      ['at', 'device', 'said', 'refused', 'requestId', 'comment'],
    ),
    '',
    'Support grants',
    table(summary.grants, ['grantId', 'deviceId', 'expiresAt', 'actor', 'reason']),
    '',
    'Extra members',
    table(summary.extraMembers, ['deviceId', 'label', 'addedAt']),
  ].join('\n');
}
