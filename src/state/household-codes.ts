/**
 * What the owner's codes change in a household: opening a code (access, a
 * move, another device's sign-out), checking it, and the change it pays
 * for — temporary access, the primary location, a sign-out — stored in one
 * batch with the code marked used. One room of the account's Durable Object
 * (household-store.ts), which wires it to its storage through
 * `HouseholdRoom`; the rules themselves are the household's pure transitions.
 */
import { holdsHistory, keyStanding } from '../household/devices';
import { activeHomeNetworks, homeWithoutAnchorRole } from '../household/home-networks';
import { eventsOfChange, type HouseholdEventFinding } from '../household/events';
import { emptyHousehold, type Household, type HouseholdLimits, type SharingReading } from '../household/household';
import { primaryLocationChangesUsed, removeSecondHome, setPrimaryLocation, setSecondHome, signOutDevice } from '../household/transitions';
import { verifiedAccess } from '../household/travel-access';
import { awayAccessLimit, grantAwayAccess } from '../household/away-access';
import { secondHomeLimit } from '../household/second-homes';
import { awayAccessGiven, secondHomeChanged } from './audit-entries';
import type { HolderId, NetworkId } from '../network/network-id';
import { err, ok, type Err } from '../result';
import type { ChallengeBook } from './challenge-book';
import type { EventContext } from './household-events';
import type {
  AuditDelivery,
  AwayAccessInput,
  AwayAccessResult,
  ChallengeRequest,
  OpenChallengeResult,
  PrimaryLocationInput,
  PrimaryLocationLimited,
  PrimaryLocationResult,
  SecondHomeInput,
  SecondHomeResult,
  SignOutInput,
  SignOutResult,
  VerifyChallengeInput,
  VerifyChallengeResult,
} from './household-store-api';

/** What the codes need of the object around them. */
export interface HouseholdRoom {
  household(): Promise<Household | null>;
  save(household: Household, audit?: Array<Omit<AuditDelivery, 'origin' | 'at'>>, extra?: Record<string, unknown>): Promise<Household>;
  readSharing(networkId: NetworkId | null, holderId: HolderId | null, limits: HouseholdLimits): Promise<SharingReading | null>;
  stageEvents(accountId: string, findings: readonly HouseholdEventFinding[], context: EventContext, now: number): Promise<Record<string, unknown>>;
  ensureSchema(): void;
}

export class HouseholdCodes {
  constructor(
    private readonly challenges: ChallengeBook,
    private readonly room: HouseholdRoom,
  ) {}

  /**
   * Opens a challenge for a device: a fresh code, counted against the
   * device's and the account's hourly allowance whatever its purpose. A
   * `primary-location` code is refused before it exists when the household
   * has no location change left, so the owner is never sent a code that
   * cannot work. The caller delivers the code and withdraws the challenge if
   * delivery fails, so a failed delivery costs the person nothing.
   */
  async open(deviceId: string, codeTtlMs: number, request: ChallengeRequest = { purpose: 'access' }, region?: string): Promise<OpenChallengeResult> {
    const now = Date.now();
    if (request.purpose === 'primary-location') {
      const refused = changeLimitRefusal(await this.room.household(), request.maxChanges, request.limits, now);
      if (refused) return refused;
    }
    // A code to sign out a device the household does not hold would reach the owner for nothing.
    if (request.purpose === 'sign-out' && !holdsHistory(await this.room.household(), request.targetDeviceId)) return err({ reason: 'DEVICE_NOT_FOUND' });
    // A limit the code could not get past answers before a code is sent (contract §6).
    if (request.purpose === 'second-home') {
      const refused = secondHomeLimit(await this.room.household(), request.secondHomes, now, request.removing);
      if (refused) return err(refused);
    }
    if (request.purpose === 'away-access') {
      const refused = awayAccessLimit(await this.room.household(), request.perYear, now);
      if (refused) return err(refused);
    }
    this.room.ensureSchema();
    const scope =
      request.purpose === 'sign-out'
        ? { targetDeviceId: request.targetDeviceId }
        : request.purpose === 'away-access'
          ? { days: request.days }
          : request.purpose === 'second-home'
            ? { removing: request.removing }
            : {};
    return this.challenges.open(deviceId, request.purpose, codeTtlMs, region, now, scope);
  }

