/** `ops audit`: the audit trail, newest first, a page at a time. */
import { summariseChange } from '../../src/admin-client/wording.ts';
import { table } from '../text-table.ts';
import { integer, type Command } from './command-line.ts';

export const AUDIT_COMMAND: Command = {
  name: 'audit',
  args: [],
  usage: '[--limit 20] [--cursor ID]',
  summary: 'The audit trail, newest first.',
  options: ['limit', 'cursor'],
  async run(_args, { flags, admin, call, output }) {
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
  },
};
