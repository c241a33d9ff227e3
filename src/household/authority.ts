/**
 * Who may change another device (contract §6; DESIGN "one authorisation
 * step"): every fact as input, one answer — `self`, `home`, `code` — that
 * travels with the change into the owner's event. Pure: the device API asks
 * it, the property tests drive it.
 */
import { err, ok, type Result } from '../result';
import type { KeyStanding } from './devices';
import type { SignOutAuthority } from './events';

export interface SignOutFacts {
  requesterId: string;
  targetDeviceId: string;
  /** How the household sees the requester's key (`keyStanding`): a bound stranger to its own id is not that device. */
  standing: KeyStanding;
  /** Row 6 matched for the requester (on the source of truth). */
  atHome: boolean;
  /** The requester sent a code of a `sign-out` challenge (checked by the account's object with the change). */
  codeGiven: boolean;
}

/**
 * A device signs itself out always — but a bound stranger to an id with
 * unbound history is not that id's device, and signs nothing out as
 * "itself"; another device only from home or with the owner's code.
 */
export function signOutAuthority(facts: SignOutFacts): Result<Exclude<SignOutAuthority, 'support'>, { reason: 'VERIFICATION_REQUIRED' }> {
  if (facts.standing === 'other-key') return err({ reason: 'VERIFICATION_REQUIRED' });
  if (facts.targetDeviceId === facts.requesterId && facts.standing !== 'stranger') return ok('self');
  if (facts.atHome) return ok('home');
  if (facts.codeGiven) return ok('code');
  return err({ reason: 'VERIFICATION_REQUIRED' });
}
