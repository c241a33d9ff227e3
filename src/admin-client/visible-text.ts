/**
 * Server text made safe to show a person: every character that a terminal or
 * a text renderer acts on instead of showing is written out as an escape.
 *
 * Trust boundary: audit notes, grant reasons, labels, ids and problem details
 * are written by whoever holds a write scope (or by a device); the ops CLI
 * and the console show them to an operator. An ESC sequence could erase or
 * rewrite lines of an operator's terminal, a newline could forge a table
 * row, and a bidi override could make text read backwards. Shown through
 * `visibleText`, each is seen for what it is: `\x1b[2K\r`, `\n`, `\u202e`.
 * A backslash is doubled, so an escape shown always stands for one character.
 */

/** C0 controls (ESC, CR, LF, …), DEL, C1 controls, line and paragraph separators, and the bidi controls. */
// oxlint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE = /[\\\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(character: string): string {
  const named = NAMED[character];
  if (named) return named;
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control, separator and bidi character (and backslash) written as a visible escape. */
export function visibleText(text: string): string {
  return text.replace(INVISIBLE, escapeOne);
}

/** A copy of `value` (an answer of the gate) with every string in it, keys included, passed through `visibleText`. */
export function visibleDeep<T>(value: T): T {
  if (typeof value === 'string') return visibleText(value) as T;
  if (Array.isArray(value)) return value.map((item) => visibleDeep(item)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [visibleText(key), visibleDeep(item)])) as T;
  }
  return value;
}

/**
 * `value` as JSON that a terminal shows as written: the same value when
 * parsed, with DEL, C1, separator and bidi characters (which JSON leaves raw)
 * written as `\u` escapes too.
 */
export function terminalSafeJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
