/**
 * The ops CLI's command line: the options every command draws from, what a
 * command is, the strict reader (node:util parseArgs) and the readers of one
 * option's value. A mistake in the command line is a UsageError (exit 2 with
 * the command's usage line); nothing here talks to the gate.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { AdminApi } from '../../src/admin-client/client.ts';
import ipaddr from 'ipaddr.js';

/** A mistake in the command line: exit 2, with the command's usage line. */
export class UsageError extends Error {}
/** The gate refused, or could not be reached: exit 1. */
export class RefusedError extends Error {}
/** A change that looks like a mistake (a rule that never applies, an account never seen): exit 2 unless --yes. */
export class UnconfirmedError extends Error {}

/** Every option any command takes; each command names the ones it accepts. */
export const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  percent: { type: 'string' },
  'fail-closed': { type: 'boolean' },
  'fail-open': { type: 'boolean' },
  note: { type: 'string' },
  'if-match': { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  device: { type: 'string' },
  ip: { type: 'string' },
  country: { type: 'string' },
  type: { type: 'string' },
  days: { type: 'string' },
  reason: { type: 'string' },
  label: { type: 'string' },
  scope: { type: 'string' },
  sub: { type: 'string' },
  ttl: { type: 'string' },
  yes: { type: 'boolean' },
  'skip-notice': { type: 'boolean' },
  window: { type: 'string' },
  stages: { type: 'string' },
  guard: { type: 'string' },
  since: { type: 'string' },
  step: { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;
export type OptionName = keyof typeof OPTIONS;

/** The options as a command reads them: booleans as booleans, the rest as strings. */
export type Flags = {
  [Name in OptionName]?: (typeof OPTIONS)[Name]['type'] extends 'boolean' ? boolean : string;
};

/** What a running command is given: its options, and the gate to ask (gate.ts builds it). */
export interface OpsContext {
  flags: Flags;
  /** The typed admin client. */
  admin: AdminApi;
  /** One admin call, its answer made safe for a terminal (unless --json); a refusal in words. */
  call: <T>(request: () => Promise<{ data?: T; error?: unknown; response: Response }>) => Promise<T>;
  /** One admin call, its answer exactly as the gate gave it (to send back). */
  exact: <T>(request: () => Promise<{ data?: T; error?: unknown; response: Response }>) => Promise<T>;
  /** Prints an answer: with --json as JSON, else in words. */
  output: (value: unknown, human: () => string) => void;
  /** Stops a change that looks like a mistake unless --yes says it is meant. */
  confirm: (warning: string, goOn: string) => void;
}

/** Options every command takes. */
const GLOBAL_OPTIONS: ReadonlySet<OptionName> = new Set(['json', 'help']);

/** One command of the CLI: its words, arguments, options, help, and what it does. */
export interface Command {
  /** The words that name it: `rollout set`. */
  name: string;
  /** Its positional arguments, in order; a trailing `?` marks an optional one. */
  args: readonly string[];
  /** The command's usage line after its name. */
  usage: string;
  summary: string;
  options: readonly OptionName[];
  /** More help: option grammar, examples. */
  more?: string;
  /** Runs it with its checked arguments. */
  run: (args: string[], context: OpsContext) => Promise<void>;
}

/** `npm run ops -- rollout set REGION MODE …`. */
export const usageLine = (command: Command) => `npm run ops -- ${command.name}${command.usage ? ` ${command.usage}` : ''}`;

/** The command named by the leading words: the longest name that matches. */
export function findCommand(commands: readonly Command[], words: string[]): Command | undefined {
  return commands.filter((command) => command.name.split(' ').every((word, i) => words[i] === word)).toSorted((a, b) => b.name.length - a.name.length)[0];
}

/** What the group's words may continue with, for "rollout frobnicate". */
export function commandsUnder(commands: readonly Command[], group: string): string[] {
  return commands
    .filter((command) => command.name.startsWith(`${group} `))
    .map((command) => command.name.slice(group.length + 1).split(' ')[0]!)
    .filter((word, i, all) => all.indexOf(word) === i);
}

/** What the command line says: the command (if any word names one), its options and arguments. */
export interface CommandLine {
  command: Command | undefined;
  flags: Flags;
  args: string[];
  help: boolean;
}

/**
 * The command line, read strictly (node:util parseArgs, strict): an option no
 * command knows, an option this command does not take, a missing or extra
 * word are usage errors. A word in brackets, such as `[--fail-closed]` copied
 * from a usage line, is an extra word like any other.
 */
export function readCommandLine(commands: readonly Command[], argv: string[]): CommandLine {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs says e.g. "Unknown option '--percnt'. To specify a positional…": the first sentence is the mistake.
    const message = error instanceof Error ? optionMistake(error.message, Object.keys(OPTIONS)) : 'cannot read the command line';
    const command = findCommand(
      commands,
      argv.filter((arg) => !arg.startsWith('-')),
    );
    throw Object.assign(new UsageError(message), { command });
  }
  const flags = parsed.values as Flags;
  const command = findCommand(commands, parsed.positionals);
  const help = flags.help === true;
  if (!command) return { command, flags, args: parsed.positionals, help };
  const args = parsed.positionals.slice(command.name.split(' ').length);
  if (help) return { command, flags, args, help };
  const mistake = (message: string) => {
    throw Object.assign(new UsageError(message), { command });
  };
  for (const name of Object.keys(flags) as OptionName[]) {
    if (!GLOBAL_OPTIONS.has(name) && !command.options.includes(name)) mistake(`${command.name} does not take --${name}`);
  }
  const needed = command.args.filter((arg) => !arg.endsWith('?'));
  if (args.length < needed.length) mistake(`missing ${command.args[args.length]!.replace(/\?$/, '')}`);
  if (args.length > command.args.length)
    mistake(
      `unexpected ${args
        .slice(command.args.length)
        .map((word) => `"${word}"`)
        .join(' ')}${args.slice(command.args.length).some((word) => /^\[.*\]$/.test(word)) ? ' (brackets in a usage line mark what is optional: write the option itself, or leave it out)' : ''}`,
    );
  return { command, flags, args, help };
}

/** An option or argument the command cannot do without. */
export function required(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`missing ${what}`);
  return value;
}

