/**
 * ISO 8601 durations (`P31D`, `PT15M`, `PT6S`, `P1W`, `P1DT12H`, `PT0.5S`).
 *
 * Only exact units are accepted: weeks, days, hours, minutes and seconds.
 * Years and months have no fixed length, so `P1M` is refused with a message
 * pointing at days instead of being guessed at.
 */
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND, MS_PER_WEEK } from '../time';

const DURATION_PATTERN = /^P(?!$)(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?!$)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export class DurationError extends Error {}

/** Parses an ISO 8601 duration into milliseconds; throws DurationError when it is not one (or is zero, unless allowed). */
export function parseDurationMs(text: string, options: { allowZero?: boolean } = {}): number {
  const trimmed = text.trim().toUpperCase();
  const datePart = trimmed.split('T')[0] ?? '';
  if (trimmed.startsWith('P') && /[YM]/.test(datePart)) {
    throw new DurationError(`"${text}" uses years or months, which have no fixed length; use days (e.g. P30D)`);
  }
  const match = DURATION_PATTERN.exec(trimmed);
  if (!match) throw new DurationError(`"${text}" is not an ISO 8601 duration such as P31D or PT15M`);
  const [, weeks, days, hours, minutes, seconds] = match;
  const ms = num(weeks) * MS_PER_WEEK + num(days) * MS_PER_DAY + num(hours) * MS_PER_HOUR + num(minutes) * MS_PER_MINUTE + num(seconds) * MS_PER_SECOND;
  if (!Number.isFinite(ms) || ms < 0 || (ms === 0 && !options.allowZero)) throw new DurationError(`"${text}" must be longer than zero`);
  return Math.round(ms);
}

function num(part: string | undefined): number {
  return part === undefined ? 0 : Number(part);
}

export const MS = { second: MS_PER_SECOND, minute: MS_PER_MINUTE, hour: MS_PER_HOUR, day: MS_PER_DAY } as const;
