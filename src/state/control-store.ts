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
import { deliverOpsEvent, type NotifyTarget, type OpsEvent } from '../challenges/notify';
import { metricsSettingsOf, parseConfig, type ConfigBindings } from '../config/config';
import { EMPTY_ROLLOUT, FALLBACK_REGION, type Guard, type Rollout, type RolloutRule } from '../policy/rollout';
import { advanced, guarded, nextAdvance, stageNote, startRule, tripNote, tripped, type RuleSettings } from '../policy/staged-rule';
import { MS_PER_DAY, MS_PER_MINUTE, MS_PER_SECOND } from '../time';
import { RetrySchedule, wakeBy } from './alarm';
import { AuditLog, type AppendOptions, type AuditEntry, type AuditInput } from './audit-log';
import { type ControlStoreApi } from './control-api';
import { CONTROL_OBJECT_NAME } from './object-names';
import { ROLLOUT_KEY } from './kv-keys';
import { KvPublisher } from './kv-publisher';
import { Outbox } from './outbox';
import { regionMetrics, type RegionMetrics } from './region-metrics';
import { CONTROL_MIGRATIONS, SqlSchema } from './sql-schema';
import { err, ok, type Result } from '../result';

const ROLLOUT = 'rollout';
/** The actor of every change a rule makes by itself. */
export const GUARD_ACTOR = 'hearth-guard';
/** Guards are read at least this often. */
export const GUARD_INTERVAL_MS = MS_PER_MINUTE;
/**
 * How long after a person's change a guard reading from before it means the
 * change's mark never reached the region object (its setGuard failed), not
 * that it is on its way: the ControlStore then sends the mark again.
 */
export const MARK_GRACE_MS = 10 * MS_PER_SECOND;
/** A region whose rule cannot be tended (its guard read, its stage advanced) is tried again after 5 s, doubling per failure up to 10 minutes. */
export const ALARM_BACKOFF_MIN_MS = 5 * MS_PER_SECOND;
export const ALARM_BACKOFF_MAX_MS = 10 * MS_PER_MINUTE;
/** An ops event that cannot be delivered is retried (with backoff, at most a minute apart) for this long, then dropped with a log line. */
export const OPS_EVENT_GIVE_UP_MS = MS_PER_DAY;

export interface ControlStoreEnv extends ConfigBindings {
  HEARTH_KV: KVNamespace;
  METRICS: DurableObjectNamespace<RegionMetrics>;
}

/** An ops event on its way to OPS_NOTIFY_URL. */
interface OpsDelivery {
  origin: string;
  at: string;
  event: OpsEvent;
}

export type { AppendOptions, AuditEntry, AuditInput } from './audit-log';

export type RolloutChange = Result<Rollout, { reason: 'VERSION_MISMATCH' | 'RULE_NOT_FOUND'; rollout: Rollout }>;

export interface RuleChange {
  region: string;
  /** Null deletes the region's rule. */
  rule: RuleSettings | null;
  actor: string;
  /** The version the caller last read (`If-Match`); a mismatch changes nothing. */
  ifMatch?: number;
}

/** The one ControlStore of the gate: rollout writes and the audit log go through it. */
export function controlStore(bindings: { CONTROL: DurableObjectNamespace<ControlStore> }): DurableObjectStub<ControlStore> {
  return bindings.CONTROL.get(bindings.CONTROL.idFromName(CONTROL_OBJECT_NAME));
}

export class ControlStore extends DurableObject<ControlStoreEnv> implements ControlStoreApi {
  readonly #publisher: KvPublisher;
  readonly #ops: Outbox<OpsDelivery>;
  readonly #auditLog: AuditLog;
  /** Regions whose rule failed to be tended, and when each is tried again. */
  readonly #retries = new RetrySchedule(ALARM_BACKOFF_MIN_MS, ALARM_BACKOFF_MAX_MS);