  /**
   * Makes the TV's network a second home with the owner's code of a
   * `second-home` challenge the TV opened: within SECOND_HOMES and the 90-day
   * wait, not a network already home, and only by the id's own key (a bound
   * stranger to an id with unbound history takes no home in its name). The
   * network's sharing count is read for it; the change, the code used and
   * its audit entry are one batch.
   */
  async setSecondHome(accountId: string, input: SecondHomeInput): Promise<SecondHomeResult> {
    const checked = await this.challenges.check('second-home', { ...input, removing: false }, Date.now());
    if (!checked.ok) return checked.error.reason === 'CHALLENGE_NOT_FOUND' ? err({ reason: 'VERIFICATION_REQUIRED' }) : err(checked.error);
    // Refused before the network's sharing count is told of this household: a hold an erase could never release.
    const before = secondHomeRefusal((await this.room.household()) ?? emptyHousehold(accountId, Date.now()), input, Date.now());
    if (before) return err(before);
    const reading = await this.room.readSharing(input.place.networkId, input.place.holderId, input.limits);
    // Read again after the call out: another request may have changed the homes or used the code meanwhile.
    const now = Date.now();
    const current = (await this.room.household()) ?? emptyHousehold(accountId, now);
    const refused = secondHomeRefusal(current, input, now);
    if (refused) return err(refused);
    const spent = await this.challenges.spend(checked.value, now);
    if (!spent.ok) return spent;
    const next = setSecondHome(current, input.deviceId, input.place, reading, input.limits, now, input.place.keyThumbprint ?? null);
    const home = next.secondHomes.at(-1)!;
    return ok({ household: await this.room.save(next, [{ entry: secondHomeChanged(accountId, 'set', home) }], spent.value) });
  }

  /**
   * Removes the second home this TV keeps, with a `second-home` code it asked to remove it (whose message said so):
   * a code asked to set one never removes the household's.
   */
  async removeSecondHome(accountId: string, input: SecondHomeInput): Promise<SecondHomeResult> {
    const now = Date.now();
    const checked = await this.challenges.check('second-home', { ...input, removing: true }, now);
    if (!checked.ok) return checked.error.reason === 'CHALLENGE_NOT_FOUND' ? err({ reason: 'VERIFICATION_REQUIRED' }) : err(checked.error);
    const current = await this.room.household();
    const home = current?.secondHomes.find((second) => second.anchorDeviceId === input.deviceId);
    if (!current || !home) return err({ reason: 'SECOND_HOME_NOT_FOUND' });
    const limited = secondHomeLimit(current, input.secondHomes, now, true);
    if (limited) return err(limited);
    const spent = await this.challenges.spend(checked.value, now);
    if (!spent.ok) return spent;
    const next = removeSecondHome(current, home.homeId, now)!;
    return ok({ household: await this.room.save(next, [{ entry: secondHomeChanged(accountId, 'remove', home) }], spent.value) });
  }

  /**
   * Away access for the device that opened an `away-access` challenge, with
   * the owner's code: for the days the code was asked with (or fewer, asked
   * now), counted against the account's year; the code is used in the same
   * batch, and the change audited with the owner's code as its evidence.
   */
  async giveAwayAccess(accountId: string, input: AwayAccessInput): Promise<AwayAccessResult> {
    const now = Date.now();
    const checked = await this.challenges.check('away-access', input, now);
    if (!checked.ok) return checked.error.reason === 'CHALLENGE_NOT_FOUND' ? err({ reason: 'VERIFICATION_REQUIRED' }) : err(checked.error);
    const coded = (await this.challenges.daysOf(checked.value)) ?? 0;
    const days = input.days ?? coded;
    if (days > coded) return err({ reason: 'DAYS_OVER_CODE', days: coded });
    const current = (await this.room.household()) ?? emptyHousehold(accountId, now);
    const granted = grantAwayAccess(current, { deviceId: input.deviceId, deviceType: input.deviceType, days, keyThumbprint: input.keyThumbprint, perYear: input.perYear }, now);
    if (!granted.ok) return granted;
    const spent = await this.challenges.spend(checked.value, now);
    if (!spent.ok) return spent;
    const expiresAt = granted.value.devices.get(input.deviceId)!.awayAccessUntil!;
    const audit = awayAccessGiven(accountId, input.deviceId, days, expiresAt);
    return ok({ expiresAt, household: await this.room.save(granted.value, [{ entry: audit }], spent.value) });
  }

