/**
 * Household sketches by kind (household-sketch.ts): distinct households
 * counted by keyed hashes, never ids — *treated* (a session under
 * `challenge` or `enforce`), *refused* (such a session refused), *sent* (a
 * code sent), *verified* (a code verified), and per situation the refused
 * households that said it when asked why they are where they are (v1.4,
 * `said-<situation>`). A guard reads these, so one household moves a rate
 * by one household however many requests — or devices — it sends.
 */
import { FEEDBACK_SITUATIONS, type FeedbackSituation } from '../vocabulary';
import { HouseholdSketch, type HouseholdHash } from './household-sketch';

/** The kinds of v1.3: the first metrics schema step's columns (sql-schema.ts), never changed. */
export const DECISION_HOUSEHOLD_KINDS = ['treated', 'refused', 'sent', 'verified'] as const;
/** The kind counting the households that said `situation` (v1.4). */
export const saidKind = <S extends FeedbackSituation>(situation: S): `said-${S}` => `said-${situation}`;
export const FEEDBACK_HOUSEHOLD_KINDS = FEEDBACK_SITUATIONS.map(saidKind);
export const HOUSEHOLD_KINDS = [...DECISION_HOUSEHOLD_KINDS, ...FEEDBACK_HOUSEHOLD_KINDS] as const;
export type HouseholdKind = (typeof DECISION_HOUSEHOLD_KINDS)[number] | `said-${FeedbackSituation}`;
/** A kind's SQL column name (a hyphen is no identifier character). */
export const sketchColumn = (kind: HouseholdKind): string => kind.replaceAll('-', '_');
/** Household sketches by kind; a kind nobody was counted in is absent. */
export type Households = Partial<Record<HouseholdKind, HouseholdSketch>>;
/** Households sketches serialised, as they travel to the region's object and are stored there. */
export type HouseholdBytes = Partial<Record<HouseholdKind, Uint8Array>>;
/** Distinct-household estimates (the contract's `households`): by kind, and the refused households by what they said. */
export type HouseholdCounts = Record<(typeof DECISION_HOUSEHOLD_KINDS)[number], number> & { feedback: Record<FeedbackSituation, number> };

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
  const feedback = Object.fromEntries(FEEDBACK_SITUATIONS.map((situation) => [situation, households[saidKind(situation)]?.estimate() ?? 0])) as Record<FeedbackSituation, number>;
  return {
    treated: households.treated?.estimate() ?? 0,
    refused: households.refused?.estimate() ?? 0,
    sent: households.sent?.estimate() ?? 0,
    verified: households.verified?.estimate() ?? 0,
    feedback,
  };
}
