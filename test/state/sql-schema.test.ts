/**
 * The schema-version row (src/state/sql-schema.ts, storage-schema.md): every
 * Durable Object opens its storage through one helper that applies only the
 * steps its stored version lacks, in one transaction. An object written by
 * the code before the row existed — built here by hand in the layout it left
 * — opens under today's code with its data intact and is stamped; an object
 * that holds nothing is left empty.
 */
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { HearthEnv } from '../../src/env';
import { ControlStore } from '../../src/state/control-store';
import { HouseholdStore } from '../../src/state/household-store';
import { NetworkSharing } from '../../src/state/network-sharing';
import { RegionMetrics } from '../../src/state/region-metrics';
import { CONTROL_MIGRATIONS, HOUSEHOLD_MIGRATIONS, METRICS_MIGRATIONS, NETWORK_MIGRATIONS, SCHEMA_VERSION_TABLE, schemaVersion, SqlSchema, type SchemaStep } from '../../src/state/sql-schema';
import { HOLDER_ID } from '../../src/network/network-id';
import { counterName } from '../../src/metrics/tally';
import { limits } from '../support/limits';

const bindings = env as unknown as HearthEnv;
const MINUTE = 60_000;
let seed = 0;
const fresh = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seed}`;

/** The tables an object holds besides the runtime's own. */
const tablesOf = (sql: SqlStorage) =>
  sql
    .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
    .toArray()
    .map((row) => row.name);

/** Drops every table of the object: what is left is what the test builds. */
function dropAll(sql: SqlStorage): void {
  for (const table of tablesOf(sql)) sql.exec(`DROP TABLE ${table}`);
}

describe('an object written before the schema-version row opens under today’s code', () => {
  it('ControlStore: an audit log without origins and regions noted before sharding are kept, and the object is stamped', async () => {
    const stub = bindings.CONTROL.get(bindings.CONTROL.idFromName(fresh('control-old')));
    const opened = await runInDurableObject(stub, async (_: ControlStore, state) => {
      const sql = state.storage.sql;
      dropAll(sql);
      // The layout of the first audit log: no `origin`, no shards table.
      sql.exec('CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, before TEXT, after TEXT, note TEXT)');
      sql.exec('CREATE TABLE metrics_regions (region TEXT PRIMARY KEY)');
      sql.exec(
        "INSERT INTO audit (at, actor, action, target, before, after, note) VALUES ('2026-01-01T00:00:00.000Z', 'ops@example.com', 'rollout.set', 'rollout/PE', 'null', '{\"mode\":\"monitor\"}', 'first')",
      );
      sql.exec("INSERT INTO metrics_regions (region) VALUES ('PE'), ('CL')");
      expect(tablesOf(sql)).not.toContain(SCHEMA_VERSION_TABLE);

      const store = new ControlStore(state, bindings as never);
      await state.blockConcurrencyWhile(async () => {});
      // An origin can be given now, and a second delivery of it is ignored.
      store.appendAudit({ actor: 'a', action: 'grant.create', target: 'accounts/x', before: null, after: null, note: null }, { origin: 'o-1' });
      store.appendAudit({ actor: 'a', action: 'grant.create', target: 'accounts/x', before: null, after: null, note: null }, { origin: 'o-1' });
      return { audit: store.audit(10), shards: store.metricsShards(), regions: store.metricsRegions(), version: schemaVersion(sql) };
    });
    expect(opened.audit.map((entry) => [entry.action, entry.note])).toEqual([
      ['grant.create', null],
      ['rollout.set', 'first'],
    ]);
    expect(opened.audit[1]!.after).toEqual({ mode: 'monitor' });
    expect(opened.regions).toEqual(['CL', 'PE']);
    expect(opened.shards).toEqual({ CL: [0], PE: [0] });
    expect(opened.version).toBe(CONTROL_MIGRATIONS.length);
  });

  it('RegionMetrics: rows without household sketches and the region’s marks are kept, and the object is stamped', async () => {
    const region = `Q${String.fromCharCode(65 + (seed % 26))}`;
    const stub = bindings.METRICS.get(bindings.METRICS.idFromName(fresh('metrics-old')));
    const minute = Date.now() - (Date.now() % MINUTE) - 5 * MINUTE;
    const segments = counterName({ kind: 'decision', route: 'segment', decision: 'allow', enforced: 'allow', reason: 'IN_HOUSEHOLD', mode: 'monitor' });
    const opened = await runInDurableObject(stub, async (_: RegionMetrics, state) => {
      const sql = state.storage.sql;
      dropAll(sql);
      // The layout before v1.3: counts only, no sketch columns.
      sql.exec('CREATE TABLE minute (at INTEGER PRIMARY KEY, counts TEXT NOT NULL)');
      sql.exec('CREATE TABLE hour (at INTEGER PRIMARY KEY, counts TEXT NOT NULL)');
      sql.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
      sql.exec('INSERT INTO minute (at, counts) VALUES (?, ?)', minute, JSON.stringify({ [segments]: 7 }));
      sql.exec("INSERT INTO meta (key, value) VALUES ('registered', ?), ('shard', '2')", region);

      const metrics = new RegionMetrics(state, bindings as never);
      await state.blockConcurrencyWhile(async () => {});
      const series = metrics.series('minute', minute, minute + MINUTE, MINUTE);
      const columns = sql
        .exec<{ name: string }>('PRAGMA table_info(minute)')
        .toArray()
        .map((column) => column.name);
      return { series, columns, version: schemaVersion(sql), shard: sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'shard'").one().value };
    });
    expect(opened.series.map((step) => step.record)).toEqual([{ [segments]: 7 }]);
    expect(opened.columns).toEqual([
      'at',
      'counts',
      'treated',
      'refused',
      'sent',
      'verified',
      'said_live_here',
      'said_travelling',
      'said_studying',
      'said_posted_away',
      'said_second_home',
      'said_other',
    ]);
    expect(opened.shard).toBe('2');
    expect(opened.version).toBe(METRICS_MIGRATIONS.length);
  });

  it('NetworkSharing: the holders are kept and counted, and the object is stamped', async () => {
    const stub = bindings.NETWORKS.get(bindings.NETWORKS.idFromName(fresh('network-old')));
    const holder = 'h1.' + 'a'.repeat(22);
    expect(holder).toMatch(HOLDER_ID);
    const opened = await runInDurableObject(stub, async (_: NetworkSharing, state) => {
      const sql = state.storage.sql;
      dropAll(sql);
      sql.exec('CREATE TABLE holders (holder TEXT PRIMARY KEY, held_at INTEGER NOT NULL)');
      sql.exec('CREATE INDEX holders_by_time ON holders (held_at)');
      sql.exec('CREATE TABLE settings (name TEXT PRIMARY KEY, value INTEGER NOT NULL)');
      sql.exec('INSERT INTO holders (holder, held_at) VALUES (?, ?)', holder, Date.now());
      sql.exec("INSERT INTO settings (name, value) VALUES ('trustWindowMs', 86400000)");

      const sharing = new NetworkSharing(state, {});
      await state.blockConcurrencyWhile(async () => {});
      return { households: sharing.households(), version: schemaVersion(sql) };
    });
    expect(opened).toEqual({ households: 1, version: NETWORK_MIGRATIONS.length });
  });

  it('HouseholdStore: the household is kept, and the object is stamped', async () => {
    const account = fresh('acct-old');
    const stub = bindings.HOUSEHOLDS.get(bindings.HOUSEHOLDS.idFromName(account));
    const opened = await runInDurableObject(stub, async (_: HouseholdStore, state) => {
      dropAll(state.storage.sql);
      // A household as stored by v1.3, schema 1 document and all: key-value records, no row.
      await state.storage.put('household', {
        schema: 1,
        accountId: account,
        revision: 3,
        establishedAt: 1,
        anchorDeviceId: 'tv',
        homeNetworks: [],
        lastNetworkJoinAt: null,
        devices: { tv: { deviceId: 'tv', type: 'tv', firstSeenAt: 1, lastSeenAt: 2, lastHomeSeenAt: null, signedOutAt: null, temporaryAccessUntil: null, travelGrantsAt: [] } },
        extraMembers: {},
        supportGrants: [],
        primaryLocationChangesAt: [],
        updatedAt: 2,
      });
      expect(schemaVersion(state.storage.sql)).toBe(0);

      const store = new HouseholdStore(state, bindings as never);
      await state.blockConcurrencyWhile(async () => {});
      const household = await store.household();
      return { revision: household?.revision, devices: [...(household?.devices.keys() ?? [])], version: schemaVersion(state.storage.sql) };
    });
    expect(opened).toEqual({ revision: 3, devices: ['tv'], version: HOUSEHOLD_MIGRATIONS.length });
  });
});

describe('an object that holds nothing stays empty until it writes', () => {
  it('NetworkSharing: a count read from a new network creates no storage; the first hold stamps it', async () => {
    const stub = bindings.NETWORKS.get(bindings.NETWORKS.idFromName(fresh('network-new')));
    expect(await stub.households()).toBe(0);
    expect(await runInDurableObject(stub, (_: NetworkSharing, state) => tablesOf(state.storage.sql))).toEqual([]);
    expect(await stub.hold(`h1.${'b'.repeat(22)}`, 86_400_000)).toBe(1);
    expect(await runInDurableObject(stub, (_: NetworkSharing, state) => schemaVersion(state.storage.sql))).toBe(NETWORK_MIGRATIONS.length);
  });

  it('HouseholdStore: reading an unknown account creates no storage; the first change stamps it', async () => {
    const account = fresh('acct-new');
    const stub = bindings.HOUSEHOLDS.get(bindings.HOUSEHOLDS.idFromName(account));
    expect(await stub.snapshot(account)).toBeNull();
    expect(await runInDurableObject(stub, (_: HouseholdStore, state) => tablesOf(state.storage.sql))).toEqual([]);
    await stub.recordVisit(account, { deviceId: 'tv', deviceType: 'tv', networkId: null, addressId: null, at: Date.now() }, limits);
    expect(await runInDurableObject(stub, (_: HouseholdStore, state) => schemaVersion(state.storage.sql))).toBe(HOUSEHOLD_MIGRATIONS.length);
  });
});

describe('SqlSchema', () => {
  const step = (table: string): SchemaStep => ({ note: `table ${table}`, apply: (sql) => sql.exec(`CREATE TABLE ${table} (x INTEGER)`) });

  it('applies only the steps the stored version lacks, and never lowers the version', async () => {
    const stub = bindings.NETWORKS.get(bindings.NETWORKS.idFromName(fresh('schema-steps')));
    const result = await runInDurableObject(stub, (_: NetworkSharing, state) => {
      dropAll(state.storage.sql);
      const first = new SqlSchema(state.storage, [step('one')]).open();
      // Applied again, `one` would fail: it exists.
      const second = new SqlSchema(state.storage, [step('one'), step('two')]).open();
      // Code older than the storage (a rollback) leaves the row as it is.
      const older = new SqlSchema(state.storage, [step('one')]).open();
      return { first, second, older, stored: schemaVersion(state.storage.sql), tables: tablesOf(state.storage.sql) };
    });
    expect(result).toEqual({ first: 1, second: 2, older: 2, stored: 2, tables: ['one', SCHEMA_VERSION_TABLE, 'two'].toSorted() });
  });

  it('applies its steps in one transaction: a step that fails leaves the version and every table as they were', async () => {
    const stub = bindings.NETWORKS.get(bindings.NETWORKS.idFromName(fresh('schema-atomic')));
    const result = await runInDurableObject(stub, (_: NetworkSharing, state) => {
      dropAll(state.storage.sql);
      new SqlSchema(state.storage, [step('one')]).open();
      const broken: SchemaStep = { note: 'broken', apply: (sql) => sql.exec('CREATE TABLE one (x INTEGER)') };
      let error: unknown = null;
      try {
        new SqlSchema(state.storage, [step('one'), step('two'), broken]).open();
      } catch (thrown) {
        error = thrown;
      }
      return { failed: error instanceof Error, stored: schemaVersion(state.storage.sql), tables: tablesOf(state.storage.sql) };
    });
    expect(result).toEqual({ failed: true, stored: 1, tables: ['one', SCHEMA_VERSION_TABLE].toSorted() });
  });
});
