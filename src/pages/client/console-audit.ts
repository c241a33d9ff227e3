/** The console's audit panel: the audit trail, newest first, twenty entries a page, saying when the oldest is shown. */
import type { AdminApi } from '../../admin-client/client';
import { summariseChange } from '../../admin-client/wording';
import { $ } from './console-context';
import { row } from './console-cells';

/** The audit panel: `load(true)` reads the trail afresh (after a change), `load(false)` the next page. */
export interface AuditPanel {
  load: (reset: boolean) => Promise<void>;
}

export function enableAuditPanel(api: AdminApi): AuditPanel {
  let auditCursor: string | null = null;

  async function load(reset: boolean): Promise<void> {
    if (reset) auditCursor = null;
    const answer = await api.GET('/admin/v1/audit', { params: { query: { limit: 20, ...(auditCursor ? { cursor: auditCursor } : {}) } } });
    if (!answer.data) return;
    const tbody = $('audit');
    if (reset) tbody.replaceChildren();
    for (const entry of answer.data.entries) tbody.append(row([entry.at, entry.actor, entry.action, entry.target, `${summariseChange(entry.before)} → ${summariseChange(entry.after)}`, entry.note]));
    auditCursor = answer.data.nextCursor ?? null;
    $('audit-more').hidden = !auditCursor;
    // Said, not left to guess: once the last page is shown, there is nothing older.
    $('audit-end').hidden = auditCursor !== null || tbody.childElementCount === 0;
  }
  $('audit-more').addEventListener('click', () => void load(false));
  return { load };
}
