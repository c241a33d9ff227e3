/**
 * The audit trail (docs/api.md): append-only, newest first, paged with an
 * opaque cursor. Nothing in the API can change or remove an entry.
 */
import type { z } from 'zod';
import type { HandlerInput } from '../api/operation';
import type { auditPage, auditQuery } from '../api/schemas';
import type { AppContext } from '../http/context';
import type { AuditEntry } from '../state/control-store';
import { controlStore } from '../state/control-store';

export async function listAudit(c: AppContext, input: HandlerInput<'admin', { query: typeof auditQuery }>): Promise<Response> {
  const { limit, cursor } = input.query;
  // Entries are JSON by construction; the RPC type cannot express `unknown` members.
  const entries = (await controlStore(c.env).audit(limit, cursor === undefined ? undefined : Number(cursor))) as unknown as AuditEntry[];
  const nextCursor = entries.length === limit ? entries.at(-1)!.id : null;
  return c.json({ entries, nextCursor } satisfies z.input<typeof auditPage>, 200, { 'Cache-Control': 'no-store' });
}
