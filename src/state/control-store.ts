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
import { deliverOpsEvent, type NotifyTarget } from '../challenges/notify';
import { metricsSettingsOf, parseConfig, rolloutSettingsOf } from '../config/config';
import { FALLBACK_REGION, type Rollout } from '../policy/rollout';
import { planRuleChange, recordChanges, settled } from '../policy/notice';
import { advanced, guarded, nextAdvance, stageNote, tripNote, tripped } from '../policy/staged-rule';
import { MS_PER_DAY, MS_PER_MINUTE, MS_PER_SECOND } from '../time';
import { RetrySchedule } from './alarm';
import { AuditLog, type AppendOptions, type AuditEntry, type AuditInput } from './audit-log';
import { type ControlStoreApi } from './control-api';
import { CONTROL_OBJECT_NAME } from './object-names';
import { KvPublisher } from './kv-publisher';
import { Outbox } from './outbox';
import { PendingChanges, type PendingChange } from './pending-changes';
import { RolloutApprovals, type ChangeDecision, type RolloutChange, type RuleChange } from './rollout-approvals';
import { RolloutWrites, type ControlStoreEnv, type OpsDelivery } from './rollout-writes';
import { regionMetrics } from './region-metrics';
import { lacksMethod } from './release-before';
import { CONTROL_MIGRATIONS, SqlSchema } from './sql-schema';
import { err, ok } from '../result';
import { logged, noteVersion } from '../version';

/** The actor of every change a rule makes by itself. */
export const GUARD_ACTOR = 'hearth-guard';
export { GUARD_INTERVAL_MS, NOTICE_ACTOR } from './rollout-writes';
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

export type { ControlStoreEnv } from './rollout-writes';

export type { AppendOptions, AuditEntry, AuditInput } from './audit-log';

export type { ChangeDecision, RolloutChange, RuleChange } from './rollout-approvals';

/** The one ControlStore of the gate: rollout writes and the audit log go through it. */
export function controlStore(bindings: { CONTROL: DurableObjectNamespace<ControlStore> }): DurableObjectStub<ControlStore> {
  return bindings.CONTROL.get(bindings.CONTROL.idFromName(CONTROL_OBJECT_NAME));
}

export class ControlStore extends DurableObject<ControlStoreEnv> implements ControlStoreApi {
  readonly #publisher: KvPublisher;
  readonly #ops: Outbox<OpsDelivery>;
  readonly #auditLog: AuditLog;
  readonly #writes: RolloutWrites;
  readonly #approvals: RolloutApprovals;
  /** Regions whose rule failed to be tended, and when each is tried again. */
  readonly #retries = new RetrySchedule(ALARM_BACKOFF_MIN_MS, ALARM_BACKOFF_MAX_MS);

