/**
 * `ops rollout pending | approve | reject` (contract §8, "Four eyes on a
 * stricter change"), and how a change's answer reads: applied at once,
 * waiting out its notice on the status page, or waiting for a second person.
 */
import type { PendingChange, Rollout } from '../../src/admin-client/client.ts';
import { table } from '../text-table.ts';
import { required, type Command } from './command-line.ts';

/** A rule in words: `enforce at 100%`, or `follows *` for a deletion. */
function ruleWords(rule: PendingChange['rule']): string {
  if (!rule) return 'its rule deleted (it follows *)';
  const stages = rule.stages && rule.stages.length > 1 ? ` in stages ${rule.stages.map((stage) => `${stage.percent}%`).join(' → ')}` : '';
  return `${rule.mode} at ${rule.percent}%${stages}`;
}

/** What a set, delete or resume did to `region`, in words: applied, announced with its date, or waiting for approval. */
export function changeOutcome(region: string, answer: Rollout | PendingChange, applied: string): string {
  if ('changeId' in answer) {
    return [
      `Asked: ${region}, ${ruleWords(answer.rule)}. It is stricter, so it waits for a second person's approval; nothing changed yet.`,
      `Change ${answer.changeId}, waiting until ${answer.expiresAt}. Another person with rollout:approve approves it with:`,
      `  npm run ops -- rollout approve ${answer.changeId} --note "why"`,
    ].join('\n');
  }
  const upcoming = Object.hasOwn(answer.regions, region) ? answer.regions[region]!.upcoming : undefined;
  if (upcoming) {
    const what = upcoming.removes ? 'follows *' : `becomes ${upcoming.mode} at ${upcoming.percent}%`;
    return `${region} ${what} on ${upcoming.effectiveAt}, after its notice on the public status page (/gate/status?region=${region}); the rule in force decides until then.`;
  }
  return applied;
}

export const ROLLOUT_CHANGE_COMMANDS: readonly Command[] = [
  {
    name: 'rollout pending',
    args: [],
    usage: '',
    summary: 'Stricter changes waiting for a second person’s approval.',
    options: [],
    async run(_args, { admin, call, output }) {
      const { changes } = await call(() => admin.GET('/admin/v1/rollout/changes'));
      output({ changes }, () =>
        changes.length === 0
          ? 'No change is waiting for approval.'
          : table(
              changes.map((change) => ({
                change: change.changeId,
                region: change.region,
                to: ruleWords(change.rule),
                askedBy: change.requestedBy,
                askedAt: change.requestedAt,
                expiresAt: change.expiresAt,
                note: change.note ?? '',
              })),
              ['change', 'region', 'to', 'askedBy', 'askedAt', 'expiresAt', 'note'],
            ),
      );
    },
  },
  {
    name: 'rollout approve',
    args: ['CHANGE'],
    usage: 'CHANGE [--note "why"]',
    summary: 'Approve a change another person asked for: it applies, its notice on the status page starting now.',
    options: ['note'],
    async run(args, { flags, admin, call, output }) {
      const changeId = required(args[0], 'CHANGE (the id "rollout pending" lists)');
      const asked = (await call(() => admin.GET('/admin/v1/rollout/changes'))).changes.find((change) => change.changeId === changeId);
      const rollout = await call(() => admin.POST('/admin/v1/rollout/changes/{changeId}/approve', { params: { path: { changeId } }, body: flags.note ? { note: flags.note } : {} }));
      const region = asked?.region ?? '';
      output(
        rollout,
        () => `Approved change ${changeId}, asked by ${asked?.requestedBy ?? 'another person'}.\n${changeOutcome(region, rollout, `${region}: ${ruleWords(asked?.rule ?? null)} applies now.`)}`,
      );
    },
  },
  {
    name: 'rollout reject',
    args: ['CHANGE'],
    usage: 'CHANGE [--note "why"]',
    summary: 'Reject a waiting change: it is dropped, and nothing changes.',
    options: ['note'],
    async run(args, { flags, admin, call, output }) {
      const changeId = required(args[0], 'CHANGE (the id "rollout pending" lists)');
      const answer = await call(() => admin.POST('/admin/v1/rollout/changes/{changeId}/reject', { params: { path: { changeId } }, body: flags.note ? { note: flags.note } : {} }));
      output(answer, () => `Rejected change ${changeId}; nothing changed.`);
    },
  },
];
