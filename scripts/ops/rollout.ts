/**
 * `ops rollout …`: list, set, delete, resume and preview a region's rule, and
 * the rollout printed as a table. Each command is an entry of
 * ROLLOUT_COMMANDS; a new rollout command is one more entry.
 */
import { ifMatch, type AdminApi, type Rollout, type RolloutRuleInput } from '../../src/admin-client/client.ts';
import { describePreview, formatCount, refusals, resumeBody } from '../../src/admin-client/wording.ts';
import { guardMinimum } from '../../src/admin-client/rule-text.ts';
import { MODES, regionNeverApplies } from '../../src/vocabulary.ts';
import { table } from '../text-table.ts';
import { integer, oneOf, regionArg, required, UsageError, type Command, type Flags } from './command-line.ts';
import { GUARD_HELP, STAGES_GRAMMAR, guardFlag, stagesFlag } from './rollout-flags.ts';
import { changeOutcome } from './rollout-changes.ts';

const pct = (rate: number | null | undefined) => (rate === null || rate === undefined ? '-' : `${(rate * 100).toFixed(1)}%`);

function describeStatus(rule: Rollout['regions'][string]): string {
  const upcoming = rule.upcoming
    ? `; from ${rule.upcoming.effectiveAt}: ${rule.upcoming.removes ? 'follows *' : `${rule.upcoming.mode} ${rule.upcoming.percent}%`} (announced ${rule.upcoming.noticeFrom})`
    : '';
  if (rule.follows) return `follows *${upcoming}`;
  return describeRuleStatus(rule) + upcoming;
}

