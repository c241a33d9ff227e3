/**
 * Hearth ops CLI — rollout, audit and account support against a running gate.
 * Every command and its options are in COMMANDS below: `npm run ops -- --help`
 * lists them, `npm run ops -- COMMAND --help` explains one. The CLI is strict:
 * an option the command does not take, a word too many or a missing one is a
 * usage error (exit 2) with the command's usage line, never a guess.
 *
 * Reads HEARTH_URL (default http://localhost:8787) and HEARTH_ADMIN_TOKEN.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { adminApi, ifMatch, type Counts, type Metrics, type Problem, type Rollout, type RolloutRuleInput } from '../src/admin-client/client.ts';
import {
  describePreview,
  describeSharedNetworks,
  durationMinutes,
  explainRefusal,
  resumeBody,
  formatCount,
  percentOf,
  refusals,
  summariseChange,
  wouldRefuseRate,
  type RefusalHints,
} from '../src/admin-client/wording.ts';
import { ADMIN_SCOPES, DEVICE_TYPES, MODES, regionNeverApplies } from '../src/vocabulary.ts';
import { terminalSafeJson, visibleDeep, visibleText } from '../src/admin-client/visible-text.ts';
import { guardMinimum } from '../src/admin-client/rule-text.ts';
import { mintAdminToken } from '../dev/tokens.ts';
import { accountReport } from './account-report.ts';
import { table } from './text-table.ts';

/** A mistake in the command line: exit 2, with the command's usage line. */
class UsageError extends Error {}
/** The gate refused, or could not be reached: exit 1. */
class RefusedError extends Error {}
/** A change that looks like a mistake (a rule that never applies, an account never seen): exit 2 unless --yes. */
class UnconfirmedError extends Error {}

