/**
 * The documents' shell walkthroughs as data: which `sh` blocks are
 * walkthroughs (`<!-- walkthrough: name -->`) and which are illustrative
 * (`<!-- illustrative: reason -->`), the commands in each, and the `# =>`
 * lines that say what a command prints. CONTRIBUTING.md, "Walkthroughs are
 * tests", is the convention; `walkthroughs.test.ts` runs them. Pure: reads
 * text, runs nothing.
 */

export interface WalkthroughCommand {
  /** The command as a reader pastes it (continuation lines joined with their backslashes). */
  text: string;
  /** `# =>` lines after it, without the marker. */
  expected: string[];
  /** Where it starts in its document (1-based), for messages. */
  line: number;
}

export interface Walkthrough {
  document: string;
  name: string;
  commands: WalkthroughCommand[];
  /**
   * Bindings its gate has beside `.dev.vars` (`<!-- walkthrough: name (gate: NAME=value NAME=value) -->`):
   * the document tells the reader to put them in `.dev.vars.local` and restart `npm run dev`.
   */
  vars?: Record<string, string>;
}

/** A walkthrough label's name and the gate bindings it asks for: `notice (gate: A=1 B=2)`. */
export function labelParts(label: string): { name: string; vars?: Record<string, string> } {
  const match = /^(.*?)\s*\(gate:\s*([^)]*)\)$/.exec(label);
  if (!match) return { name: label };
  const vars = Object.fromEntries(
    match[2]!
      .trim()
      .split(/\s+/)
      .map((pair) => pair.split('=', 2) as [string, string]),
  );
  return { name: match[1]!, vars };
}

export interface ShellBlock {
  document: string;
  line: number;
  /** `walkthrough` or `illustrative` from the comment above it, or null when it has none. */
  kind: 'walkthrough' | 'illustrative' | null;
  /** The walkthrough's name, or the reason it is illustrative. */
  label: string;
  lines: string[];
}

const SHELL_LANGUAGES = new Set(['sh', 'bash', 'shell', 'console']);
const MARK = /^<!--\s*(walkthrough|illustrative):\s*(.+?)\s*-->$/;