function describeRuleStatus(rule: Rollout['regions'][string]): string {
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

/** The rollout as the CLI prints it: its version, then one row per region's rule. */
export function rolloutTable(rollout: Rollout): string {
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

/**
 * The percent of the region's own rule before a change, when it can be read
 * (the token may lack rollout:read): a rule set without --percent covers
 * 100 % of accounts, so "challenge 50 %" then "set PE enforce" moved to 100 %
 * without a word; the outcome now says so.
 */
async function percentBefore(admin: AdminApi, region: string): Promise<number | undefined> {
  const rollout = await admin.GET('/admin/v1/rollout').catch(() => null);
  return rollout?.data?.regions[region]?.follows ? undefined : rollout?.data?.regions[region]?.percent;
}

/** The If-Match header --if-match asks for, if it does. */
export function ifMatchFlag(flags: Flags): { 'If-Match': string } | undefined {
  return flags['if-match'] ? ifMatch(flags['if-match']) : undefined;
}

/** Every `rollout …` command, in the order --help lists them. */
export const ROLLOUT_COMMANDS: readonly Command[] = [
  {
    name: 'rollout list',
    args: [],
    usage: '',
    summary: "Every region's rule, with its status and guard.",
    options: [],
    async run(_args, { admin, call, output }) {
      const rollout = await call(() => admin.GET('/admin/v1/rollout'));
      output(rollout, () => rolloutTable(rollout));
    },
  },
  {
    name: 'rollout set',
    args: ['REGION', 'MODE'],
    usage: 'REGION MODE --note "why" [--percent N] [--fail-closed | --fail-open] [--stages STAGES] [--guard GUARD] [--if-match VERSION] [--skip-notice] [--yes]',
    summary: `Set a region's rule. REGION: a two-letter country code (PE, CL, …) or * for every region without a rule; MODE: ${MODES.join(', ')}.`,
    options: ['note', 'percent', 'fail-closed', 'fail-open', 'stages', 'guard', 'if-match', 'skip-notice', 'yes'],
    more: `--percent N        the share of the region's accounts under MODE (0-100, default 100); the others stay under monitor
--fail-closed      a household read failure answers 503 instead of allowing (default: fail open)
--if-match VERSION refuse the change if the rollout moved on since you read VERSION (rollout list shows it)
--skip-notice      a stricter rule applies at once instead of waiting NOTICE_PERIOD on the public status page
                   (needs the scope rollout:skip-notice; audited, and the status page says it came without notice)
--yes              set it even when the region can never apply (a code no request carries)

A stricter rule (a later mode in off < monitor < challenge < enforce, or a larger percent) waits: first for a
second person's approval (ROLLOUT_APPROVAL=stricter: "rollout pending", "rollout approve"), then NOTICE_PERIOD
on the status page. Anything else applies at once.

${STAGES_GRAMMAR}

${GUARD_HELP}

Examples:
  npm run ops -- rollout set PE challenge --percent 10 --note "Peru: challenge 10%"
  npm run ops -- rollout set PE enforce --fail-closed --if-match 7 --note "Peru: enforce"
  npm run ops -- rollout set PE enforce --stages 10:P1D,50:P2D,100 --guard "refusal<=0.05,verify>=0.5,households>=200,window=PT15M" --note "Peru, guarded"`,
    async run(args, { flags, admin, call, output, confirm }) {
      const region = regionArg(required(args[0], 'REGION (PE, CL, … or *)'), 'REGION', { star: true });
      const mode = oneOf(required(args[1], `MODE (${MODES.join(', ')})`), MODES, 'MODE');
      if (flags['fail-closed'] && flags['fail-open']) throw new UsageError('choose --fail-closed or --fail-open, not both');
      const rule: RolloutRuleInput = { mode, note: required(flags.note, '--note "why": every change is audited with its reason') };
      const percent = integer(flags.percent, '--percent');
      if (percent !== undefined) rule.percent = percent;
      if (flags.stages) rule.stages = stagesFlag(flags.stages);
      if (flags.guard) rule.guard = guardFlag(flags.guard);
      if (flags['fail-closed']) rule.failOpen = false;
      if (flags['fail-open']) rule.failOpen = true;
      if (flags['skip-notice']) rule.notice = 'skip';
      const never = regionNeverApplies(region);
      if (never) confirm(`warning: a rule for ${region} can never apply: ${never}.`, 'set it anyway');
      const before = await percentBefore(admin, region);
      const rollout = await call(() => admin.PUT('/admin/v1/rollout/{region}', { params: { path: { region }, header: ifMatchFlag(flags) }, body: rule }));
      const percentMoved =
        before !== undefined && percent === undefined && !rule.stages && before !== 100
          ? ` Percent ${before} → 100: a rule without --percent covers every account (give --percent ${before} to keep it).`
          : '';
      output(rollout, () =>
        'changeId' in rollout ? `${changeOutcome(region, rollout, '')}${percentMoved}` : `${changeOutcome(region, rollout, `Set ${region} to ${mode}.${percentMoved}`)}\n\n${rolloutTable(rollout)}`,
      );
    },
  },
  {
    name: 'rollout delete',
    args: ['REGION'],
    usage: 'REGION [--if-match VERSION]',
    summary: "Delete a region's rule; the region then follows *.",
    options: ['if-match'],
    async run(args, { flags, admin, call, output }) {
      const region = regionArg(required(args[0], 'REGION'), 'REGION', { star: true });
      const rollout = await call(() => admin.DELETE('/admin/v1/rollout/{region}', { params: { path: { region }, header: ifMatchFlag(flags) } }));
      output(rollout, () =>
        'changeId' in rollout ? changeOutcome(region, rollout, '') : `${changeOutcome(region, rollout, `Deleted the rule for ${region}; it now follows *.`)}\n\n${rolloutTable(rollout)}`,
      );
    },
  },
  {
    name: 'rollout resume',
    args: ['REGION'],
    usage: 'REGION --note "why it is safe"',
    summary: 'Resume a rule its guard tripped, at the stage it tripped in.',
    options: ['note'],
    async run(args, { flags, admin, call, exact, output }) {
      const region = regionArg(required(args[0], 'REGION'), 'REGION', { star: true });
      // Exact: the rule's settings go back to the gate.
      const rollout = await exact(() => admin.GET('/admin/v1/rollout'));
      const current = rollout.regions[region];
      if (!current || current.status !== 'tripped') throw new UsageError(`${region} has no tripped rule to resume (rollout list shows each rule's status)`);
      const resumed = resumeBody(current, required(flags.note, '--note "why it is safe to resume": every change is audited'));
      const after = await call(() => admin.PUT('/admin/v1/rollout/{region}', { params: { path: { region }, header: ifMatch(rollout.version) }, body: resumed }));
      output(after, () =>
        'changeId' in after
          ? changeOutcome(region, after, '')
          : `${changeOutcome(region, after, `Resumed ${region}: ${resumed.mode} at ${after.regions[region]?.percent}%, its guard watching again.`)}\n\n${rolloutTable(after)}`,
      );
    },
  },
  {
    name: 'rollout preview',
    args: ['REGION', 'MODE'],
    usage: 'REGION MODE [--percent N] [--window DURATION]',
    summary: 'Replay recent sessions under a proposed rule; nothing is changed.',
    options: ['percent', 'window'],
    more: '--window DURATION  how far back to replay (ISO 8601, default PT1H)',
    async run(args, { flags, admin, call, output }) {
      const region = regionArg(required(args[0], 'REGION (PE, CL, …)'), 'REGION', { star: true });
      const mode = oneOf(required(args[1], `MODE (${MODES.join(', ')})`), MODES, 'MODE');
      const percent = integer(flags.percent, '--percent') ?? 100;
      const preview = await call(() => admin.POST('/admin/v1/rollout/{region}/preview', { params: { path: { region } }, body: { mode, percent, ...(flags.window ? { window: flags.window } : {}) } }));
      output(preview, () => {
        const { headline, current } = describePreview(preview);
        const rows = Object.entries(preview.byDeviceType).map(([type, counts]) => ({
          device: type,
          sessions: formatCount(counts.sessions),
          'refused now': formatCount(refusals(counts.current)),
          'would refuse': formatCount(refusals(counts.proposed)),
          challenge: formatCount(counts.proposed.challenge),
          deny: formatCount(counts.proposed.deny),
        }));
        const applies = preview.applies.stricter
          ? `Stricter than the rule in force: set now, it would apply on ${preview.applies.at}${preview.applies.approval ? ', once a second person approves it' : ''} (after its notice on the public status page).`
          : 'Not stricter than the rule in force: set now, it would apply at once.';
        return `${headline}\n${current}\n${applies}\nReplayed since ${preview.since}; nothing was changed.\n\n${table(rows, ['device', 'sessions', 'refused now', 'would refuse', 'challenge', 'deny'])}`;
      });
    },
  },
];