/** Every option any command takes; each command names the ones it accepts. */
const OPTIONS = {
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
  window: { type: 'string' },
  stages: { type: 'string' },
  guard: { type: 'string' },
  since: { type: 'string' },
  step: { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;
type OptionName = keyof typeof OPTIONS;

/** Options every command takes. */
const GLOBAL_OPTIONS: ReadonlySet<OptionName> = new Set(['json', 'help']);

const STAGES_GRAMMAR = `--stages PERCENT:HOLD,...,PERCENT
  Each stage's percent and how long it holds (ISO 8601 duration: PT20M, PT6H, P1D); the last stage has no hold.
  Example: --stages 10:P1D,50:P2D,100   (10% for a day, 50% for two days, then 100%)`;

const GUARD_HELP = `--guard TERM,TERM,...
  Comma-separated terms; window is required, and at least one of refusal and verify:
    refusal<=RATE      trip to monitor when the refused share of treated households goes above RATE (0-1)
    verify>=RATE       trip when the share of code-sent households that verify falls below RATE (0-1)
    households>=N      act only once N households were treated in the window (default 100);
                       sessions>=N is its former name
    window=DURATION    how far back the guard reads (ISO 8601, e.g. PT15M, at most PT6H)
  refusal<RATE and verify>RATE are accepted as the same limits.
  Example: --guard "refusal<=0.05,verify>=0.5,households>=200,window=PT15M"`;

interface Command {
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
}

const COMMANDS: readonly Command[] = [
  { name: 'rollout list', args: [], usage: '', summary: "Every region's rule, with its status and guard.", options: [] },
  {
    name: 'rollout set',
    args: ['REGION', 'MODE'],
    usage: 'REGION MODE --note "why" [--percent N] [--fail-closed | --fail-open] [--stages STAGES] [--guard GUARD] [--if-match VERSION] [--yes]',
    summary: `Set a region's rule. REGION: a two-letter country code (PE, CL, …) or * for every region without a rule; MODE: ${MODES.join(', ')}.`,
    options: ['note', 'percent', 'fail-closed', 'fail-open', 'stages', 'guard', 'if-match', 'yes'],
    more: `--percent N        the share of the region's accounts under MODE (0-100, default 100); the others stay under monitor
--fail-closed      a household read failure answers 503 instead of allowing (default: fail open)
--if-match VERSION refuse the change if the rollout moved on since you read VERSION (rollout list shows it)
--yes              set it even when the region can never apply (a code no request carries)

${STAGES_GRAMMAR}

${GUARD_HELP}

Examples:
  npm run ops -- rollout set PE challenge --percent 10 --note "Peru: challenge 10%"
  npm run ops -- rollout set PE enforce --fail-closed --if-match 7 --note "Peru: enforce"
  npm run ops -- rollout set PE enforce --stages 10:P1D,50:P2D,100 --guard "refusal<=0.05,verify>=0.5,households>=200,window=PT15M" --note "Peru, guarded"`,
  },
  { name: 'rollout delete', args: ['REGION'], usage: 'REGION [--if-match VERSION]', summary: "Delete a region's rule; the region then follows *.", options: ['if-match'] },
  {
    name: 'rollout resume',
    args: ['REGION'],
    usage: 'REGION --note "why it is safe"',
    summary: 'Resume a rule its guard tripped, at the stage it tripped in.',
    options: ['note'],
  },
  {
    name: 'rollout preview',
    args: ['REGION', 'MODE'],
    usage: 'REGION MODE [--percent N] [--window DURATION]',
    summary: 'Replay recent sessions under a proposed rule; nothing is changed.',
    options: ['percent', 'window'],
    more: '--window DURATION  how far back to replay (ISO 8601, default PT1H)',
  },
  {
    name: 'metrics',
    args: ['REGION?'],
    usage: '[REGION] [--since PT6H | 2026-11-21T09:00:00Z] [--step PT5M]',
    summary: 'Decision counts by region, with sparklines.',
    options: ['since', 'step'],
  },
  { name: 'audit', args: [], usage: '[--limit 20] [--cursor ID]', summary: 'The audit trail, newest first.', options: ['limit', 'cursor'] },
  {
    name: 'account show',
    args: ['ACCOUNT'],
    usage: 'ACCOUNT',
    summary: "An account's household: networks, homes, away access, devices and their keys, anchor conflicts, events, grants, extra members.",
    options: [],
    more: [
      'Homes: the primary home, then second homes the owner set from their TVs with a code; for each, how many networks',
      'it holds (never which) and the TV that keeps it. Away access: how many the owner gave in the last 365 days (of',
      'AWAY_ACCESS_PER_YEAR), and the devices holding it now, until when (end one early with "account away-access end").',
      'Never an address. Devices: key is the first 8 characters of the thumbprint of the key the device is bound to',
      '(DPoP; only that key speaks for its id until a sign-out), or "not bound". Anchor conflicts: times a copy of the',
      "anchor TV's id tried to move the household while the TV was at home. Household events: what the owner was told",
      '(signed out and by whom, a key refused, the anchor changed, an anchor conflict), newest first, the last 100 within 31 days.',
    ].join('\n'),
  },
  {
    name: 'account explain',
    args: ['ACCOUNT'],
    usage: `ACCOUNT --device DEVICE [--ip 203.0.113.7] [--country PE] [--type ${DEVICE_TYPES.join('|')}]`,
    summary: 'Why a device would be allowed or refused, row by row.',
    options: ['device', 'ip', 'country', 'type'],
  },
  {
    name: 'account grant',
    args: ['ACCOUNT'],
    usage: 'ACCOUNT --days N --reason "why" [--device DEVICE] [--yes]',
    summary: 'Give a device (or the whole account) access for N days.',
    options: ['days', 'reason', 'device', 'yes'],
    more: '--yes  grant even though Hearth has never seen the account (a typo grants nobody)',
  },
  { name: 'account grant-end', args: ['ACCOUNT', 'GRANT_ID'], usage: 'ACCOUNT GRANT_ID', summary: 'End a support grant early.', options: [] },
  {
    name: 'account away-access end',
    args: ['ACCOUNT', 'DEVICE'],
    usage: 'ACCOUNT DEVICE',
    summary: "End a device's away access early (the owner gave it with their code; audited).",
    options: [],
    more: [
      "The device is then decided as before it had away access (it may be outside the household again). The owner's",
      'away access given this year still counts. "account show" lists the devices holding away access.',
    ].join('\n'),
  },
  {
    name: 'account extra-member add',
    args: ['ACCOUNT', 'DEVICE'],
    usage: 'ACCOUNT DEVICE [--label "Sofía"] [--yes]',
    summary: 'Give a device an extra-member slot.',
    options: ['label', 'yes'],
    more: "--yes  add it even though Hearth has never seen the account (a typo uses nobody's slot)",
  },
  { name: 'account extra-member remove', args: ['ACCOUNT', 'DEVICE'], usage: 'ACCOUNT DEVICE', summary: "Free a device's extra-member slot.", options: [] },
  { name: 'account erase', args: ['ACCOUNT'], usage: 'ACCOUNT --yes', summary: 'Delete everything held about the account.', options: ['yes'] },
  {
    name: 'admin-token',
    args: [],
    usage: '--scope "rollout:read …" [--sub NAME] [--ttl SECONDS]',
    summary: 'Mint an admin token with the development key (a development gate only).',
    options: ['scope', 'sub', 'ttl'],
    more: `Scopes: ${ADMIN_SCOPES.join(' ')}\n--sub NAME     who the audit trail names (default developer@hearth.dev.invalid)\n--ttl SECONDS  how long it lives (default 3600)`,
  },
];

const usageLine = (command: Command) => `npm run ops -- ${command.name}${command.usage ? ` ${command.usage}` : ''}`;

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'Hearth ops CLI — rollout, audit and account support against a running gate.',
    '',
    'Usage: npm run ops -- COMMAND [ARGS] [OPTIONS]        npm run ops -- COMMAND --help',
    '',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Every command takes --json (machine-readable output) and --help.',
    'Reads HEARTH_URL (default http://localhost:8787) and HEARTH_ADMIN_TOKEN.',
    '',
    STAGES_GRAMMAR,
    '',
    GUARD_HELP,
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [`Usage: ${usageLine(command)} [--json]`, '', command.summary, ...(command.more ? ['', command.more] : [])].join('\n');
}

/** The command named by the leading words: the longest name that matches. */
function findCommand(words: string[]): Command | undefined {
  return COMMANDS.filter((command) => command.name.split(' ').every((word, i) => words[i] === word)).toSorted((a, b) => b.name.length - a.name.length)[0];
}

/** What the group's words may continue with, for "rollout frobnicate". */
function commandsUnder(group: string): string[] {
  return COMMANDS.filter((command) => command.name.startsWith(`${group} `))
    .map((command) => command.name.slice(group.length + 1).split(' ')[0]!)
    .filter((word, i, all) => all.indexOf(word) === i);
}

/**
 * The command line, read strictly (node:util parseArgs, strict): an option no
 * command knows, an option this command does not take, a missing or extra
 * word are usage errors. A word in brackets, such as `[--fail-closed]` copied
 * from a usage line, is an extra word like any other.
 */
function readCommandLine(argv: string[]): { command: Command | undefined; flags: Partial<Record<OptionName, string | boolean>>; args: string[]; help: boolean } {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs says e.g. "Unknown option '--percnt'. To specify a positional…": the first sentence is the mistake.
    const message = error instanceof Error ? error.message.split(/\.\s/)[0]!.replace(/^./, (c) => c.toLowerCase()) : 'cannot read the command line';
    const command = findCommand(argv.filter((arg) => !arg.startsWith('-')));
    throw Object.assign(new UsageError(message), { command });
  }
  const flags = parsed.values as Partial<Record<OptionName, string | boolean>>;
  const command = findCommand(parsed.positionals);
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

const commandLine = (() => {
  try {
    return readCommandLine(process.argv.slice(2));
  } catch (error) {
    return fail(error);
  }
})();
const flags = commandLine.flags as {
  [Name in OptionName]?: (typeof OPTIONS)[Name]['type'] extends 'boolean' ? boolean : string;
};

const baseUrl = (process.env.HEARTH_URL ?? 'http://localhost:8787').replace(/\/+$/, '');
const DEVELOPMENT_TOKEN_COMMAND = `export HEARTH_ADMIN_TOKEN=$(npm run -s ops -- admin-token --scope "${ADMIN_SCOPES.join(' ')}")`;
const admin = adminApi({ baseUrl, token: () => process.env.HEARTH_ADMIN_TOKEN });

/** The CLI's way of acting on a refusal; the sentence itself is shared with the console. */
const CLI_HINTS: RefusalHints = {
  signIn: `Get a fresh token and set HEARTH_ADMIN_TOKEN. In development:\n  ${DEVELOPMENT_TOKEN_COMMAND}`,
  scope: (scope) => `Ask for a token that carries it (in development: admin-token --scope "${scope}").`,
  retry: (version) => `Review it with "rollout list", then retry with --if-match ${version}.`,
};

/**
 * One admin call: its answer for people, or a refusal in words. Everything
 * the CLI prints comes from here, so this is where server text is made safe
 * for a terminal: without --json every string of the answer (and of a
 * problem) comes back through `visibleDeep`, control characters and bidi
 * overrides written as escapes, so an audit note cannot erase, rewrite or
 * reorder what the operator sees. With --json the answer stays exact and
 * `output` escapes the same characters the JSON way. An answer that is sent
 * back to the gate is read with `exact` instead.
 */
async function call<T>(request: () => Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const answer = await exact(request);
  return flags.json ? answer : visibleDeep(answer);
}

/** One admin call: its typed answer as the gate gave it, or a refusal in words. */
async function exact<T>(request: () => Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  if (!process.env.HEARTH_ADMIN_TOKEN) throw new RefusedError(`HEARTH_ADMIN_TOKEN is not set. In development:\n  ${DEVELOPMENT_TOKEN_COMMAND}`);
  let result: Awaited<ReturnType<typeof request>>;
  try {
    result = await request();
  } catch {
    throw new RefusedError(`Could not reach the gate at ${baseUrl}. Is it running (npm run dev)? Set HEARTH_URL to point elsewhere.`);
  }
  if (result.response.ok) return result.data as T;
  throw new RefusedError(explainRefusal(result.response.status, visibleDeep(result.error as Partial<Problem> | undefined), CLI_HINTS));
}

/** Prints an answer: with --json as JSON a terminal shows as written, else in words. */
function output(value: unknown, human: () => string): void {
  process.stdout.write((flags.json ? terminalSafeJson(value, 2) : human()) + '\n');
}

function required(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`missing ${what}`);
  return value;
}

