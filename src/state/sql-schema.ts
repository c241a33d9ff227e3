/**
 * One way for a Durable Object to lay out its SQLite storage: an ordered list
 * of steps, and one row that says how many of them the stored data has had
 * (storage-schema.md, "The schema-version row"). Each object opens its
 * schema once, in its constructor under `blockConcurrencyWhile`; only the
 * missing steps run, all of them and the new version in one transaction, so
 * an object is never left half way between two layouts.
 *
 * Step 1 of every object is the layout it had in v1.3, reached from any
 * layout before it (objects written then carry no row, so they read as
 * version 0): it creates what is missing and adds columns only when absent.
 * Every later step runs on a known layout and may be plain DDL. Steps only
 * add: a rollback to code that knows fewer steps reads a newer layout, so the
 * row is never lowered.
 *
 * An object that holds nothing may be left empty (`whenEmpty: 'wait'`): a
 * read of an unknown account or network must not create an object that
 * stays in storage for ever. Its first write lays the schema out (`ensure`),
 * in the same transaction as the write when no await comes between.
 *
 * The four objects' steps are listed below, in one place beside the object
 * names (object-names.ts) and KV keys (kv-keys.ts).
 */
import { DECISION_HOUSEHOLD_KINDS, FEEDBACK_HOUSEHOLD_KINDS, sketchColumn } from '../metrics/tally';

/** One change of an object's layout, applied once, in order. */
export interface SchemaStep {
  /** What the step brings (storage-schema.md lists them). */
  readonly note: string;
  readonly apply: (sql: SqlStorage) => void;
}

export const SCHEMA_VERSION_TABLE = 'schema_version';

/** The stored version: how many steps the object's data has had (0: none, or written before the row existed). */
export function schemaVersion(sql: SqlStorage): number {
  const table = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?", SCHEMA_VERSION_TABLE).one().n;
  if (table === 0) return 0;
  return sql.exec<{ version: number }>(`SELECT version FROM ${SCHEMA_VERSION_TABLE} WHERE id = 1`).toArray()[0]?.version ?? 0;
}

/** Whether the object holds nothing: no table of its own and no key-value record. */
function holdsNothing(storage: DurableObjectStorage): boolean {
  const tables = storage.sql
    .exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
    .one().n;
  if (tables > 0) return false;
  for (const _ of storage.kv.list({ limit: 1 })) return false;
  return true;
}

export class SqlSchema {
  /** Whether the stored layout is known to be this code's (null: not opened yet, or emptied since). */
  #current = false;

  constructor(
    private readonly storage: DurableObjectStorage,
    readonly steps: readonly SchemaStep[],
  ) {}

