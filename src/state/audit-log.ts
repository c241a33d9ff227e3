/**
 * The gate's audit log: the ControlStore's SQL table `audit`
 * (storage-schema.md; laid out by sql-schema.ts). Entries are inserted,
 * never edited, at most once per `origin` (an outbox delivery retried after
 * a lost acknowledgement is not written twice), with one exception: erasing
 * an account redacts what identifies the person in that account's entries
 * (target, before, after, note), keeping action, time and actor.
 */

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
  note: string | null;
}

export type AuditInput = Omit<AuditEntry, 'id' | 'at'>;

export interface AppendOptions {
  /** A unique id of the change: a second append with the same origin is ignored (outbox retries). */
  origin?: string;
  /** When the change was made; defaults to now. */
  at?: string;
  /** Redact every earlier entry naming `accounts/<accountId>` to `accounts/<pseudonym>`. */
  redact?: { accountId: string; pseudonym: string };
}

type AuditRow = {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  before: string;
  after: string;
  note: string | null;
};

export class AuditLog {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * Appends one entry (at most once per `origin`). With `redact`, the
   * account's earlier entries are redacted in the same transaction: the
   * statements are synchronous, with no await between them.
   */
  append(entry: AuditInput, options: AppendOptions = {}): void {
    const at = options.at ?? new Date().toISOString();
    if (options.redact) this.#redact(options.redact.accountId, options.redact.pseudonym);
    this.sql.exec(
      'INSERT OR IGNORE INTO audit (at, actor, action, target, before, after, note, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      at,
      entry.actor,
      entry.action,
      entry.target,
      JSON.stringify(entry.before ?? null),
      JSON.stringify(entry.after ?? null),
      entry.note,
      options.origin ?? null,
    );
  }

  /** Entries newest first; `before` is the id of the last entry already seen. */
  page(limit: number, before?: number): AuditEntry[] {
    const rows = this.sql.exec<AuditRow>('SELECT * FROM audit WHERE seq < ? ORDER BY seq DESC LIMIT ?', before ?? Number.MAX_SAFE_INTEGER, limit).toArray();
    return rows.map((row) => ({
      id: String(row.seq),
      at: row.at,
      actor: row.actor,
      action: row.action,
      target: row.target,
      before: JSON.parse(row.before),
      after: JSON.parse(row.after),
      note: row.note,
    }));
  }

  /** Every entry naming `accounts/<accountId>` (or below it) now names `accounts/<pseudonym>`, with nothing else about it. */
  #redact(accountId: string, pseudonym: string): void {
    const exact = `accounts/${accountId}`;
    const prefix = `${exact}/`;
    this.sql.exec(`UPDATE audit SET target = ?, before = 'null', after = 'null', note = NULL WHERE target = ? OR substr(target, 1, ?) = ?`, `accounts/${pseudonym}`, exact, prefix.length, prefix);
  }
}
