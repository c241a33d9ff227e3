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
export const CHALLENGE_PURPOSES = ['access', 'primary-location'] as const;
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

/** A rollout region: ISO 3166-1 alpha-2, or `*` for every region without a rule of its own. */
export const REGION_PATTERN = /^(?:\*|[A-Z]{2})$/;

export const ADMIN_SCOPES = ['rollout:read', 'rollout:write', 'accounts:read', 'accounts:write', 'audit:read'] as const;
export type AdminScope = (typeof ADMIN_SCOPES)[number];
