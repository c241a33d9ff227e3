/**
 * Times as the console shows them: the viewer's own date and clock, with the
 * offset from UTC written out (`2026-12-01 07:40 UTC−05:00`), so two people
 * in different zones can still tell they mean the same instant. Sortable,
 * unambiguous in every language, and the exact ISO instant stays in the
 * `<time datetime>` beside it.
 */

/** An ISO 8601 instant as the API writes it (`2026-12-01T12:40:00.000Z`). */
const INSTANT = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g;
const WHOLE_INSTANT = new RegExp(`^${INSTANT.source}$`);

const pad = (n: number) => String(n).padStart(2, '0');

/** `instant` in the viewer's zone, minutes precise, with its offset (U+2212 for a negative one). */
export function localTime(instant: string | number | Date): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return String(instant);
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '−' : '+';
  const hours = Math.floor(Math.abs(offset) / 60);
  const minutes = Math.abs(offset) % 60;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())} UTC${sign}${pad(hours)}:${pad(minutes)}`;
}

/** Whether `text` is one instant and nothing else (a table cell to show as a `<time>`). */
export const isInstant = (text: string): boolean => WHOLE_INSTANT.test(text);

/** `text` with every instant in it written as `localTime` writes it. */
export const localTimesIn = (text: string): string => text.replace(INSTANT, (instant) => localTime(instant));