function integer(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number)) throw new UsageError(`${what} must be a whole number`);
  return number;
}

function rolloutTable(rollout: Rollout): string {
  const rows = Object.entries(rollout.regions)
    .toSorted(([a], [b]) => (a === '*' ? -1 : b === '*' ? 1 : a.localeCompare(b)))
    .map(([region, rule]) => ({
      region,
      mode: rule.mode,
      percent: rule.percent,
      failOpen: rule.failOpen ? 'open' : 'closed',
      status: describeStatus(rule),
      guard: describeGuard(rule),
      updatedBy: rule.updatedBy,
      updatedAt: rule.updatedAt,
      note: rule.note,
    }));
  const header = `Rollout version ${rollout.version}${rollout.updatedAt ? `, updated ${rollout.updatedAt}` : ''}${rows.some((r) => r.region === '*') ? '' : '\n(no * rule: unlisted regions are monitor at 100%)'}`;
  return `${header}\n${table(rows, ['region', 'mode', 'percent', 'failOpen', 'status', 'guard', 'updatedBy', 'updatedAt', 'note'])}`;
}

/** `10:P1D,50:P2D,100` → stages. */
function stagesFlag(value: string): NonNullable<RolloutRuleInput['stages']> {
  return value.split(',').map((part) => {
    const match = /^\s*(\d{1,3})(?::(P[0-9A-Za-z.]+))?\s*$/.exec(part);
    if (!match) throw new UsageError(`--stages: "${part}" is not PERCENT or PERCENT:HOLD (e.g. 10:P1D,50:P2D,100)`);
    const stage: NonNullable<RolloutRuleInput['stages']>[number] = { percent: Number(match[1]) };
    if (match[2]) stage.hold = match[2].toUpperCase();
    return stage;
  });
}