  /** Takes back a challenge whose code could not be delivered: it no longer counts. */
  async withdraw(challengeId: string): Promise<void> {
    await this.challenges.withdraw(challengeId);
  }

  /**
   * Checks an `access` code; a right one grants the device temporary access
   * and is used up with it. The answer names the region the code was sent in
   * (the record remembers it), where the funnel counts the attempt.
   */
  async verify(accountId: string, input: VerifyChallengeInput): Promise<VerifyChallengeResult> {
    const result = await this.#verifyAccess(accountId, input);
    const region = result.ok || result.error.reason !== 'CHALLENGE_NOT_FOUND' ? await this.challenges.regionOf(input.challengeId) : undefined;
    return region !== undefined ? { ...result, region } : result;
  }

  async #verifyAccess(accountId: string, input: VerifyChallengeInput): Promise<VerifyChallengeResult> {
    const now = Date.now();
    const checked = await this.challenges.check('access', input, now);
    if (!checked.ok) return checked;
    const current = (await this.room.household()) ?? emptyHousehold(accountId, now);
    const granted = verifiedAccess(current, input, input.limits, now);
    if (!granted.ok) return granted;
    const spent = await this.challenges.spend(checked.value, now);
    if (!spent.ok) return spent;
    const household = await this.room.save(granted.value, [], spent.value);
    return ok({ expiresAt: household.devices.get(input.deviceId)!.temporaryAccessUntil!, household });
  }

  /**
   * Makes the TV's network the primary location with the owner's code of a
   * `primary-location` challenge the TV opened, at most `maxChanges` times
   * per travel window. The code is checked as verify checks one; the
   * network's sharing count is read for the change; then the change and the
   * code marked used are stored in one batch.
   */
  async setPrimaryLocation(accountId: string, input: PrimaryLocationInput): Promise<PrimaryLocationResult> {
    const checked = await this.challenges.check('primary-location', input, Date.now());
    if (!checked.ok) return checked.error.reason === 'CHALLENGE_NOT_FOUND' ? err({ reason: 'VERIFICATION_REQUIRED' }) : err(checked.error);
    const refused = changeLimitRefusal(await this.room.household(), input.maxChanges, input.limits, Date.now());
    if (refused) return refused;
    // The key is checked before the network's sharing count is told of this household (a hold an erase could not release).
    const early = moveKeyRefusal((await this.room.household()) ?? emptyHousehold(accountId, Date.now()), input, Date.now());
    if (early) return err(early);
    const reading = await this.room.readSharing(input.place.networkId, input.place.holderId, input.limits);
    // Read again after the call out: another request may have moved the household or used the code meanwhile.
    const now = Date.now();
    const current = (await this.room.household()) ?? emptyHousehold(accountId, now);
    const limited = changeLimitRefusal(current, input.maxChanges, input.limits, now);
    if (limited) return limited;
    const keyRefused = moveKeyRefusal(current, input, now);
    if (keyRefused) return err(keyRefused);
    const spent = await this.challenges.spend(checked.value, now);
    if (!spent.ok) return spent;
    const next = setPrimaryLocation(current, input.deviceId, input.place, reading, input.limits, now, input.place.keyThumbprint ?? null);
    const events = input.place.context ? await this.room.stageEvents(accountId, eventsOfChange(await this.room.household(), next), input.place.context, now) : {};
    return ok({ household: await this.room.save(next, [], { ...spent.value, ...events }) });
  }

  /**
   * Signs a device of this household out on the authority the edge found
   * (`SignOutInput`): with `code`, the owner's code of a `sign-out` challenge
   * the asking device opened for this device is checked here and used in the
   * same batch as the sign-out. Everything the device held ends with it
   * (household/transitions.ts), and the owner hears of it.
   */
  async signOut(accountId: string, input: SignOutInput): Promise<SignOutResult> {
    const now = Date.now();
    // A device may always sign itself out; one the household holds nothing for has nothing to end, and its
    // sign-out changes nothing (a mark would refuse the id's next sign-in for no one's good). Another device must be held here.
    const self = input.authority === 'self';
    if (!holdsHistory(await this.room.household(), input.deviceId))
      return self ? ok({ household: (await this.room.household()) ?? emptyHousehold(accountId, now) }) : err({ reason: 'DEVICE_NOT_FOUND' });
    let spent: Record<string, unknown> = {};
    if (input.authority === 'code') {
      if (!input.code) return err({ reason: 'VERIFICATION_REQUIRED' });
      const guess = { ...input.code, deviceId: input.requesterId, targetDeviceId: input.deviceId };
      const checked = await this.challenges.check('sign-out', guess, now);
      if (!checked.ok) return checked.error.reason === 'CHALLENGE_NOT_FOUND' ? err({ reason: 'VERIFICATION_REQUIRED' }) : err(checked.error);
      const used = await this.challenges.spend(checked.value, now);
      if (!used.ok) return used;
      spent = used.value;
    }
    // Read again after the awaits: the device may have been signed out meanwhile (it is still signed out, once).
    const current = await this.room.household();
    if (!current || !holdsHistory(current, input.deviceId)) return self && current ? ok({ household: current }) : err({ reason: 'DEVICE_NOT_FOUND' });
    const deviceType = current.devices.get(input.deviceId)?.type ?? input.deviceType ?? 'other';
    const events = await this.room.stageEvents(accountId, [{ event: 'device_signed_out', deviceId: input.deviceId, deviceType, by: input.authority }], input.context, now);
    return ok({ household: await this.room.save(signOutDevice(current, input.deviceId, input.limits, now, deviceType), [], { ...spent, ...events }) });
  }

  /**
   * v1.3's `signOut(deviceId, limits)`: a Worker of the release before checked only that the requester is of the household,
   * and sent no authority, so nothing is told to the owner. Remove in the release after v1.4.
   */
  async signOutAsBefore(deviceId: string, limits: HouseholdLimits): Promise<SignOutResult> {
    const current = await this.room.household();
    const device = current?.devices.get(deviceId);
    if (!current || !device) return err({ reason: 'DEVICE_NOT_FOUND' });
    return ok({ household: await this.room.save(signOutDevice(current, deviceId, limits, Date.now(), device.type)) });
  }
}

