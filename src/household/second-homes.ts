/**
 * Second homes (contract §6): with the owner's code a TV makes its network a
 * second home of the household and becomes that home's anchor; §4 applies
 * to each home and its anchor alike. At most SECOND_HOMES, and a second
 * home set or removed waits 90 days for the next change. Pure.
 */
import { MS_PER_DAY } from '../time';
import { type HomeNetwork, type Household, PRIMARY_HOME } from './household';

/** How long after a second home was set or removed the next change waits. */
export const SECOND_HOME_CHANGE_WAIT_MS = 90 * MS_PER_DAY;

/** The home a network belongs to. */
export function homeOf(network: Pick<HomeNetwork, 'homeId'>): string {
  return network.homeId ?? PRIMARY_HOME;
}

/** The TV that keeps `homeId` (the primary home's anchor, or a second home's); null: none. */
export function anchorOfHome(household: Household, homeId: string): string | null {
  if (homeId === PRIMARY_HOME) return household.anchorDeviceId;
  return household.secondHomes.find((home) => home.homeId === homeId)?.anchorDeviceId ?? null;
}

/** The home `deviceId` anchors, if any. */
export function homeAnchoredBy(household: Household, deviceId: string): string | null {
  if (household.anchorDeviceId === deviceId) return PRIMARY_HOME;
  return household.secondHomes.find((home) => home.anchorDeviceId === deviceId)?.homeId ?? null;
}

/** The household's refusal of one more second-home change: past SECOND_HOMES, or within 90 days of the last; null while one may be made. */
export function secondHomeLimit(household: Household | null, secondHomes: number, now: number, removing = false): { reason: 'SECOND_HOME_LIMIT'; retryAfterSeconds: number } | null {
  const last = household?.secondHomeChangesAt.filter((at) => at > now - SECOND_HOME_CHANGE_WAIT_MS).toSorted((a, b) => b - a)[0];
  if (last !== undefined) return { reason: 'SECOND_HOME_LIMIT', retryAfterSeconds: Math.max(1, Math.ceil((last + SECOND_HOME_CHANGE_WAIT_MS - now) / 1000)) };
  if (!removing && (household?.secondHomes.length ?? 0) >= secondHomes) return { reason: 'SECOND_HOME_LIMIT', retryAfterSeconds: Math.ceil(SECOND_HOME_CHANGE_WAIT_MS / 1000) };
  return null;
}

/**
 * Lets go of second homes left with no network (a move took its only one, or
 * its networks lapsed with nobody there): a home nothing can reach — its TV
 * cannot come home to it, nor remove it — would hold a SECOND_HOMES place for
 * ever. Not counted as a change (the 90-day wait): nobody made it.
 */
export function dropHomelessSecondHomes(household: Household): void {
  household.secondHomes = household.secondHomes.filter((home) => household.homeNetworks.some((network) => network.homeId === home.homeId));
}

/** The TV keeps one home: it leaves the anchor role of any second home it kept (that home waits for a TV seen at home there). */
export function leaveSecondHomes(household: Household, deviceId: string, now: number): void {
  household.secondHomes = household.secondHomes.map((home) => (home.anchorDeviceId === deviceId ? { ...home, anchorDeviceId: null, updatedAt: now } : home));
}
