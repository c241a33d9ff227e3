/**
 * Hearth ops CLI — rollout, audit and account support against a running gate.
 *
 *   npm run ops -- rollout list
 *   npm run ops -- rollout set PE challenge --percent 10 --note "Peru: challenge 10%"
 *   npm run ops -- rollout set PE enforce --fail-closed --if-match 7 --note "Peru: enforce"
 *   npm run ops -- rollout delete PE
 *   npm run ops -- rollout set PE enforce --stages 10:P1D,50:P2D,100 --guard "refusal<=0.05,verify>=0.5,households>=200,window=PT15M" --note "Peru, guarded"
 *   npm run ops -- rollout resume PE --note "reviewed: the trip was a partner outage"
 *   npm run ops -- rollout preview PE enforce --percent 20 [--window PT1H]
 *   npm run ops -- metrics [REGION] [--since PT6H | 2026-11-21T09:00:00Z] [--step PT5M]
 *   npm run ops -- audit [--limit 20] [--cursor ID]
 *   npm run ops -- account show ACCOUNT
 *   npm run ops -- account explain ACCOUNT --device DEVICE [--ip 203.0.113.7] [--country PE] [--type tv]
 *   npm run ops -- account grant ACCOUNT --days 30 --reason "University term abroad" [--device DEVICE]
 *   npm run ops -- account grant-end ACCOUNT GRANT_ID
 *   npm run ops -- account extra-member add ACCOUNT DEVICE [--label "Sofía"]
 *   npm run ops -- account extra-member remove ACCOUNT DEVICE
 *   npm run ops -- account erase ACCOUNT --yes
 *   npm run ops -- admin-token --scope "rollout:read rollout:write"   (development keys only)
 *
 * --stages PERCENT:HOLD,...,PERCENT   each stage's percent and how long it holds (ISO 8601), the last without a hold.
 * --guard TERM,TERM,...               comma-separated terms, window required, at least one of refusal and verify:
 *   refusal<=RATE      trip to monitor when the refused share of treated households goes above RATE (0-1)
 *   verify>=RATE       trip when the share of code-sent households that verify falls below RATE (0-1)
 *   households>=N      act only once N households were treated in the window (default 100);
 *                      sessions>=N is its former name
 *   window=DURATION    how far back the guard reads (ISO 8601, e.g. PT15M, at most PT6H)
 *   refusal<RATE and verify>RATE are accepted as the same limits.
 *
 * Reads HEARTH_URL (default http://localhost:8787) and HEARTH_ADMIN_TOKEN.
 * Add --json to any command for machine-readable output.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { adminApi, ifMatch, type Counts, type Metrics, type Problem, type Rollout, type RolloutRuleInput } from '../src/admin-client/client.ts';
import { describeAnchorConflicts, describePreview, describeSharedNetworks, durationMinutes, explainRefusal, resumeBody, formatCount, percentOf, refusals, summariseChange, wouldRefuseRate, type RefusalHints } from '../src/admin-client/wording.ts';
import { ADMIN_SCOPES, DEVICE_TYPES, MODES } from '../src/vocabulary.ts';
import { terminalSafeJson, visibleDeep, visibleText } from '../src/admin-client/visible-text.ts';
import { guardMinimum } from '../src/admin-client/rule-text.ts';
import { mintAdminToken } from '../dev/tokens.ts';

class UsageError extends Error {}
class RefusedError extends Error {}

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: 'boolean', default: false },
    percent: { type: 'string' },
    'fail-closed': { type: 'boolean', default: false },
    'fail-open': { type: 'boolean', default: false },
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
    sub: { type: 'string', default: 'developer@hearth.dev.invalid' },
    ttl: { type: 'string', default: '3600' },
    yes: { type: 'boolean', default: false },
    window: { type: 'string' },
    stages: { type: 'string' },
    guard: { type: 'string' },
    since: { type: 'string' },
    step: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

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

function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((row) => columns.map((column) => (row[column] === undefined || row[column] === null ? '-' : String(row[column]))));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) => values.map((value, i) => value.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
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
  const limits = [g.maxRefusalRate !== undefined ? `refused ≤ ${pct(g.maxRefusalRate)}` : '', g.minVerifySuccessRate !== undefined ? `verified ≥ ${pct(g.minVerifySuccessRate)}` : ''].filter(Boolean).join(', ');
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
      throw new UsageError('rollout takes list, set, delete, resume or preview');
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
  if (regions.length === 0) return `No decisions counted${named ? ` in ${visibleText(named)}` : ''} since ${metrics.since}. Counts reach the gate within 10 s of a decision; a region is listed once a signed-in device was counted there.`;
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

/** A home network as support reads it: shared or not, and by how many households. */
function describeHomeNetwork(network: { shared: boolean; households: number | null; anchorAddressesKept: number }): string {
  const households = network.households === null ? 'not counted yet' : `${formatCount(network.households)} household${network.households === 1 ? '' : 's'}`;
  if (!network.shared) return `not shared (${households})`;
  return `SHARED (${households}); TV addresses counting as home now: ${network.anchorAddressesKept}`;
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
    const more = page.nextCursor ? `\nOlder entries: npm run ops -- audit --cursor ${page.nextCursor}` : '';
    return table(rows, ['id', 'at', 'actor', 'action', 'target', 'change', 'note']) + more;
  });
}