  /**
   * Brings the stored layout up to this code's: the missing steps and the new
   * version in one transaction (a step that throws changes nothing). With
   * `whenEmpty: 'wait'`, an object that holds nothing is left so until
   * `ensure`. Answers the stored version (0 for an object left empty).
   */
  open(options: { whenEmpty?: 'create' | 'wait' } = {}): number {
    if (options.whenEmpty === 'wait' && schemaVersion(this.storage.sql) === 0 && holdsNothing(this.storage)) return 0;
    const version = this.storage.transactionSync(() => this.#migrate());
    this.#current = true;
    return version;
  }

  /** Lays the schema out before a write to an object left empty (or emptied since); free once it is. */
  ensure(): void {
    if (this.#current) return;
    this.open();
  }

  /** The object deleted all its storage (the row too): its next write lays the schema out again. */
  emptied(): void {
    this.#current = false;
  }

  #migrate(): number {
    const sql = this.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS ${SCHEMA_VERSION_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)`);
    const stored = schemaVersion(sql);
    if (stored >= this.steps.length) return stored;
    for (const step of this.steps.slice(stored)) step.apply(sql);
    sql.exec(`INSERT INTO ${SCHEMA_VERSION_TABLE} (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version`, this.steps.length);
    return this.steps.length;
  }
}

/** Columns `table` has. */
function columnsOf(sql: SqlStorage, table: string): Set<string> {
  return new Set(
    sql
      .exec<{ name: string }>(`PRAGMA table_info(${table})`)
      .toArray()
      .map((column) => column.name),
  );
}

/**
 * ControlStore: the audit log (insert once per origin), and which regions and
 * shards hold decision counts.
 */
export const CONTROL_MIGRATIONS: readonly SchemaStep[] = [
  {
    note: 'v1.3: audit (with origin, unique), metrics_regions, metrics_shards (regions noted before sharding as shard 0)',
    apply: (sql) => {
      sql.exec(`CREATE TABLE IF NOT EXISTS audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        before TEXT,
        after TEXT,
        note TEXT
      )`);
      if (!columnsOf(sql, 'audit').has('origin')) sql.exec('ALTER TABLE audit ADD COLUMN origin TEXT');
      sql.exec('CREATE UNIQUE INDEX IF NOT EXISTS audit_origin ON audit(origin)');
      sql.exec('CREATE TABLE IF NOT EXISTS metrics_regions (region TEXT PRIMARY KEY)');
      // A region noted before sharding is its shard 0 (named as the one object was); metrics_regions stays beside it,
      // so the code before sharding still reads its list.
      sql.exec('CREATE TABLE IF NOT EXISTS metrics_shards (region TEXT NOT NULL, shard INTEGER NOT NULL, PRIMARY KEY (region, shard))');
      sql.exec('INSERT OR IGNORE INTO metrics_shards (region, shard) SELECT region, 0 FROM metrics_regions WHERE region NOT IN (SELECT region FROM metrics_shards)');
    },
  },
];

/** RegionMetrics: counts by minute and by hour, and the shard's marks. */
export const METRICS_MIGRATIONS: readonly SchemaStep[] = [
  {
    note: 'v1.3: minute and hour (counts, and one household-sketch BLOB per kind), meta',
    apply: (sql) => {
      for (const table of ['minute', 'hour']) {
        sql.exec(`CREATE TABLE IF NOT EXISTS ${table} (at INTEGER PRIMARY KEY, counts TEXT NOT NULL)`);
        // v1.3: the household sketches, one BLOB column per kind (NULL: nobody counted).
        const columns = columnsOf(sql, table);
        for (const kind of DECISION_HOUSEHOLD_KINDS) if (!columns.has(kind)) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${kind} BLOB`);
      }
      sql.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    },
  },
  {
    note: 'v1.4: one household-sketch BLOB per feedback situation (said_live_here … said_other) in minute and hour',
    apply: (sql) => {
      for (const table of ['minute', 'hour']) {
        const columns = columnsOf(sql, table);
        for (const kind of FEEDBACK_HOUSEHOLD_KINDS) if (!columns.has(sketchColumn(kind))) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${sketchColumn(kind)} BLOB`);
      }
    },
  },
];

/** NetworkSharing: the households holding the network, by keyed hash only, and the window they were counted in. */
export const NETWORK_MIGRATIONS: readonly SchemaStep[] = [
  {
    note: 'v1.3: holders (indexed by time), settings',
    apply: (sql) => {
      sql.exec('CREATE TABLE IF NOT EXISTS holders (holder TEXT PRIMARY KEY, held_at INTEGER NOT NULL)');
      sql.exec('CREATE INDEX IF NOT EXISTS holders_by_time ON holders (held_at)');
      sql.exec('CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value INTEGER NOT NULL)');
    },
  },
];

/**
 * HouseholdStore: its records are key-value (the household document carries
 * its own `schema` and older documents are read as they are), so v1.3 adds no
 * table; the row marks which layout a later step starts from.
 */
export const HOUSEHOLD_MIGRATIONS: readonly SchemaStep[] = [
  { note: 'v1.3: key-value records only (storage-schema.md), no table', apply: () => {} },
  {
    note: 'v1.4: proof_jtis (one row per accepted DPoP proof, per device and key, kept 2 minutes)',
    apply: (sql) => {
      sql.exec('CREATE TABLE IF NOT EXISTS proof_jtis (device TEXT NOT NULL, jti TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (device, jti))');
      sql.exec('CREATE INDEX IF NOT EXISTS proof_jtis_by_time ON proof_jtis (at)');
    },
  },
  {
    note: 'v1.4: feedback (what refused devices said, contract §8; kept TRUST_WINDOW)',
    apply: (sql) => {
      sql.exec(`CREATE TABLE IF NOT EXISTS feedback (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        feedback_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        until INTEGER NOT NULL,
        device_id TEXT NOT NULL,
        device_type TEXT NOT NULL,
        situation TEXT NOT NULL,
        comment TEXT,
        request_id TEXT,
        region TEXT NOT NULL,
        reason TEXT NOT NULL
      )`);
      sql.exec('CREATE INDEX IF NOT EXISTS feedback_by_device ON feedback (device_id, at)');
      sql.exec('CREATE INDEX IF NOT EXISTS feedback_by_time ON feedback (at)');
      sql.exec('CREATE INDEX IF NOT EXISTS feedback_by_until ON feedback (until)');
    },
  },
];