/**
 * `refusal<=0.05,verify>=0.5,households>=200,window=PT15M` → a guard (the
 * grammar is in --help). The guard trips above its refusal limit and below its
 * verify limit, so `<=` and `>=` say exactly what holds; `<` and `>` are
 * accepted as the same limits. `sessions>=` is the former name of
 * `households>=`.
 */
const GUARD_TERM = /^(refusal|verify|households|sessions|window)\s*(<=|>=|<|>|=)\s*(.+)$/;
const GUARD_OPERATORS: Record<string, readonly string[]> = { refusal: ['<=', '<'], verify: ['>=', '>'], households: ['>='], sessions: ['>='], window: ['='] };
const GUARD_GRAMMAR = 'refusal<=RATE, verify>=RATE, households>=N, window=DURATION';

function guardFlag(value: string): NonNullable<RolloutRuleInput['guard']> {
  const guard: Partial<NonNullable<RolloutRuleInput['guard']>> = {};
  for (const part of value.split(',').map((p) => p.trim())) {
    const match = GUARD_TERM.exec(part);
    if (!match) throw new UsageError(`--guard: "${part}" is not one of ${GUARD_GRAMMAR}`);
    const [, name, operator, raw] = match as unknown as [string, string, string, string];
    if (!GUARD_OPERATORS[name]!.includes(operator)) throw new UsageError(`--guard: "${part}" needs ${GUARD_OPERATORS[name]!.map((op) => `${name}${op}`).join(' or ')}`);
    if (name === 'window') {
      guard.window = raw.toUpperCase();
      continue;
    }
    const number = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(number)) throw new UsageError(`--guard: "${part}" needs a number`);
    if (name === 'refusal') guard.maxRefusalRate = number;
    else if (name === 'verify') guard.minVerifySuccessRate = number;
    // minSessions: the name every version of the API accepts for the guard's minimum (minHouseholds is its new name).
    else guard.minSessions = number;
  }
  if (!guard.window) throw new UsageError('--guard needs window=DURATION (e.g. window=PT15M)');
  return guard as NonNullable<RolloutRuleInput['guard']>;
}

const pct = (rate: number | null | undefined) => (rate === null || rate === undefined ? '-' : `${(rate * 100).toFixed(1)}%`);

function describeStatus(rule: Rollout['regions'][string]): string {
  if (rule.status === 'tripped') return `TRIPPED ${rule.trippedAt ?? ''} (monitor until resumed)`;
  if (rule.stages && rule.stages.length > 1) {
    const stage = `stage ${(rule.stage ?? 0) + 1}/${rule.stages.length}`;
    return rule.status === 'advancing' && rule.nextAdvanceAt ? `${stage}, next ${rule.stages[(rule.stage ?? 0) + 1]?.percent}% at ${rule.nextAdvanceAt}` : `${stage}, steady`;
  }
  return rule.status ?? 'steady';
}

