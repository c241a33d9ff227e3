/**
 * visibleText: what the ops CLI and the console do to server text before an
 * operator sees it. Every character a terminal acts on is shown as an
 * escape; everything else is left as written.
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { terminalSafeJson, visibleDeep, visibleText } from '../../../src/admin-client/visible-text';

/** What a terminal or renderer would act on rather than show. */
// oxlint-disable-next-line no-control-regex -- what the test looks for
const ACTED_ON = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

// oxlint-disable-next-line no-control-regex -- what the test looks for
const ACTED_ON_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Reads an escaped text back: each escape stands for exactly one character. */
function unescape(shown: string): string {
  return shown.replace(/\\(?:x([0-9a-f]{2})|u([0-9a-f]{4})|(.))/g, (_, hex: string | undefined, unicode: string | undefined, named: string | undefined) => {
    if (hex !== undefined) return String.fromCharCode(parseInt(hex, 16));
    if (unicode !== undefined) return String.fromCharCode(parseInt(unicode, 16));
    return ({ n: '\n', r: '\r', t: '\t', '\\': '\\' } as Record<string, string>)[named!]!;
  });
}

describe('visibleText', () => {
  it('shows ESC sequences, carriage returns and newlines as escapes', () => {
    expect(visibleText('ok \x1b[2K\rforged\nline')).toBe('ok \\x1b[2K\\rforged\\nline');
  });

  it('shows DEL, C1 controls and bidi overrides as escapes', () => {
    expect(visibleText('a\x7fb\x9bc\x85d')).toBe('a\\x7fb\\x9bc\\x85d');
    expect(visibleText('\u202eevil\u202c \u2066x\u2069 \u200f')).toBe('\\u202eevil\\u202c \\u2066x\\u2069 \\u200f');
  });

  it('leaves ordinary text alone, accents, scripts and emoji included', () => {
    for (const text of ['Sofía’s laptop', 'Perú → enforce 20%', 'حساب', '日本語', '🎬 night', 'tab-free']) expect(visibleText(text)).toBe(text);
  });

  it('doubles a backslash, so an escape shown always stands for one character', () => {
    expect(visibleText('C:\\x1b')).toBe('C:\\\\x1b');
    expect(unescape(visibleText('C:\\x1b'))).toBe('C:\\x1b');
  });

  it('never lets a character a terminal acts on through, and loses nothing', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        const shown = visibleText(text);
        expect(shown).not.toMatch(ACTED_ON);
        expect(unescape(shown)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('reaches every string of an answer, keys included, and keeps the rest', () => {
    expect(visibleDeep({ entries: [{ note: 'a\x1bb', id: 3, ok: true, after: null }], ['k\u202e']: 'v' })).toEqual({
      entries: [{ note: 'a\\x1bb', id: 3, ok: true, after: null }],
      'k\\u202e': 'v',
    });
  });

  it('writes JSON a terminal shows as written, with the same value when parsed', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 30 })), (value) => {
        const json = terminalSafeJson(value, 2);
        // Newlines are the layout's own (JSON escapes a newline inside a string).
        expect(json).not.toMatch(ACTED_ON_BUT_NEWLINE);
        expect(JSON.parse(json)).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });
});