async function accountCommand(command: string | undefined, args: string[]): Promise<void> {
  const account = () => required(args[command === 'extra-member' ? 1 : 0], 'ACCOUNT');
  switch (command) {
    case 'show': {
      const summary = await call(() => admin.GET('/admin/v1/accounts/{account}', { params: { path: { account: account() } } }));
      return output(summary, () =>
        [
          `Account ${summary.accountId}: ${summary.established ? `household established ${summary.establishedAt}` : 'no household yet'}`,
          `Home networks: ${summary.homeNetworkCount}   Anchor TV: ${summary.anchorDeviceId ?? '-'}   Extra members: ${summary.extraMemberSlots.used}/${summary.extraMemberSlots.total}   Location changes this window: ${summary.primaryLocationChangesInWindow}`,
          `Anchor conflicts: ${describeAnchorConflicts(summary.anchorConflicts)}`,
          '',
          'Home networks',
          table(
            summary.homeNetworks.map((network, index) => ({
              '#': index + 1,
              network: describeHomeNetwork(network),
              lastSeenAt: network.lastSeenAt,
              addedAt: network.addedAt,
            })),
            ['#', 'network', 'lastSeenAt', 'addedAt'],
          ),
          '',
          'Devices',
          // `bound`: seen bound to a key (DPoP); only that key speaks for the id until a sign-out.
          table(
            summary.devices.map((device) => ({ ...device, bound: device.bound ? 'yes' : 'no' })),
            ['deviceId', 'type', 'status', 'bound', 'accessUntil', 'lastSeenAt', 'lastHomeSeenAt'],
          ),
          '',
          'Support grants',
          table(summary.grants, ['grantId', 'deviceId', 'expiresAt', 'actor', 'reason']),
          '',
          'Extra members',
          table(summary.extraMembers, ['deviceId', 'label', 'addedAt']),
        ].join('\n'),
      );
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
            explained.trace.map((step) => ({ row: step.row, check: step.check, result: step.matched ? 'DECIDES' : 'pass', detail: step.detail })),
            ['row', 'check', 'result', 'detail'],
          ),
        ].join('\n'),
      );
    }
    case 'grant': {
      const days = integer(required(flags.days, '--days N (1–180)'), '--days')!;
      const body = { days, reason: required(flags.reason, '--reason "why"'), ...(flags.device ? { deviceId: flags.device } : {}) };
      const grant = await call(() => admin.POST('/admin/v1/accounts/{account}/grants', { params: { path: { account: account() } }, body }));
      return output(grant, () => `Granted ${flags.device ? `device ${flags.device}` : 'the whole account'} access until ${grant.expiresAt} (grant ${grant.grantId}).`);
    }
    case 'grant-end': {
      const grantId = required(args[1], 'GRANT_ID');
      await call(() => admin.DELETE('/admin/v1/accounts/{account}/grants/{grantId}', { params: { path: { account: account(), grantId } } }));
      return output({ ended: grantId }, () => `Ended grant ${grantId}.`);
    }
    case 'extra-member': {
      const action = args[0];
      const deviceId = required(args[2], 'DEVICE');
      if (action === 'add') {
        const body = { deviceId, ...(flags.label ? { label: flags.label } : {}) };
        const member = await call(() => admin.POST('/admin/v1/accounts/{account}/extra-members', { params: { path: { account: account() } }, body }));
        return output(member, () => `Device ${member.deviceId} holds an extra-member slot (since ${member.addedAt}).`);
      }
      if (action === 'remove') {
        await call(() => admin.DELETE('/admin/v1/accounts/{account}/extra-members/{deviceId}', { params: { path: { account: account(), deviceId } } }));
        return output({ removed: deviceId }, () => `Freed the extra-member slot of ${deviceId}.`);
      }
      throw new UsageError('extra-member takes add or remove');
    }
    case 'erase': {
      if (!flags.yes) throw new UsageError('erase deletes everything held about the account; add --yes to confirm');
      await call(() => admin.DELETE('/admin/v1/accounts/{account}', { params: { path: { account: account() } } }));
      return output({ erased: account() }, () => `Erased account ${account()}. Its tokens issued until now stay refused (DEVICE_REVOKED) for DEVICE_TOKEN_MAX_AGE; a new sign-in starts afresh.`);
    }
    default:
      throw new UsageError('account takes show, explain, grant, grant-end, extra-member or erase');
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
  process.stdout.write((await mintAdminToken({ scope, sub: flags.sub!, ttlSeconds: ttl })) + '\n');
}

function usage(): string {
  const header = readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0]!;
  return header.replace(/^\/\*\*\n/, '').replace(/^ \* ?/gm, '');
}

const [group, command, ...rest] = positionals;
try {
  if (flags.help || !group) process.stdout.write(usage() + '\n');
  else if (group === 'rollout') await rolloutCommand(command, rest);
  else if (group === 'audit') await auditCommand();
  else if (group === 'metrics') await metricsCommand([command, ...rest].filter((arg): arg is string => arg !== undefined));
  else if (group === 'account') await accountCommand(command, rest);
  else if (group === 'admin-token') await adminToken();
  else throw new UsageError(`unknown command "${group}"`);
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`ops: ${error.message}\nRun "npm run ops -- --help" for usage.\n`);
    process.exit(2);
  }
  if (error instanceof RefusedError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