function describeGuard(rule: Rollout['regions'][string]): string {
  if (!rule.guard) return '-';
  const g = rule.guard;
  const limits = [g.maxRefusalRate !== undefined ? `refused ≤ ${pct(g.maxRefusalRate)}` : '', g.minVerifySuccessRate !== undefined ? `verified ≥ ${pct(g.minVerifySuccessRate)}` : '']
    .filter(Boolean)
    .join(', ');
  const r = rule.status === 'tripped' ? rule.trippedBy : rule.reading;
  const h = r?.households;
  const reading = h ? `; read ${h.refused}/${h.treated} households refused (${pct(r!.refusalRate)}), ${h.verified}/${h.sent} verified` : '; no reading yet';
  return `${limits} over ${g.window}, ≥ ${guardMinimum(g)} households${reading}`;
}

function ifMatchFlag(): { 'If-Match': string } | undefined {
  return flags['if-match'] ? ifMatch(flags['if-match']) : undefined;
}

async function rolloutCommand(command: string | undefined, args: string[]): Promise<void> {
  switch (command) {
    case 'list': {
      const rollout = await call(() => admin.GET('/admin/v1/rollout'));
      return output(rollout, () => rolloutTable(rollout));
    }
    case 'set': {
      const region = required(args[0], 'REGION (PE, CL, … or *)').toUpperCase();
      const mode = oneOf(required(args[1], `MODE (${MODES.join(', ')})`), MODES, 'MODE');
      if (flags['fail-closed'] && flags['fail-open']) throw new UsageError('choose --fail-closed or --fail-open, not both');
      const rule: RolloutRuleInput = { mode, note: required(flags.note, '--note "why": every change is audited with its reason') };
      const percent = integer(flags.percent, '--percent');
      if (percent !== undefined) rule.percent = percent;
      if (flags.stages) rule.stages = stagesFlag(flags.stages);
      if (flags.guard) rule.guard = guardFlag(flags.guard);
      if (flags['fail-closed']) rule.failOpen = false;
      if (flags['fail-open']) rule.failOpen = true;
      const never = regionNeverApplies(region);
      if (never) confirm(`warning: a rule for ${region} can never apply: ${never}.`, 'set it anyway');
      const rollout = await call(() => admin.PUT('/admin/v1/rollout/{region}', { params: { path: { region }, header: ifMatchFlag() }, body: rule }));
      return output(rollout, () => `Set ${region} to ${mode}.\n\n${rolloutTable(rollout)}`);
    }
    case 'delete': {
      const region = required(args[0], 'REGION').toUpperCase();
      const rollout = await call(() => admin.DELETE('/admin/v1/rollout/{region}', { params: { path: { region }, header: ifMatchFlag() } }));
      return output(rollout, () => `Deleted the rule for ${region}; it now follows *.\n\n${rolloutTable(rollout)}`);
    }
    case 'resume': {
      const region = required(args[0], 'REGION').toUpperCase();
      // Exact: the rule's settings go back to the gate.
      const rollout = await exact(() => admin.GET('/admin/v1/rollout'));
      const current = rollout.regions[region];
      if (!current || current.status !== 'tripped') throw new UsageError(`${region} has no tripped rule to resume (rollout list shows each rule's status)`);
      const resumed = resumeBody(current, required(flags.note, '--note "why it is safe to resume": every change is audited'));
      const after = await call(() => admin.PUT('/admin/v1/rollout/{region}', { params: { path: { region }, header: ifMatch(rollout.version) }, body: resumed }));
      return output(after, () => `Resumed ${region}: ${resumed.mode} at ${after.regions[region]?.percent}%, its guard watching again.\n\n${rolloutTable(after)}`);
    }
    case 'preview': {
      const region = required(args[0], 'REGION (PE, CL, …)').toUpperCase();
      const mode = oneOf(required(args[1], `MODE (${MODES.join(', ')})`), MODES, 'MODE');
      const percent = integer(flags.percent, '--percent') ?? 100;
      const preview = await call(() => admin.POST('/admin/v1/rollout/{region}/preview', { params: { path: { region } }, body: { mode, percent, ...(flags.window ? { window: flags.window } : {}) } }));
      return output(preview, () => {
        const { headline, current } = describePreview(preview);
        const rows = Object.entries(preview.byDeviceType).map(([type, counts]) => ({
          device: type,
          sessions: formatCount(counts.sessions),
          'refused now': formatCount(refusals(counts.current)),
          'would refuse': formatCount(refusals(counts.proposed)),
          challenge: formatCount(counts.proposed.challenge),
          deny: formatCount(counts.proposed.deny),
        }));
        return `${headline}\n${current}\nReplayed since ${preview.since}; nothing was changed.\n\n${table(rows, ['device', 'sessions', 'refused now', 'would refuse', 'challenge', 'deny'])}`;
      });
    }
    default:
      throw new Error(`no rollout command ${command}`);
  }
}

