/**
 * The gate's words, defined once: device types, the id pattern, code purposes,
 * rollout modes and regions, home evidence, admin scopes. This module imports nothing, so the Worker, the
 * ops CLI (plain Node), the pages' scripts and the tests all share it.
 */

/** Account, device, grant and challenge ids (docs/api.md: `[A-Za-z0-9._:-]{1,128}`). */
export const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export const DEVICE_TYPES = ['tv', 'mobile', 'tablet', 'web', 'console', 'other'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/**
 * What a verification code is for (contract §6): `access` gives a travelling
 * device temporary access; `primary-location` lets a TV move the household.
 * A code of one purpose never serves the other.
 */
export const CHALLENGE_PURPOSES = ['access', 'primary-location', 'sign-out', 'second-home', 'away-access'] as const;
export type ChallengePurpose = (typeof CHALLENGE_PURPOSES)[number];

export const MODES = ['off', 'monitor', 'challenge', 'enforce'] as const;
export type Mode = (typeof MODES)[number];

/**
 * What made a request "at home" (row 6): a home network that is not shared,
 * the household's anchor TV itself, or — on a shared network — the address
 * the TV used there within the co-presence window.
 */
export const HOME_EVIDENCE = ['network', 'anchor', 'copresence'] as const;
export type HomeEvidence = (typeof HOME_EVIDENCE)[number];

/**
 * Why a refused viewer says they are where they are (contract §8, "Hearing
 * the refused"): one question after every refusal, counted per region by
 * households. `posted-away` is a military or work posting.
 */
export const FEEDBACK_SITUATIONS = ['live-here', 'travelling', 'studying', 'posted-away', 'second-home', 'other'] as const;
export type FeedbackSituation = (typeof FEEDBACK_SITUATIONS)[number];

/** A rollout region: ISO 3166-1 alpha-2, or `*` for every region without a rule of its own. */
export const REGION_PATTERN = /^(?:\*|[A-Z]{2})$/;

export const ADMIN_SCOPES = ['rollout:read', 'rollout:write', 'rollout:approve', 'rollout:skip-notice', 'accounts:read', 'accounts:write', 'audit:read'] as const;
export type AdminScope = (typeof ADMIN_SCOPES)[number];

/** Cloudflare's country code for a request whose country it could not tell; such requests follow the `*` rule. */
export const UNKNOWN_COUNTRY = 'XX';

/** Region codes the locale data knows that no request carries: groups of countries and "unknown region". */
const NOT_COUNTRIES: Record<string, string> = { EU: 'the European Union', EZ: 'the eurozone', UN: 'the United Nations', QO: 'Outlying Oceania', ZZ: '"unknown region"' };

/**
 * Why a rollout rule for `region` could never apply, in words, or null when it
 * can: a request's region is the two-letter country Cloudflare gives it
 * (docs/api.md), so a rule for `XX`, for a group such as `EU`, for an old
 * code such as `UK` (requests carry `GB`) or for a code no country has would
 * sit unused. The country list is the runtime's own (Intl), not one kept here.
 */
export function regionNeverApplies(region: string): string | null {
  if (region === '*' || !REGION_PATTERN.test(region)) return null;
  if (region === UNKNOWN_COUNTRY) return `${UNKNOWN_COUNTRY} is the code for a request whose country could not be told; such requests follow the * rule, never a rule of ${UNKNOWN_COUNTRY}`;
  if (NOT_COUNTRIES[region]) return `${region} stands for ${NOT_COUNTRIES[region]}, not a country; a request's region is always one country`;
  const canonical = new Intl.Locale('und', { region }).region;
  if (canonical && canonical !== region) return `${region} is an old code; requests from there carry ${canonical}`;
  if (new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' }).of(region) === undefined) return `${region} is not a country code (ISO 3166-1 alpha-2); no request carries it`;
  return null;
}

/** What the account owner hears of (contract §6, `household_event`). */
export const HOUSEHOLD_EVENT_NAMES = ['device_signed_out', 'device_key_refused', 'anchor_changed', 'anchor_conflict'] as const;
export type HouseholdEventName = (typeof HOUSEHOLD_EVENT_NAMES)[number];

/** Who signed a device out: the device itself, a device at home, a device with the owner's code, or support. */
export const SIGN_OUT_AUTHORITIES = ['self', 'home', 'code', 'support'] as const;
export type SignOutAuthority = (typeof SIGN_OUT_AUTHORITIES)[number];