/** Every fenced shell block of a document, with the marking comment right above it (blank lines between allowed). */
export function shellBlocks(document: string, text: string): ShellBlock[] {
  const lines = text.split('\n');
  const blocks: ShellBlock[] = [];
  let lastMark: { kind: 'walkthrough' | 'illustrative'; label: string } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i]!.trim();
    const fence = /^(`{3,}|~{3,})\s*([\w-]*)/.exec(trimmed);
    if (!fence) {
      const mark = MARK.exec(trimmed);
      if (mark) lastMark = { kind: mark[1] as 'walkthrough' | 'illustrative', label: mark[2]! };
      else if (trimmed !== '') lastMark = null;
      continue;
    }
    // Find the fence's end: the same character, at least as long, alone on its line.
    const opener = fence[1]!;
    const indent = lines[i]!.length - lines[i]!.trimStart().length;
    let end = i + 1;
    while (end < lines.length && !new RegExp(`^${opener[0] === '`' ? '`' : '~'}{${opener.length},}\\s*$`).test(lines[end]!.trim())) end++;
    if (SHELL_LANGUAGES.has(fence[2]!)) {
      blocks.push({
        document,
        line: i + 1,
        kind: lastMark?.kind ?? null,
        label: lastMark?.label ?? '',
        lines: lines.slice(i + 1, end).map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length))),
      });
    }
    lastMark = null;
    i = end;
  }
  return blocks;
}

/** How many loops and conditions a line opens, less those it closes (comments and strings are not looked into: keep them plain). */
function compoundDepth(line: string): number {
  const code = line.replace(/\s#.*$/, '');
  const opened = code.match(/(?:^|[;&|]|\bthen|\bdo)\s*\b(?:for|while|until|if|case)\b/g)?.length ?? 0;
  const closed = code.match(/(?:^|[;&|])\s*\b(?:done|fi|esac)\b/g)?.length ?? 0;
  return opened - closed;
}

/** A block's commands: logical lines (backslash continuations joined), each with its `# =>` lines. */
export function commandsOf(block: ShellBlock): WalkthroughCommand[] {
  const commands: WalkthroughCommand[] = [];
  for (let i = 0; i < block.lines.length; i++) {
    const line = block.lines[i]!;
    const trimmed = line.trim();
    const expected = /^#\s?=>\s?(.*)$/.exec(trimmed);
    if (expected) {
      const last = commands.at(-1);
      if (!last) throw new Error(`${block.document}:${block.line + 1 + i}: a "# =>" line with no command above it`);
      last.expected.push(expected[1]!.trimEnd());
      continue;
    }
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const start = i;
    let text = line;
    // One command: backslash continuations, and a loop or condition up to its end (`for … done`, `if … fi`).
    let depth = compoundDepth(line);
    while ((/\\\s*$/.test(block.lines[i]!) || depth > 0) && i + 1 < block.lines.length) {
      text += `\n${block.lines[++i]!}`;
      depth += compoundDepth(block.lines[i]!);
    }
    commands.push({ text, expected: [], line: block.line + 1 + start });
  }
  return commands;
}

/** A document's walkthroughs, blocks of one name joined in order; and the shell blocks marked neither way. */
export function walkthroughsOf(document: string, text: string): { walkthroughs: Walkthrough[]; unmarked: ShellBlock[] } {
  const walkthroughs = new Map<string, Walkthrough>();
  const unmarked: ShellBlock[] = [];
  for (const block of shellBlocks(document, text)) {
    if (block.kind === null) unmarked.push(block);
    if (block.kind !== 'walkthrough') continue;
    const { name, vars } = labelParts(block.label);
    const walkthrough = walkthroughs.get(name) ?? { document, name, commands: [], ...(vars ? { vars } : {}) };
    walkthrough.commands.push(...commandsOf(block));
    walkthroughs.set(name, walkthrough);
  }
  return { walkthroughs: [...walkthroughs.values()], unmarked };
}

/**
 * An expected line as a regular expression over one line of output: `…` or
 * `...` is anything, `<time>` an ISO 8601 time, `<id>` an id, `<n>` a number,
 * `<code>` a six-digit code; everything else is literal.
 */
export function expectedLinePattern(expected: string): RegExp {
  const placeholders: Record<string, string> = {
    '…': '.*',
    '...': '.*',
    '<time>': '\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z',
    '<id>': '[A-Za-z0-9._:~-]+',
    '<n>': '-?\\d[\\d,.]*',
    '<code>': '\\d{6}',
  };
  const source = expected
    .split(/(…|\.\.\.|<time>|<id>|<n>|<code>)/)
    .map((part) => placeholders[part] ?? part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('');
  return new RegExp(`^${source}$`);
}

const ELIDED = '\u0000…';

/**
 * An expected line that is JSON with elisions (`{"reason":"IN_HOUSEHOLD",…}`)
 * as a value to match, or null when it is not JSON. An elided member or
 * element (`…` or `...` outside a string) becomes a sentinel, so the parsed
 * value says where more may stand.
 */
export function expectedJson(expected: string): unknown {
  if (!/^[[{]/.test(expected)) return null;
  const stack: string[] = [];
  let out = '';
  for (let i = 0; i < expected.length; i++) {
    const c = expected[i]!;
    if (c === '"') {
      const end = /^"(?:[^"\\]|\\.)*"/.exec(expected.slice(i));
      if (!end) return null;
      out += end[0];
      i += end[0].length - 1;
      continue;
    }
    if (c === '{' || c === '[') stack.push(c);
    if (c === '}' || c === ']') stack.pop();
    const elision = expected.startsWith('…', i) ? 1 : expected.startsWith('...', i) ? 3 : 0;
    if (elision > 0) {
      out += stack.at(-1) === '{' ? `${JSON.stringify(ELIDED)}:0` : JSON.stringify(ELIDED);
      i += elision - 1;
      continue;
    }
    out += c;
  }
  try {
    return JSON.parse(out);
  } catch {
    return null;
  }
}

/**
 * Whether an answer holds what an expected value shows: every member shown,
 * matched (extra members are fine); array elements in order, and no more
 * unless the array shows an elision; strings as `expectedLinePattern`.
 */
export function jsonMatches(expected: unknown, actual: unknown): boolean {
  if (typeof expected === 'string') return typeof actual === 'string' && expectedLinePattern(expected).test(actual);
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return false;
    const shown = expected.filter((item) => item !== ELIDED);
    let at = 0;
    for (const item of shown) {
      while (at < actual.length && !jsonMatches(item, actual[at])) at++;
      if (at === actual.length) return false;
      at++;
    }
    return shown.length < expected.length || actual.length === shown.length;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    return Object.entries(expected).every(([key, value]) => key === ELIDED || (key in actual && jsonMatches(value, (actual as Record<string, unknown>)[key])));
  }
  return expected === actual;
}

function lineMatcher(expected: string): (line: string) => boolean {
  const json = expectedJson(expected);
  if (json !== null) {
    return (line) => {
      try {
        return jsonMatches(json, JSON.parse(line));
      } catch {
        return false;
      }
    };
  }
  const pattern = expectedLinePattern(expected);
  return (line) => pattern.test(line);
}

/**
 * The expected lines not found in the output, in order (an empty list: it
 * matches). A JSON line is matched as JSON (the members shown, in any
 * order); any other line as a pattern, with trailing spaces and CRs trimmed.
 */
export function unmatchedLines(expected: string[], output: string): string[] {
  const lines = output.split('\n').map((line) => line.replace(/\s+$/, ''));
  let at = 0;
  for (let i = 0; i < expected.length; i++) {
    const matches = lineMatcher(expected[i]!);
    while (at < lines.length && !matches(lines[at]!)) at++;
    if (at === lines.length) return expected.slice(i);
    at++;
  }
  return [];
}
