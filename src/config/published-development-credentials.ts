/**
 * Every credential this repository publishes for development (dev/): the
 * public halves of the development signing keys and the development secrets.
 * A production gate refuses any of them (`500 MISCONFIGURED`), because anyone
 * who read this repository can sign tokens or recompute hashes with them.
 * `test/config/published-development-credentials.test.ts` keeps this list
 * equal to what dev/ actually holds.
 */

/** `x` of every development public key (device and admin), as in dev/development-keys.json. */
export const PUBLISHED_DEVELOPMENT_KEY_X = new Set(['pHVIdspQnu7XiAcFIzfaPRV-TB4qAT-OxMWNq5WbZIc', '0TGaOeUKqj3s4MdzxyKU_pOaeJrM3jmOL6fuoxxxwok', 'uWRZkCkm7s6lzhiJvNk6Z9UDXJIgeucNkPm4lLEGg7w']);

/** The development values of secrets, as in .dev.vars (the session key also in dev/development-keys.json). */
export const PUBLISHED_DEVELOPMENT_SECRETS = new Set(['gciceo0WhsIrMJwuqSKyWq_cbrFm05hhkRpsOYpr3jA', 'wslV2qiU4P9lwS0yCpk_R7tnA5TbYibWUbSE5Qv1nS0', 'AwwazW--N4o_IxyDT2iOd8ew4IfCT6Qh4zc3HGkFHoI']);
