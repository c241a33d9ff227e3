/**
 * What an erase keeps (contract §7): a floor, and nothing else. Every token
 * of the account issued at or before the erase's second answers
 * `DEVICE_REVOKED` until the last of them is past `DEVICE_TOKEN_MAX_AGE`, so
 * a device signed out last week, or the old TV, cannot come back by way of an
 * erase. A new sign-in carries a later `iat` and starts a new household,
 * which inherits the floor as its `signedOutBefore`.
 *
 * The floor holds no device, network, grant or name: the account's Durable
 * Object is named by the account id already, and KV finds it under the
 * account's household key (see storage-schema.md). At the edge it is read as
 * a household with nothing in it but `signedOutBefore`, so `isSignedOut` and
 * rows 4 and 5 of the decision need no special case.
 */
import { emptyHousehold, type Household } from './household';

export interface EraseFloor {
  /** Epoch ms of the erase: tokens issued (iat) at or before this second are refused. */
  signedOutBefore: number;
  /** Epoch ms after which every token the floor refuses is too old anyway: then it is forgotten. */
  until: number;
  /** Above the erased household's revision, so no isolate prefers the erased snapshot to the floor. */
  revision: number;
}

/** The floor as KV holds it, under the account's household key. */
export interface EraseFloorDocument {
  schema: 2;
  eraseFloor: EraseFloor;
}

/**
 * The floor of an erase at `erasedAt`. `tokenLifetimeMs` is the longest a
 * token is accepted after its `iat` (its maximum age and the clock skew
 * tolerated), so by `until` no token issued at or before the erase is.
 */
export function eraseFloor(erasedAt: number, tokenLifetimeMs: number, erasedRevision: number): EraseFloor {
  return { signedOutBefore: erasedAt, until: erasedAt + tokenLifetimeMs, revision: erasedRevision + 1 };
}

export function eraseFloorDocument(floor: EraseFloor): EraseFloorDocument {
  return { schema: 2, eraseFloor: floor };
}

export function isEraseFloorDocument(document: unknown): document is EraseFloorDocument {
  return typeof document === 'object' && document !== null && 'eraseFloor' in document;
}

/** The floor as the decision reads it: a household with no devices, networks or grants, not established, refusing tokens up to the floor. */
export function floorHousehold(accountId: string, floor: EraseFloor): Household {
  return { ...emptyHousehold(accountId, floor.signedOutBefore), revision: floor.revision, signedOutBefore: floor.signedOutBefore };
}

/**
 * A household made after an erase takes the floor in (in place): its
 * `signedOutBefore` is at least the erase, and its revision above the floor's.
 */
export function carryEraseFloor(household: Household, floor: EraseFloor): Household {
  household.signedOutBefore = Math.max(household.signedOutBefore ?? 0, floor.signedOutBefore);
  household.revision = Math.max(household.revision, floor.revision + 1);
  return household;
}