/** `--since PT6H` (that long ago) or an ISO 8601 instant. */
function sinceFlag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (/^P/i.test(value)) {
    const minutes = durationMinutes(value);
    if (minutes === null) throw new UsageError('--since: a duration of days, hours or minutes, such as PT6H or P2D');
    return new Date(Date.now() - minutes * 60_000).toISOString();
  }
  if (Number.isNaN(Date.parse(value))) throw new UsageError('--since must be a duration (PT6H: six hours ago) or an instant (2026-11-21T09:00:00Z)');
  return value;
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** A terminal sparkline of `values`, at most `width` characters (adjacent steps combined by `combine`). */
function sparkline(values: number[], width = 60, combine: (group: number[]) => number = (group) => group.reduce((a, b) => a + b, 0)): string {
  const size = Math.max(1, Math.ceil(values.length / width));
  const columns: number[] = [];
  for (let i = 0; i < values.length; i += size) columns.push(combine(values.slice(i, i + size)));
  const max = Math.max(...columns, 0);
  return columns.map((value) => (max === 0 ? SPARKS[0] : SPARKS[Math.min(SPARKS.length - 1, Math.round((value / max) * (SPARKS.length - 1)))])).join('');
}

const sessionsOf = (counts: Pick<Counts, 'sessions'>) => counts.sessions.allow + counts.sessions.challenge + counts.sessions.deny;

function metricsReport(metrics: Metrics, named?: string): string {
  const regions = Object.entries(metrics.regions);
  if (regions.length === 0)
    return `No decisions counted${named ? ` in ${visibleText(named)}` : ''} since ${metrics.since}. Counts reach the gate within 10 s of a decision; a region is listed once a signed-in device was counted there.`;
  return regions
    .map(([region, { totals, series }]) => {
      const rows = (['sessions', 'segments'] as const).map((kind) => {
        const all = totals[kind].allow + totals[kind].challenge + totals[kind].deny;
        return {
          '': kind,
          allow: formatCount(totals[kind].allow),
          challenge: formatCount(totals[kind].challenge),
          deny: formatCount(totals[kind].deny),
          'would refuse': `${formatCount(totals.wouldRefuse[kind])} (${percentOf(totals.wouldRefuse[kind], all)})`,
        };
      });
      const reasons = Object.entries(totals.reasons)
        .toSorted(([, a], [, b]) => b - a)
        .slice(0, 5)
        .map(([reason, n]) => `${reason} ${formatCount(n)}`)
        .join(', ');
      const v = totals.verification;
      const perStep = series.map(sessionsOf);
      const rates = series.map((step) => wouldRefuseRate(step));
      const maxRate = Math.max(...rates, 0);
      return [
        `${region} — since ${metrics.since}, step ${metrics.step}`,
        table(rows, ['', 'allow', 'challenge', 'deny', 'would refuse']),
        `verification  sent ${v.sent}, verified ${v.verified}, wrong ${v.wrong}, locked ${v.locked}, expired ${v.expired}`,
        `households    treated ${formatCount(totals.households.treated)}, refused ${formatCount(totals.households.refused)} (${percentOf(totals.households.refused, totals.households.treated)}), sent a code ${formatCount(totals.households.sent)}, verified ${formatCount(totals.households.verified)}`,
        `top reasons   ${reasons || '-'}`,
        `shared nets   ${describeSharedNetworks(totals)}`,
        `sessions      ${sparkline(perStep)}  (max ${formatCount(Math.max(...perStep, 0))} per step)`,
        `would refuse  ${sparkline(rates, 60, (group) => Math.max(...group))}  (max ${(100 * maxRate).toFixed(1)}% of sessions)`,
      ].join('\n');
    })
    .join('\n\n');
}

async function metricsCommand(args: string[]): Promise<void> {
  const region = args[0]?.toUpperCase();
  const query = { ...(region ? { region } : {}), ...(flags.since ? { since: sinceFlag(flags.since) } : {}), ...(flags.step ? { step: flags.step } : {}) };
  const metrics = await call(() => admin.GET('/admin/v1/metrics', { params: { query } }));
  output(metrics, () => metricsReport(metrics, region));
}

