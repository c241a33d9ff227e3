/** Units of time, one name each, and the conversion JWTs need (seconds since the epoch). */
export const MS_PER_SECOND = 1000;
export const MS_PER_MINUTE = 60 * MS_PER_SECOND;
export const MS_PER_HOUR = 60 * MS_PER_MINUTE;
export const MS_PER_DAY = 24 * MS_PER_HOUR;
export const MS_PER_WEEK = 7 * MS_PER_DAY;

/** Whole seconds since the epoch, as JWT `iat`/`exp` count them. */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / MS_PER_SECOND);
}