  constructor(ctx: DurableObjectState, env: ControlStoreEnv) {
    super(ctx, env);
    this.#publisher = new KvPublisher(ctx.storage, env.HEARTH_KV, () => this.rollout());
    this.#auditLog = new AuditLog(ctx.storage.sql);
    this.#ops = new Outbox<OpsDelivery>(ctx.storage, {
      prefix: 'ops:',
      failureEvent: 'ops_event_delivery_failed',
      giveUpAfterMs: OPS_EVENT_GIVE_UP_MS,
      deliverOne: (delivery) => deliverOpsEvent(this.#opsTarget(), delivery.event, Date.now()),
    });
    // The audit log and the metrics regions (storage-schema.md): only the steps the stored version lacks.
    ctx.blockConcurrencyWhile(async () => {
      new SqlSchema(ctx.storage, CONTROL_MIGRATIONS).open();
    });
  }

  async rollout(): Promise<Rollout> {
    return (await this.ctx.storage.get<Rollout>(ROLLOUT)) ?? EMPTY_ROLLOUT;
  }

  /** The rules with each guard's reading as of now (asked of the regions' objects), for people: the admin API. */
  async rolloutWithReadings(): Promise<Rollout> {
    const rollout = await this.rollout();
    const regions = Object.fromEntries(
      await Promise.all(
        Object.entries(rollout.regions).map(async ([region, rule]) => {
          if (!guarded(rule) || region === FALLBACK_REGION) return [region, rule] as const;
          const reading = await regionMetrics(this.env, region)
            .guardReading(rule.guard!, region)
            .catch(() => null);
          return [region, reading ? { ...rule, reading } : rule] as const;
        }),
      ),
    );
    return { ...rollout, regions };
  }

  /** Sets or deletes one region's rule, audited; compare-and-set on `ifMatch`. A staged rule starts at its first stage. */
  async changeRule(change: RuleChange): Promise<RolloutChange> {
    const current = await this.rollout();
    if (change.ifMatch !== undefined && change.ifMatch !== current.version) {
      return err({ reason: 'VERSION_MISMATCH', rollout: current });
    }
    if (!change.rule && !Object.hasOwn(current.regions, change.region)) {
      return err({ reason: 'RULE_NOT_FOUND', rollout: current });
    }
    const now = Date.now();
    // A person's rule is a new duty: it is tended when due, not after an old failure's backoff.
    this.#retries.succeeded(change.region);
    const before = Object.hasOwn(current.regions, change.region) ? current.regions[change.region]! : null;
    const after = change.rule ? { ...startRule(change.rule, now), updatedAt: new Date(now).toISOString(), updatedBy: change.actor } : null;
    const next = this.#write(current, change.region, after, {
      actor: change.actor,
      action: change.rule ? 'rollout.set' : 'rollout.delete',
      before,
      note: change.rule?.note ?? null,
      now,
    });
    await this.#afterWrite(change.region, before, after, now, { version: next.version });
    return ok(next);
  }

  /**
   * One transaction (no await in between): the rules, the mark that KV owes
   * them, the audit entry, and any ops event.
   */
  #write(
    current: Rollout,
    region: string,
    rule: RolloutRule | null,
    audit: { actor: string; action: string; before: RolloutRule | null; note: string | null; now: number },
    event?: OpsEvent,
  ): Rollout {
    const regions = { ...current.regions };
    if (rule) regions[region] = rule;
    else delete regions[region];
    const next: Rollout = { version: current.version + 1, updatedAt: new Date(audit.now).toISOString(), regions };
    this.#stored = this.ctx.storage.put({ [ROLLOUT]: next, ...this.#publisher.pendingEntry(ROLLOUT_KEY), ...(event ? this.#ops.entries([{ event }], audit.now) : {}) });
    this.appendAudit({ actor: audit.actor, action: audit.action, target: `rollout/${region}`, before: audit.before, after: rule, note: audit.note });
    return next;
  }

  /** The storage write of the last `#write`, awaited by `#afterWrite`. */
  #stored: Promise<void> = Promise.resolve();

  /**
   * After a rule changed: KV, ops events, the region object's guard, and the
   * alarm. `byPerson`: a person set the rule, making rollout `version`, so
   * its guard reads from now on, what was decided under that version on.
   */
  async #afterWrite(region: string, before: RolloutRule | null, after: RolloutRule | null, now: number, byPerson?: { version: number }): Promise<void> {
    await this.#stored;
    if (region !== FALLBACK_REGION && (guarded(before ?? undefined) || guarded(after ?? undefined))) {
      // First, before any instance can learn the rule from KV. A failure is logged and mended by the next alarm
      // (#tendRegion): the rule is written, and KV, the ops events and the alarm must still follow.
      const guard = guarded(after ?? undefined) ? after!.guard! : null;
      await this.#markGuard(region, guard, byPerson && { at: now, version: byPerson.version }).catch((error: unknown) => {
        console.error(JSON.stringify({ event: 'rollout_guard_mark_failed', region, error: error instanceof Error ? error.name : 'unknown' }));
      });
    }
    await this.#publisher.publish(now);
    await this.#ops.deliver(now);
    await this.#schedule(now);
  }

  /**
   * Wakes the alarm for the next stage due, at least once a minute while any
   * rule has a guard, and when a region that failed may be tried again — a
   * failed region's stage is not due before its backoff is over.
   */
  async #schedule(now: number): Promise<void> {
    const regions = Object.entries((await this.rollout()).regions);
    const dues: number[] = [];
    for (const [region, rule] of regions) {
      const due = nextAdvance(rule);
      const retryAt = this.#retries.retryAt(region);
      if (due !== null) dues.push(Math.max(due, retryAt ?? due));
      else if (retryAt !== null) dues.push(retryAt);
    }
    if (regions.some(([, rule]) => guarded(rule))) dues.push(now + GUARD_INTERVAL_MS);
    if (dues.length > 0) await wakeBy(this.ctx.storage, Math.max(now, Math.min(...dues)));
  }

  /**
   * New counts for `region` arrived and its RegionMetrics object read the
   * guard unhealthy: reads it again here and trips the rule if so. Answers
   * the rules when it tripped (so the isolate that sent the counts applies
   * the step-down to its very next request), else null.
   */
  async countsArrived(region: string): Promise<Rollout | null> {
    const changed = await this.#tendRegion(region, Date.now(), false);
    return changed ? this.rollout() : null;
  }

  /** Hands every shard of `region` the guard (null: none), and with `setBy` the moment it reads from, all the same. */
  async #markGuard(region: string, guard: Guard | null, setBy?: { at: number; version?: number }): Promise<void> {
    const { shards } = metricsSettingsOf(this.env);
    await Promise.all(Array.from({ length: shards }, (_, shard) => regionMetrics(this.env, region, shard).setGuard(guard, setBy)));
  }

  /**
   * Reads a region's guard (tripping the rule if it is unhealthy) and, when
   * `advance`, moves it to its next stage if one is due and the guard is
   * healthy. A person's change while the counts were being read wins: the
   * rule is acted on only if it is still the one that was read.
   */
  async #tendRegion(region: string, now: number, advance: boolean): Promise<boolean> {
    const read = await this.rollout();
    const rule = Object.hasOwn(read.regions, region) ? read.regions[region]! : undefined;
    if (!rule || rule.status === 'tripped') return false;
    const reading = guarded(rule) ? await regionMetrics(this.env, region).guardReading(rule.guard!, region) : null;
    // A reading from before the rule was set is an older rule's: the mark a person's change sends the region object
    // (#afterWrite) has not reached it yet. Nothing is done on it; the next counts or alarm read again. Past
    // MARK_GRACE_MS the mark was lost (its setGuard failed): it is sent again, from the rule's own moment.
    const setAt = rule.updatedAt === undefined ? null : Date.parse(rule.updatedAt);
    if (reading && setAt !== null && Date.parse(reading.since) < setAt) {
      if (now >= setAt + MARK_GRACE_MS) await this.#markGuard(region, rule.guard!, { at: setAt });
      return false;
    }
    const current = await this.rollout();
    const still = Object.hasOwn(current.regions, region) ? current.regions[region] : undefined;
    if (!still || still.updatedAt !== rule.updatedAt || still.stage !== rule.stage || still.status !== rule.status) return false;

    if (reading?.unhealthy) {
      const after = tripped(still, reading, now);
      this.#write(
        current,
        region,
        after,
        { actor: GUARD_ACTOR, action: 'rollout.guard_tripped', before: still, note: tripNote(reading, still), now },
        { type: 'rollout_guard_tripped', region, rule: after, reading, at: new Date(now).toISOString() },
      );
      console.log(JSON.stringify({ event: 'rollout_guard_tripped', region, cause: reading.cause, households: reading.households }));
      await this.#afterWrite(region, still, after, now);
      return true;
    }
    const due = nextAdvance(still);
    if (advance && due !== null && due <= now) {
      const after = advanced(still, now);
      this.#write(
        current,
        region,
        after,
        { actor: GUARD_ACTOR, action: 'rollout.stage_advanced', before: still, note: stageNote(after), now },
        { type: 'rollout_stage_advanced', region, rule: after, reading, at: new Date(now).toISOString() },
      );
      await this.#afterWrite(region, still, after, now);
      return true;
    }
    return false;
  }

  /** The webhook of ops events, or null (development: logged instead). */
  #opsTarget(): NotifyTarget | null {
    const parsed = parseConfig(this.env);
    if (!parsed.ok || !parsed.value.opsNotifyUrl) return null;
    const key = parsed.value.notify?.signingKey ?? (this.env.NOTIFY_SIGNING_KEY as string | undefined);
    return key ? { url: parsed.value.opsNotifyUrl, signingKey: key, timeoutMs: parsed.value.notifyTimeoutMs } : null;
  }

  /**
   * Appends one audit entry (at most once per `origin`). With `redact`, the
   * account's earlier entries are redacted in the same transaction.
   */
  appendAudit(entry: AuditInput, options: AppendOptions = {}): void {
    this.#auditLog.append(entry, options);
  }

  /** Audit entries newest first; `before` is the id of the last entry already seen. */
  audit(limit: number, before?: number): AuditEntry[] {
    return this.#auditLog.page(limit, before);
  }

  /** Notes that shard `shard` of `region` has decision metrics: a count that needed a valid token arrived there (each RegionMetrics object asks once). */
  noteMetricsRegion(region: string, shard = 0): void {
    this.ctx.storage.sql.exec('INSERT OR IGNORE INTO metrics_regions (region) VALUES (?)', region);
    this.ctx.storage.sql.exec('INSERT OR IGNORE INTO metrics_shards (region, shard) VALUES (?, ?)', region, shard);
  }

  /** Forgets shard `shard` of `region`, and the region once no shard is left: every count the shard held has expired (it tells, once). */
  forgetMetricsRegion(region: string, shard = 0): void {
    this.ctx.storage.sql.exec('DELETE FROM metrics_shards WHERE region = ? AND shard = ?', region, shard);
    const left = this.ctx.storage.sql.exec('SELECT 1 FROM metrics_shards WHERE region = ? LIMIT 1', region).toArray().length;
    if (left === 0) this.ctx.storage.sql.exec('DELETE FROM metrics_regions WHERE region = ?', region);
  }

  /** Every region that has decision metrics, in order. */
  metricsRegions(): string[] {
    return this.ctx.storage.sql
      .exec<{ region: string }>('SELECT region FROM metrics_regions ORDER BY region')
      .toArray()
      .map((row) => row.region);
  }

  /** Every region that has decision metrics, in order, with the shards holding its counts. */
  metricsShards(): Record<string, number[]> {
    const shards: Record<string, number[]> = {};
    for (const row of this.ctx.storage.sql.exec<{ region: string; shard: number }>('SELECT region, shard FROM metrics_shards ORDER BY region, shard')) (shards[row.region] ??= []).push(row.shard);
    return shards;
  }

  /** KV owed, ops events owed, then every rule's guard and due stage. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    await this.#publisher.publish(now);
    await this.#ops.deliver(now);
    for (const region of Object.keys((await this.rollout()).regions)) {
      const retryAt = this.#retries.retryAt(region);
      if (retryAt !== null && retryAt > now) continue;
      try {
        await this.#tendRegion(region, now, true);
        this.#retries.succeeded(region);
      } catch (error) {
        // Backs off: a rule that throws every time must not wake the object again at once.
        const { attempt, retryAt: next } = this.#retries.failed(region, now);
        console.error(JSON.stringify({ event: 'rollout_tend_failed', region, attempt, retryInMs: next - now, error: error instanceof Error ? error.name : 'unknown' }));
      }
    }
    await this.#schedule(now);
  }
}