async function auditCommand(): Promise<void> {
  const page = await call(() => admin.GET('/admin/v1/audit', { params: { query: { limit: integer(flags.limit, '--limit'), cursor: flags.cursor } } }));
  output(page, () => {
    const rows = page.entries.map((entry) => ({
      id: entry.id,
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      change: `${summariseChange(entry.before)} → ${summariseChange(entry.after)}`,
      note: entry.note,
    }));
    const more = page.nextCursor ? `Older entries: npm run ops -- audit --cursor ${page.nextCursor}` : flags.cursor ? 'No older entries: this is the start of the audit trail.' : 'No older entries.';
    if (rows.length === 0) return flags.cursor ? 'No older entries: this is the start of the audit trail.' : 'The audit trail is empty: no change was made yet.';
    return `${table(rows, ['id', 'at', 'actor', 'action', 'target', 'change', 'note'])}\n${more}`;
  });
}

/**
 * Stops a change that looks like a mistake unless --yes says it is meant:
 * the warning, and how to go on. Nothing was changed when it stops.
 */
function confirm(warning: string, goOn: string): void {
  if (flags.yes) {
    process.stderr.write(`${warning} Going on (--yes).\n`);
    return;
  }
  throw new UnconfirmedError(`${warning}\nNothing was changed. Add --yes to ${goOn}.`);
}

/**
 * A grant or an extra member for an account Hearth has never seen is almost
 * always a typo in the id (it would help nobody, silently): look the account
 * up first, and ask for --yes when there is no household for it.
 */
async function confirmKnownAccount(account: string, change: string): Promise<void> {
  if (!process.env.HEARTH_ADMIN_TOKEN) return; // The change itself says what is missing.
  let result: { response: Response; error?: unknown };
  try {
    result = await admin.GET('/admin/v1/accounts/{account}', { params: { path: { account } } });
  } catch {
    return; // Unreachable: the change itself says so.
  }
  if (result.response.status === 404 && (result.error as Partial<Problem> | undefined)?.reason === 'ACCOUNT_NOT_FOUND') {
    confirm(
      `warning: Hearth has never seen account ${visibleText(account)} (no device of it was ever decided), so ${change} would help nobody yet. Check the id with "npm run ops -- account show ${visibleText(account)}".`,
      `${change} anyway`,
    );
  } else if (result.response.status === 403) {
    process.stderr.write(`note: could not check that Hearth knows account ${visibleText(account)} (the token lacks accounts:read).\n`);
  }
}

async function accountCommand(command: string, args: string[]): Promise<void> {
  const account = () => args[0]!;
  switch (command) {
    case 'show': {
      const summary = await call(() => admin.GET('/admin/v1/accounts/{account}', { params: { path: { account: account() } } }));
      return output(summary, () => accountReport(summary));
    }
    case 'explain': {
      // The address goes in the body of a POST, never in a URL (URLs are kept in logs).
      const body = {
        deviceId: required(flags.device, '--device DEVICE'),
        ...(flags.ip ? { ip: flags.ip } : {}),
        ...(flags.country ? { country: flags.country } : {}),
        ...(flags.type ? { deviceType: oneOf(flags.type, DEVICE_TYPES, '--type') } : {}),
      };
      const explained = await call(() => admin.POST('/admin/v1/accounts/{account}/explain', { params: { path: { account: account() } }, body }));
      return output(explained, () =>
        [
          `${explained.decision.toUpperCase()} — ${explained.reason}${explained.wouldDecision && explained.wouldDecision !== explained.decision ? ` (enforce would ${explained.wouldDecision})` : ''}`,
          ...(explained.networkShared ? ['On a shared home network: only the TV’s own address counts as home there.'] : []),
          ...(explained.bound ? ['The device is bound to a key: explained as a request proving it (another key, or an unbound token, is DEVICE_PROOF_REQUIRED).'] : []),
          `Region ${explained.region}: rule ${explained.rule.key} = ${explained.rule.mode} at ${explained.rule.percent}%, account bucket ${explained.bucket} → ${explained.mode}; policy version ${explained.policyVersion}`,
          `The person sees: “${explained.message}”`,
          '',
          table(
            // The decision table's row each check belongs to (README, "How it decides"): a row can hold several checks, so numbers repeat.
            explained.trace.map((step) => ({ 'table row': step.row, check: step.check, result: step.matched ? 'DECIDES' : 'pass', detail: step.detail })),
            ['table row', 'check', 'result', 'detail'],
          ),
        ].join('\n'),
      );
    }
    case 'grant': {
      const days = integer(required(flags.days, '--days N (1–180)'), '--days')!;
      const body = { days, reason: required(flags.reason, '--reason "why"'), ...(flags.device ? { deviceId: flags.device } : {}) };
      await confirmKnownAccount(account(), 'grant');
      const grant = await call(() => admin.POST('/admin/v1/accounts/{account}/grants', { params: { path: { account: account() } }, body }));
      return output(grant, () => `Granted ${flags.device ? `device ${flags.device}` : 'the whole account'} access until ${grant.expiresAt} (grant ${grant.grantId}).`);
    }
    case 'grant-end': {
      const grantId = args[1]!;
      await call(() => admin.DELETE('/admin/v1/accounts/{account}/grants/{grantId}', { params: { path: { account: account(), grantId } } }));
      return output({ ended: grantId }, () => `Ended grant ${grantId}.`);
    }
    case 'away-access end': {
      const deviceId = args[1]!;
      await call(() => admin.DELETE('/admin/v1/accounts/{account}/away-access/{deviceId}', { params: { path: { account: account(), deviceId } } }));
      return output({ ended: deviceId }, () => `Ended the away access of ${visibleText(deviceId)}; it is decided as before from its next request.`);
    }
    case 'extra-member add': {
      const deviceId = args[1]!;
      const body = { deviceId, ...(flags.label ? { label: flags.label } : {}) };
      await confirmKnownAccount(account(), 'add the extra member');
      const member = await call(() => admin.POST('/admin/v1/accounts/{account}/extra-members', { params: { path: { account: account() } }, body }));
      return output(member, () => `Device ${member.deviceId} holds an extra-member slot (since ${member.addedAt}).`);
    }
    case 'extra-member remove': {
      const deviceId = args[1]!;
      await call(() => admin.DELETE('/admin/v1/accounts/{account}/extra-members/{deviceId}', { params: { path: { account: account(), deviceId } } }));
      return output({ removed: deviceId }, () => `Freed the extra-member slot of ${deviceId}.`);
    }
    case 'erase': {
      if (!flags.yes) throw new UsageError('erase deletes everything held about the account; add --yes to confirm');
      await call(() => admin.DELETE('/admin/v1/accounts/{account}', { params: { path: { account: account() } } }));
      return output({ erased: account() }, () => `Erased account ${account()}. Its tokens issued until now stay refused (DEVICE_REVOKED) for DEVICE_TOKEN_MAX_AGE; a new sign-in starts afresh.`);
    }
    default:
      throw new Error(`no account command ${command}`);
  }
}

