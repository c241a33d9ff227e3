/**
 * ControlStore: the one Durable Object that owns the rollout rules, the
 * append-only audit log, and the list of regions with decision metrics. Rule changes are compare-and-set on the rollout
 * version, audited in the same transaction, and written through to KV (the
 * KV write is owed in that transaction too, and retried until it lands).
 *
 * Audit entries are inserted, never edited, with one exception: erasing an
 * account redacts what identifies the person (the account and device ids in
 * `target`, `before`, `after`, `note`) in that account's entries, keeping
 * action, time and actor.
 */
import { DurableObject } from 'cloudflare:workers';
import { EMPTY_ROLLOUT, type Rollout, type RolloutRule } from '../policy/rollout';
import { ROLLOUT_KEY } from './kv-keys';
import { KvPublisher } from './kv-publisher';
import type { Result } from '../result';

const ROLLOUT = 'rollout';

export interface ControlStoreEnv {
  HEARTH_KV: KVNamespace;
}

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

export type RolloutChange = Result<{ rollout: Rollout }, { reason: 'VERSION_MISMATCH' | 'RULE_NOT_FOUND'; rollout: Rollout }>;

export interface RuleChange {
  region: string;
  /** Null deletes the region's rule. */
  rule: Omit<RolloutRule, 'updatedAt' | 'updatedBy'> | null;
  actor: string;
  /** The version the caller last read (`If-Match`); a mismatch changes nothing. */
  ifMatch?: number;
}

/** The one ControlStore of the gate: rollout writes and the audit log go through it. */
export function controlStore(bindings: { CONTROL: DurableObjectNamespace<ControlStore> }): DurableObjectStub<ControlStore> {
  return bindings.CONTROL.get(bindings.CONTROL.idFromName('control'));
}

export class ControlStore extends DurableObject<ControlStoreEnv> {
  readonly #publisher: KvPublisher;

  constructor(ctx: DurableObjectState, env: ControlStoreEnv) {
    super(ctx, env);
    this.#publisher = new KvPublisher(ctx.storage, env.HEARTH_KV, () => this.rollout());
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        before TEXT,
        after TEXT,
        note TEXT
      )`);
      const columns = ctx.storage.sql.exec<{ name: string }>('PRAGMA table_info(audit)').toArray();
      if (!columns.some((column) => column.name === 'origin')) ctx.storage.sql.exec('ALTER TABLE audit ADD COLUMN origin TEXT');
      ctx.storage.sql.exec('CREATE UNIQUE INDEX IF NOT EXISTS audit_origin ON audit(origin)');
      ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS metrics_regions (region TEXT PRIMARY KEY)');
    });
  }

  async rollout(): Promise<Rollout> {
    return (await this.ctx.storage.get<Rollout>(ROLLOUT)) ?? EMPTY_ROLLOUT;
  }

  /** Sets or deletes one region's rule, audited; compare-and-set on `ifMatch`. */
  async changeRule(change: RuleChange): Promise<RolloutChange> {
    const current = await this.rollout();
    if (change.ifMatch !== undefined && change.ifMatch !== current.version) {
      return { ok: false, reason: 'VERSION_MISMATCH', rollout: current };
    }
    if (!change.rule && !Object.hasOwn(current.regions, change.region)) {
      return { ok: false, reason: 'RULE_NOT_FOUND', rollout: current };
    }
    const now = new Date();
    const before = Object.hasOwn(current.regions, change.region) ? current.regions[change.region]! : null;
    const regions = { ...current.regions };
    if (change.rule) {
      regions[change.region] = { ...change.rule, updatedAt: now.toISOString(), updatedBy: change.actor };
    } else {
      delete regions[change.region];
    }
    const next: Rollout = { version: current.version + 1, updatedAt: now.toISOString(), regions };
    // One transaction (no await in between): the rules, the mark that KV owes them, and the audit entry.
    const stored = this.ctx.storage.put({ [ROLLOUT]: next, ...this.#publisher.pendingEntry(ROLLOUT_KEY) });
    this.appendAudit({
      actor: change.actor,
      action: change.rule ? 'rollout.set' : 'rollout.delete',
      target: `rollout/${change.region}`,
      before,
      after: regions[change.region] ?? null,
      note: change.rule?.note ?? null,
    });
    await stored;
    await this.#publisher.publish(now.getTime());
    return { ok: true, rollout: next };
  }

  /**
   * Appends one audit entry (at most once per `origin`). With `redact`, the
   * account's earlier entries are redacted in the same transaction.
   */
  appendAudit(entry: AuditInput, options: AppendOptions = {}): void {
    const at = options.at ?? new Date().toISOString();
    // Synchronous statements with no await between them commit as one transaction.
    if (options.redact) {
      const { accountId, pseudonym } = options.redact;
      const exact = `accounts/${accountId}`;
      const prefix = `${exact}/`;
      this.ctx.storage.sql.exec(
        `UPDATE audit SET target = ?, before = 'null', after = 'null', note = NULL WHERE target = ? OR substr(target, 1, ?) = ?`,
        `accounts/${pseudonym}`,
        exact,
        prefix.length,
        prefix,
      );
    }
    this.ctx.storage.sql.exec(
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

  /** Audit entries newest first; `before` is the id of the last entry already seen. */
  audit(limit: number, before?: number): AuditEntry[] {
    const rows = this.ctx.storage.sql
      .exec<{ seq: number; at: string; actor: string; action: string; target: string; before: string; after: string; note: string | null }>(
        'SELECT * FROM audit WHERE seq < ? ORDER BY seq DESC LIMIT ?',
        before ?? Number.MAX_SAFE_INTEGER,
        limit,
      )
      .toArray();
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

  /** Notes that `region` has decision metrics (its RegionMetrics object asks once). */
  noteMetricsRegion(region: string): void {
    this.ctx.storage.sql.exec('INSERT OR IGNORE INTO metrics_regions (region) VALUES (?)', region);
  }

  /** Every region that has decision metrics, in order. */
  metricsRegions(): string[] {
    return this.ctx.storage.sql.exec<{ region: string }>('SELECT region FROM metrics_regions ORDER BY region').toArray().map((row) => row.region);
  }

  override async alarm(): Promise<void> {
    await this.#publisher.publish(Date.now());
  }
}