/** A whole number, or nothing when the option is absent. */
export function integer(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number)) throw new UsageError(`${what} must be a whole number`);
  return number;
}

/** One of the allowed words. */
export function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${what} must be one of ${allowed.join(', ')}`);
  return value as T;
}

/**
 * parseArgs's complaint as a person reads it: its first sentence ("unknown
 * option '--acount'"), and the option meant when one is a letter or two away
 * ("did you mean --account?").
 */
export function optionMistake(message: string, known: readonly string[]): string {
  const first = message.split(/\.\s/)[0]!.replace(/^./, (c) => c.toLowerCase());
  const typed = /'--([^'=]+)/.exec(first)?.[1];
  const meant = typed === undefined ? undefined : closest(typed, known);
  return meant ? `${first} (did you mean --${meant}?)` : first;
}

/** The candidate at most two edits from `word` (the nearest), if one is. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string) => {
    let row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    return row[b.length]!;
  };
  const ranked = candidates.map((candidate) => ({ candidate, edits: distance(word, candidate) })).toSorted((a, b) => a.edits - b.edits);
  return ranked[0] && ranked[0].edits <= 2 ? ranked[0].candidate : undefined;
}

/**
 * A region as the gate takes it: a two-letter country code, upper case (`pe`
 * is read as `PE`, and the CLI says so), or `*` where the command allows the
 * fallback rule. `Peru` or `PER` is a usage mistake here, not a refusal from
 * the gate (exit 2, as docs/ops.md promises).
 */
export function regionArg(value: string, what: string, options: { star?: boolean } = {}): string {
  if (options.star && value === '*') return value;
  if (!/^[A-Za-z]{2}$/.test(value))
    throw new UsageError(`${what} must be a two-letter country code such as PE or CL${options.star ? ', or * for every region without a rule' : ''}; "${value}" is not one`);
  const region = value.toUpperCase();
  if (region !== value) process.stderr.write(`note: read ${what} ${value} as ${region}.\n`);
  return region;
}

/** A client address for explain: one IPv4 or IPv6 address, as the gate reads `CF-Connecting-IP` (never sent anywhere but the body). */
export function addressOption(value: string): string {
  // The value is not repeated: an address stays out of every message.
  if (!isAddress(value)) throw new UsageError('--ip must be one IPv4 or IPv6 address such as 203.0.113.7 or 2001:db8::7 (what you gave is not one)');
  return value.trim();
}

/** What the gate reads as one client address (src/network/network-id.ts): dotted-quad IPv4, or IPv6 without a zone. */
function isAddress(value: string): boolean {
  const text = value.trim();
  if (text.length === 0 || text.length > 64) return false;
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return true;
  return text.includes(':') && ipaddr.IPv6.isValid(text) && !ipaddr.IPv6.parse(text).zoneId;
}