function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${what} must be one of ${allowed.join(', ')}`);
  return value as T;
}

async function adminToken(): Promise<void> {
  const scope = required(flags.scope, `--scope "…" (any of: ${ADMIN_SCOPES.join(' ')})`);
  const ttl = integer(flags.ttl, '--ttl') ?? 3600;
  process.stderr.write('admin-token: signed with the DEVELOPMENT admin key; only a development gate accepts it.\n');
  process.stdout.write((await mintAdminToken({ scope, sub: flags.sub ?? 'developer@hearth.dev.invalid', ttlSeconds: ttl })) + '\n');
}

/** Ends the run on a mistake or a refusal: what went wrong, and for a usage mistake the command's usage line. */
function fail(error: unknown): never {
  if (error instanceof UsageError) {
    const command = (error as UsageError & { command?: Command }).command;
    const usage = command
      ? `Usage: ${usageLine(command)}\nRun "npm run ops -- ${command.name} --help" for more.`
      : 'Usage: npm run ops -- COMMAND [ARGS] [OPTIONS]\nRun "npm run ops -- --help" for the commands.';
    process.stderr.write(`ops: ${error.message}\n${usage}\n`);
    process.exit(2);
  }
  if (error instanceof UnconfirmedError) {
    process.stderr.write(`ops: ${error.message}\n`);
    process.exit(2);
  }
  if (error instanceof RefusedError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

/** Runs the command the words name (readCommandLine checked its arguments and options). */
async function run(command: Command, args: string[]): Promise<void> {
  const [group, verb] = command.name.split(' ') as [string, string | undefined];
  if (group === 'rollout') return rolloutCommand(verb, args);
  if (group === 'account') return accountCommand(command.name.slice('account '.length), args);
  if (group === 'audit') return auditCommand();
  if (group === 'metrics') return metricsCommand(args);
  return adminToken();
}

try {
  const { command, args, help } = commandLine;
  const words = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  if (command) {
    if (help) process.stdout.write(commandHelp(command) + '\n');
    else await run(command, args);
  } else if (help && words.length === 0) {
    process.stdout.write(overview() + '\n');
  } else if (words.length === 0) {
    // No command at all: the overview, as a mistake (a script that forgot its command must not pass).
    process.stderr.write(overview() + '\n');
    process.exit(2);
  } else {
    const under = commandsUnder(words[0]!);
    throw new UsageError(under.length > 0 ? `${words[0]} takes ${under.join(', ')}${words[1] ? `, not "${words[1]}"` : ''}` : `unknown command "${words[0]}"`);
  }
} catch (error) {
  // A mistake found while running (a missing --note) is shown with the command's usage line too.
  if (error instanceof UsageError && !(error as UsageError & { command?: Command }).command) Object.assign(error, { command: commandLine.command });
  fail(error);
}
