/**
 * ControlStore: the one Durable Object that owns the rollout rules and the
 * append-only audit log. Rule changes are compare-and-set on the rollout
 * version, audited in the same transaction, and written through to KV.
 */
import { DurableObject } from 'cloudflare:workers';
import { EMPTY_ROLLOUT, type Rollout, type RolloutRule } from '../policy/rollout';
import { ROLLOUT_KEY } from './kv-keys';
import { KvPublisher } from './kv-publisher';

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

export type RolloutChange =
  | { ok: true; rollout: Rollout }
  | { ok: false; reason: 'VERSION_MISMATCH' | 'RULE_NOT_FOUND'; rollout: Rollout };

export interface RuleChange {
  region: string;
  /** Null deletes the region's rule. */
  rule: Omit<RolloutRule, 'updatedAt' | 'updatedBy'> | null;
  actor: string;
  /** The version the caller last read (`If-Match`); a mismatch changes nothing. */
  ifMatch?: number;
}

export class ControlStore extends DurableObject<ControlStoreEnv> {
  readonly #publisher: KvPublisher;

  constructor(ctx: DurableObjectState, env: ControlStoreEnv) {
    super(ctx, env);
    this.#publisher = new KvPublisher(ctx.storage, env.HEARTH_KV);
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
    if (!change.rule && !(change.region in current.regions)) {
      return { ok: false, reason: 'RULE_NOT_FOUND', rollout: current };
    }
    const now = new Date();
    const before = current.regions[change.region] ?? null;
    const regions = { ...current.regions };
    if (change.rule) {
      regions[change.region] = { ...change.rule, updatedAt: now.toISOString(), updatedBy: change.actor };
    } else {
      delete regions[change.region];
    }
    const next: Rollout = { version: current.version + 1, updatedAt: now.toISOString(), regions };
    await this.ctx.storage.put(ROLLOUT, next);
    this.appendAudit({
      actor: change.actor,
      action: change.rule ? 'rollout.set' : 'rollout.delete',
      target: `rollout/${change.region}`,
      before,
      after: regions[change.region] ?? null,
      note: change.rule?.note ?? null,
    });
    await this.#publisher.publish(ROLLOUT_KEY, next, now.getTime());
    return { ok: true, rollout: next };
  }

  /** Appends one audit entry. Entries are never updated or deleted. */
  appendAudit(entry: AuditInput): AuditEntry {
    const at = new Date().toISOString();
    const cursor = this.ctx.storage.sql.exec<{ seq: number }>(
      'INSERT INTO audit (at, actor, action, target, before, after, note) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq',
      at,
      entry.actor,
      entry.action,
      entry.target,
      JSON.stringify(entry.before ?? null),
      JSON.stringify(entry.after ?? null),
      entry.note,
    );
    return { id: String(cursor.one().seq), at, ...entry };
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

  override async alarm(): Promise<void> {
    await this.#publisher.flush(ROLLOUT_KEY, await this.rollout(), Date.now());
  }
}