/** Why a TV's network may not become a second home now: the key, the network already home, or the limits; null when it may. */
function secondHomeRefusal(current: Household, input: SecondHomeInput, now: number): Exclude<SecondHomeResult, { ok: true }>['error'] | null {
  const key = input.place.keyThumbprint ?? null;
  const standing = keyStanding(current, { deviceId: input.deviceId, keyThumbprint: key }, () =>
    homeWithoutAnchorRole(current, input.deviceId, input.place.networkId, input.place.addressId, input.limits, now),
  );
  if (standing === 'stranger') return { reason: 'BIND_AT_HOME' };
  if (standing === 'other-key') return { reason: 'DEVICE_PROOF_REQUIRED' };
  if (activeHomeNetworks(current, input.limits, now).some((network) => network.networkId === input.place.networkId)) return { reason: 'ALREADY_HOME' };
  return secondHomeLimit(current, input.secondHomes, now);
}

/**
 * The TV's key speaks for its id (contract §2.1): a bound copy of an id with unbound history, not home, takes
 * neither the id's key nor its anchor role by a move; another key never does. The code is left unused.
 */
function moveKeyRefusal(current: Household, input: PrimaryLocationInput, now: number): { reason: 'BIND_AT_HOME' | 'DEVICE_PROOF_REQUIRED' } | null {
  const key = input.place.keyThumbprint ?? null;
  const standing = keyStanding(current, { deviceId: input.deviceId, keyThumbprint: key }, () =>
    homeWithoutAnchorRole(current, input.deviceId, input.place.networkId, input.place.addressId, input.limits, now),
  );
  if (standing === 'stranger') return { reason: 'BIND_AT_HOME' };
  if (standing === 'other-key') return { reason: 'DEVICE_PROOF_REQUIRED' };
  return null;
}

/** The household's refusal of one more primary-location change, with when the oldest change in the window leaves it; null while changes are left. */
function changeLimitRefusal(household: Household | null, maxChanges: number, limits: HouseholdLimits, now: number): Err<PrimaryLocationLimited> | null {
  if ((household ? primaryLocationChangesUsed(household, limits, now) : 0) < maxChanges) return null;
  const oldest = household?.primaryLocationChangesAt.filter((at) => at > now - limits.travelWindowMs).toSorted((a, b) => a - b)[0] ?? now;
  return err({ reason: 'PRIMARY_LOCATION_CHANGE_LIMIT', retryAfterSeconds: Math.max(1, Math.ceil((oldest + limits.travelWindowMs - now) / 1000)) });
}
