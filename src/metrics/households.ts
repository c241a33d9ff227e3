/**
 * Household sketches by kind (household-sketch.ts): distinct households
 * counted by keyed hashes, never ids — *treated* (a session under
 * `challenge` or `enforce`), *refused* (such a session refused), *sent* (a
 * code sent) and *verified* (a code verified). A guard reads these, so one
 * household moves a rate by one household however many requests it sends.
 */
import { HouseholdSketch, type HouseholdHash } from './household-sketch';

export const HOUSEHOLD_KINDS = ['treated', 'refused', 'sent', 'verified'] as const;
export type HouseholdKind = (typeof HOUSEHOLD_KINDS)[number];
/** Household sketches by kind; a kind nobody was counted in is absent. */
export type Households = Partial<Record<HouseholdKind, HouseholdSketch>>;
/** Households sketches serialised, as they travel to the region's object and are stored there. */
export type HouseholdBytes = Partial<Record<HouseholdKind, Uint8Array>>;
/** Distinct-household estimates by kind (the contract's `households`). */
export type HouseholdCounts = Record<HouseholdKind, number>;

/** Adds `household` to the `kind` sketch of `households`. */
export function countHousehold(households: Households, kind: HouseholdKind, household: HouseholdHash): void {
  (households[kind] ??= new HouseholdSketch()).add(household);
}

/** Merges `source` (live or serialised) into `target`. */
export function mergeHouseholds(target: Households, source: Households | HouseholdBytes): Households {
  for (const kind of HOUSEHOLD_KINDS) {
    const sketch = source[kind];
    if (sketch === undefined) continue;
    (target[kind] ??= new HouseholdSketch()).merge(sketch instanceof HouseholdSketch ? sketch : HouseholdSketch.deserialise(sketch));
  }
  return target;
}

export function serialiseHouseholds(households: Households): HouseholdBytes {
  const bytes: HouseholdBytes = {};
  for (const kind of HOUSEHOLD_KINDS) if (households[kind] && !households[kind].empty) bytes[kind] = households[kind].serialise();
  return bytes;
}

export function householdCounts(households: Households): HouseholdCounts {
  return { treated: households.treated?.estimate() ?? 0, refused: households.refused?.estimate() ?? 0, sent: households.sent?.estimate() ?? 0, verified: households.verified?.estimate() ?? 0 };
}
