/**
 * What support reads of an account's keys and household events (contract
 * §2.1 "A device is its key", §6 "The owner hears of it"), the same words in
 * the ops CLI and the console. A key is shown by the short thumbprint the
 * admin API gives (its first 8 characters): enough to tell two keys apart
 * when a person reads it out, never the key. Homes and away access, the
 * owner's two ways (§6), are worded here too.
 */
import type { AccountSummary } from '../../generated/admin-api';

export type HouseholdEvent = AccountSummary['events'][number];
type SummaryDevice = AccountSummary['devices'][number];

const EVENT_WORDS: Record<HouseholdEvent['event'], string> = {
  device_signed_out: 'signed out',
  device_key_refused: 'refused: a token for its id came with another key or none (a copy of its id?)',
  anchor_changed: 'became the anchor TV',
  anchor_conflict: 'its id tried to move the household while the TV was at home; nothing moved',
};

const BY_WORDS: Record<NonNullable<HouseholdEvent['by']>, string> = {
  self: 'by the device itself',
  home: 'by a device at home',
  code: 'with the owner’s code',
  support: 'by support',
};

/** What happened to the event's device, in words (`device_key_refused` → "refused: …"). */
export function describeHouseholdEvent(event: Pick<HouseholdEvent, 'event'>): string {
  return EVENT_WORDS[event.event] ?? event.event;
}

/** Who signed a device out, in words; empty for the other events. */
export function describeSignOutBy(event: Pick<HouseholdEvent, 'by'>): string {
  return event.by ? `${BY_WORDS[event.by] ?? event.by} (${event.by})` : '';
}

/** A device's key as support reads it: `key 1a2b3c4d…`, or `not bound`. */
export function describeDeviceKey(device: Pick<SummaryDevice, 'bound' | 'keyThumbprint'>): string {
  if (device.bound && device.keyThumbprint) return `key ${device.keyThumbprint}…`;
  return device.bound ? 'bound' : 'not bound';
}

/** The account's events, newest first (the API's order, kept whatever order they come in). */
export function newestFirst(events: readonly HouseholdEvent[]): HouseholdEvent[] {
  return events.toSorted((a, b) => Date.parse(b.at) - Date.parse(a.at));
}

type SummaryHome = AccountSummary['homes'][number];

/** Which home it is: `primary`, or `second home` (contract §6: set from its TV with the owner's code). */
export function describeHome(home: Pick<SummaryHome, 'homeId'>): string {
  return home.homeId === 'primary' ? 'primary' : 'second home';
}

/** The TV that keeps a home, or why none does. */
export function describeHomeKeeper(home: Pick<SummaryHome, 'anchorDeviceId'>): string {
  return home.anchorDeviceId ?? 'none (signed out; the next TV seen at home there keeps it)';
}

/** How much away access the owner gave: `1 of 2 given in the last 365 days`. */
export function describeAwayAccessYear(away: Pick<AccountSummary['awayAccess'], 'givenInYear' | 'perYear'>): string {
  if (away.perYear === 0) return 'turned off (AWAY_ACCESS_PER_YEAR=0)';
  return `${away.givenInYear} of ${away.perYear} given in the last 365 days`;
}