  constructor(ctx: DurableObjectState, env: ControlStoreEnv) {
    super(ctx, env);
    noteVersion(env);
    this.#publisher = new KvPublisher(ctx.storage, env.HEARTH_KV, () => this.rollout());
    this.#auditLog = new AuditLog(ctx.storage.sql);
    this.#ops = new Outbox<OpsDelivery>(ctx.storage, {
      prefix: 'ops:',
      failureEvent: 'ops_event_delivery_failed',
      giveUpAfterMs: OPS_EVENT_GIVE_UP_MS,
      deliverOne: (delivery) => deliverOpsEvent(this.#opsTarget(), delivery.event, Date.now()),
    });
    // The object's bindings as they are at each call (read through, not copied).
    const bindings = () => this.env;
    const deps = {
      get env() {
        return bindings();
      },
      publisher: this.#publisher,
      ops: this.#ops,
      pending: new PendingChanges(ctx.storage),
      retries: this.#retries,
      appendAudit: (entry: AuditInput) => this.appendAudit(entry),
    };
    this.#writes = new RolloutWrites(ctx.storage, deps);
    this.#approvals = new RolloutApprovals(ctx.storage, this.#writes, deps);
    // The audit log and the metrics regions (storage-schema.md): only the steps the stored version lacks.
    ctx.blockConcurrencyWhile(async () => {
      new SqlSchema(ctx.storage, CONTROL_MIGRATIONS).open();
    });
  }

  async rollout(): Promise<Rollout> {
    return this.#writes.rollout();
  }

  /** Stricter changes waiting for a second person, oldest first (expired ones dropped, audited, on the way). */
  pendingChanges(): Promise<PendingChange[]> {
    return this.#approvals.pending();
  }

  /** Another person than its author applies a waiting change (its notice starting now). */
  approveChange(changeId: string, approver: string, note: string | null): Promise<ChangeDecision> {
    return this.#approvals.approve(changeId, approver, note);
  }

  /** Drops a waiting change. */
  rejectChange(changeId: string, actor: string, note: string | null): Promise<ChangeDecision> {
    return this.#approvals.reject(changeId, actor, note);
  }

  /**
   * Sets or deletes one region's rule, audited; compare-and-set on `ifMatch`.
   * A stricter change waits for a second person (ROLLOUT_APPROVAL) and then
   * its notice (NOTICE_PERIOD) as the region's `upcoming` rule; anything else
   * applies at once. A staged rule starts at its first stage.
   */
  async changeRule(change: RuleChange): Promise<RolloutChange> {
    const stored = await this.rollout();
    if (change.ifMatch !== undefined && change.ifMatch !== stored.version) {
      return err({ reason: 'VERSION_MISMATCH', rollout: stored });
    }
    const now = Date.now();
    const settledNow = settled(stored, now);
    if (!change.rule && !Object.hasOwn(settledNow.rollout.regions, change.region)) {
      return err({ reason: 'RULE_NOT_FOUND', rollout: stored });
    }
    const { noticePeriodMs, rolloutApproval } = rolloutSettingsOf(this.env);
    const plan = planRuleChange(settledNow.rollout, change, { noticeMs: noticePeriodMs, approval: rolloutApproval === 'stricter' }, now);
    if (plan.kind === 'approval') return this.#approvals.ask(stored, change, now);
    const note = change.rule?.note ?? change.note ?? null;
    const next = await this.#writes.applyPlan(stored, settledNow, change.region, plan, now, (before) => ({
      actor: change.actor,
      action: plan.entry ? 'rollout.set' : 'rollout.delete',
      target: `rollout/${change.region}`,
      before,
      after: plan.entry,
      note,
    }));
    return ok(next);
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

  /** Regions whose every shard was found holding the mark of the rule set at this moment (asked once per rule and object). */
  readonly #marked = new Map<string, number>();

  /** The shards of `region` but 0 (whose reading says) that do not hold the guard from `setAt` on. */
  async #shardsBehind(region: string, setAt: number): Promise<number[]> {
    const { shards } = metricsSettingsOf(this.env);
    if (shards === 1 || this.#marked.get(region) === setAt) return [];
    const marks = await Promise.all(
      Array.from({ length: shards - 1 }, (_, n) =>
        regionMetrics(this.env, region, n + 1)
          .guardMark()
          // A shard of the release before has no guardMark (CONTRIBUTING.md, "One step of compatibility"): not known, not resent.
          .catch((error: unknown) => (lacksMethod(error, 'guardMark') ? null : Promise.reject(error))),
      ),
    );
    const behind = marks.flatMap((mark, n) => (mark === null || (mark.guarded && mark.at !== null && mark.at >= setAt) ? [] : [n + 1]));
    if (behind.length === 0) this.#marked.set(region, setAt);
    return behind;
  }

  /**
   * Reads a region's guard (tripping the rule if it is unhealthy) and, when
   * `advance`, moves it to its next stage if one is due and the guard is
   * healthy. A person's change while the counts were being read wins: the
   * rule is acted on only if it is still the one that was read.
   */
  async #tendRegion(region: string, now: number, advance: boolean): Promise<boolean> {
    // A rule whose notice is over is the one in force: written in first, so the rule it replaced is not tended.
    await this.#writes.settle(now);
    const read = await this.rollout();
    const rule = Object.hasOwn(read.regions, region) ? read.regions[region]! : undefined;
    if (!rule || rule.status === 'tripped') return false;
    const reading = guarded(rule) ? await regionMetrics(this.env, region).guardReading(rule.guard!, region) : null;
    // A reading from before the rule was set is an older rule's: the mark a person's change sends the region object
    // (#afterWrite) has not reached it yet. Nothing is done on it; the next counts or alarm read again. Past
    // MARK_GRACE_MS the mark was lost (its setGuard failed): it is sent again, from the rule's own moment.
    const setAt = rule.updatedAt === undefined ? null : Date.parse(rule.updatedAt);
    if (reading && setAt !== null && Date.parse(reading.since) < setAt) {
      if (now >= setAt + MARK_GRACE_MS) await this.#writes.markGuard(region, rule.guard!, { at: setAt });
      return false;
    }
    // Shard 0's reading says nothing of the other shards' marks: one whose setGuard failed alone is found and sent it
    // again — that shard only, so the others keep the first minute they counted under the rule.
    if (reading && setAt !== null && now >= setAt + MARK_GRACE_MS) {
      const behind = await this.#shardsBehind(region, setAt);
      if (behind.length > 0) {
        await Promise.all(behind.map((shard) => regionMetrics(this.env, region, shard).setGuard(rule.guard!, { at: setAt })));
        return false;
      }
    }
    const current = await this.rollout();
    const still = Object.hasOwn(current.regions, region) ? current.regions[region] : undefined;
    if (!still || still.updatedAt !== rule.updatedAt || still.stage !== rule.stage || still.status !== rule.status) return false;

    if (reading?.unhealthy) {
      // A stricter rule waiting out its notice is dropped with the trip: only a person sets the region stricter again.
      const { upcoming: dropped, ...after } = tripped(still, reading, now);
      const note = tripNote(reading, still) + (dropped ? `; the stricter rule announced for ${dropped.effectiveAt} is withdrawn` : '');
      const next = this.#writes.write(
        current,
        recordChanges(current, { ...current, regions: { ...current.regions, [region]: after } }, now, 'not-needed'),
        [{ actor: GUARD_ACTOR, action: 'rollout.guard_tripped', target: `rollout/${region}`, before: still, after, note }],
        [{ type: 'rollout_guard_tripped', region, rule: after, reading, at: new Date(now).toISOString() }],
      );
      console.log(logged({ event: 'rollout_guard_tripped', region, cause: reading.cause, households: reading.households }));
      await this.#writes.afterWrite([region], current, next, now, false);
      return true;
    }
    const due = nextAdvance(still);
    if (advance && due !== null && due <= now) {
      const after = advanced(still, now);
      const next = this.#writes.write(
        current,
        recordChanges(current, { ...current, regions: { ...current.regions, [region]: after } }, now, still.notice ?? 'given'),
        [{ actor: GUARD_ACTOR, action: 'rollout.stage_advanced', target: `rollout/${region}`, before: still, after, note: stageNote(after) }],
        [{ type: 'rollout_stage_advanced', region, rule: after, reading, at: new Date(now).toISOString() }],
      );
      await this.#writes.afterWrite([region], current, next, now, false);
      return true;
    }
    return false;
  }

  /** The webhook of ops events, or null (development: logged instead). */
  #opsTarget(): NotifyTarget | null {
    const parsed = parseConfig(this.env);
    return parsed.ok ? parsed.value.opsNotify : null;
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

  /** KV owed, ops events owed, rules whose notice is over, expired changes, then every rule's guard and due stage. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    await this.#publisher.publish(now);
    await this.#ops.deliver(now);
    await this.#writes.settle(now);
    await this.#approvals.pending();
    for (const region of Object.keys((await this.rollout()).regions)) {
      const retryAt = this.#retries.retryAt(region);
      if (retryAt !== null && retryAt > now) continue;
      try {
        await this.#tendRegion(region, now, true);
        this.#retries.succeeded(region);
      } catch (error) {
        // Backs off: a rule that throws every time must not wake the object again at once.
        const { attempt, retryAt: next } = this.#retries.failed(region, now);
        console.error(logged({ event: 'rollout_tend_failed', region, attempt, retryInMs: next - now, error: error instanceof Error ? error.name : 'unknown' }));
      }
    }
    await this.#writes.schedule(now);
  }
}
