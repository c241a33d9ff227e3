/**
 * How the ControlStore writes the rollout: one storage batch for the rules
 * (with their change history), the mark that KV owes them, the audit entries
 * and the ops events; then the regions' guards, KV, the ops events and the
 * alarm. Rules whose notice is over are written in here too (`settle`), and
 * the alarm is woken for the next stage, notice or expiry due. The
 * ControlStore (changes by people, guards) and RolloutApprovals (changes by
 * two people) both write through it.
 */
import type { OpsEvent } from '../challenges/notify';
import { metricsSettingsOf } from '../config/config';
import { nextNoticeDue, recordChanges, settled, type ChangePlan } from '../policy/notice';
import { FALLBACK_REGION, type Guard, type Rollout, type RolloutRule } from '../policy/rollout';
import { guarded, nextAdvance } from '../policy/staged-rule';
import { MS_PER_MINUTE } from '../time';
import { wakeBy, type RetrySchedule } from './alarm';
import type { AuditInput } from './audit-log';
import { ROLLOUT_KEY } from './kv-keys';
import type { KvPublisher } from './kv-publisher';
import type { Outbox } from './outbox';
import { PendingChanges } from './pending-changes';
import { regionMetrics, type RegionMetrics } from './region-metrics';
import type { ConfigBindings } from '../config/config';
import { logged } from '../version';

const ROLLOUT = 'rollout';
/** Guards are read at least this often. */
export const GUARD_INTERVAL_MS = MS_PER_MINUTE;
/** After a write, when the alarm wakes at the latest to publish what KV owes, had the object restarted before it published. */
export const OWED_WAKE_MS = 5_000;
/** The actor of a stricter rule that starts applying once its notice is over. */
export const NOTICE_ACTOR = 'hearth-notice';

/** An ops event on its way to OPS_NOTIFY_URL. */
export interface OpsDelivery {
  origin: string;
  at: string;
  event: OpsEvent;
}

export interface ControlStoreEnv extends ConfigBindings {
  HEARTH_KV: KVNamespace;
  METRICS: DurableObjectNamespace<RegionMetrics>;
}

/** What the writes need of the ControlStore. */
export interface RolloutWriteDeps {
  env: ControlStoreEnv;
  publisher: KvPublisher;
  ops: Outbox<OpsDelivery>;
  pending: PendingChanges;
  retries: RetrySchedule;
  appendAudit: (entry: AuditInput) => void;
}

/** Whether two stored entries hold the same rule in force (a rule waiting out its notice aside). */
function sameRule(a: RolloutRule | undefined, b: RolloutRule | undefined): boolean {
  if (!a || !b) return a === b;
  const { upcoming: _a, ...ruleA } = a;
  const { upcoming: _b, ...ruleB } = b;
  return JSON.stringify(ruleA) === JSON.stringify(ruleB);
}

export class RolloutWrites {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly deps: RolloutWriteDeps,
  ) {}

  async rollout(): Promise<Rollout> {
    return (await this.storage.get<Rollout>(ROLLOUT)) ?? { version: 0, updatedAt: null, regions: {} };
  }

  /** The audit entries of upcoming rules that started applying (settled.applied). */
  appliedAudits(current: Rollout, applied: ReturnType<typeof settled>['applied']): AuditInput[] {
    return applied.map(({ region, upcoming }) => ({
      actor: NOTICE_ACTOR,
      action: 'rollout.notice_applied',
      target: `rollout/${region}`,
      before: null,
      after: Object.hasOwn(current.regions, region) ? current.regions[region]! : null,
      note: `${upcoming.removes ? 'the region follows *' : `${upcoming.mode} at ${upcoming.percent}%`} from ${upcoming.effectiveAt}, on the status page since ${upcoming.noticeFrom}`,
    }));
  }

  appliedEvents(applied: ReturnType<typeof settled>['applied'], now: number): OpsEvent[] {
    return applied.map(({ region, upcoming }) => ({ type: 'rollout_change_applied' as const, region, rule: upcoming, effectiveAt: upcoming.effectiveAt, at: new Date(now).toISOString() }));
  }

  /**
   * A person's change as planned (policy/notice.ts), on the rollout `settled`
   * left: the rules whose notice was over and the change in one batch, with
   * their audit entries (`audit` given the region's entry before) and events,
   * then guards, KV and the alarm. A person's rule is a new duty: it is tended
   * when due, not after an old failure's backoff.
   */
  async applyPlan(
    stored: Rollout,
    { rollout: current, applied }: ReturnType<typeof settled>,
    region: string,
    plan: Extract<ChangePlan, { kind: 'apply' }>,
    now: number,
    audit: (before: RolloutRule | null) => AuditInput,
    events: OpsEvent[] = [],
  ): Promise<Rollout> {
    this.deps.retries.succeeded(region);
    const before = Object.hasOwn(current.regions, region) ? current.regions[region]! : null;
    const next = this.write(
      stored,
      recordChanges(current, { ...current, regions: plan.regions }, now, plan.notice),
      [...this.appliedAudits(current, applied), audit(before)],
      [...this.appliedEvents(applied, now), ...events],
    );
    await this.afterWrite([...applied.map((a) => a.region), region], stored, next, now, true);
    return next;
  }

  /** Writes the upcoming rules whose notice is over (the gate already reads them so): audited, told to ops, guards marked. */
  async settle(now: number): Promise<void> {
    const stored = await this.rollout();
    const { rollout: current, applied } = settled(stored, now);
    if (applied.length === 0) return;
    const next = this.write(stored, current, this.appliedAudits(current, applied), this.appliedEvents(applied, now));
    await this.afterWrite(
      applied.map((a) => a.region),
      stored,
      next,
      now,
      true,
    );
  }

  /**
   * One transaction (no await in between): the rules (with their change
   * history), the mark that KV owes them, the audit entries, any ops events,
   * and an alarm OWED_WAKE_MS away — so an object restarted before
   * `afterWrite` publishes (while it marks the guards) still wakes to
   * publish what KV owes. `afterWrite` then sets the alarm for what is due.
   */
  write(stored: Rollout, next: Pick<Rollout, 'regions' | 'changes'>, audits: AuditInput[], events: OpsEvent[] = []): Rollout {
    const now = Date.now();
    const written: Rollout = { version: stored.version + 1, updatedAt: new Date(now).toISOString(), regions: next.regions, ...(next.changes ? { changes: next.changes } : {}) };
    this.#stored = this.storage.put({
      [ROLLOUT]: written,
      ...this.deps.publisher.pendingEntry(ROLLOUT_KEY),
      ...(events.length > 0
        ? this.deps.ops.entries(
            events.map((event) => ({ event })),
            now,
          )
        : {}),
    });
    // Not awaited, like the put: both go in the same batch. It may move a sooner alarm later by at most OWED_WAKE_MS
    // until afterWrite's schedule() sets it back; an alarm with nothing due publishes nothing and tends the guards.
    void this.storage.setAlarm(now + OWED_WAKE_MS);
    for (const audit of audits) this.deps.appendAudit(audit);
    return written;
  }

  /** The storage write of the last `#write`, awaited by `#afterWrite`. */
  #stored: Promise<void> = Promise.resolve();

  /**
   * After rules changed: the regions' objects' guards, KV, ops events and the
   * alarm. For each region in `regions` whose rule (not counting a rule still
   * waiting out its notice) changed between `before` and `after`, its guard is
   * handed over — with `fromRule`, read from the rule's own moment (its
   * `updatedAt`: a person's change, or a notice that ended), counting only
   * what was decided under `after`'s version when that moment is now.
   */
  async afterWrite(regions: string[], before: Rollout, after: Rollout, now: number, fromRule: boolean): Promise<void> {
    await this.#stored;
    for (const region of new Set(regions)) {
      const was = Object.hasOwn(before.regions, region) ? before.regions[region] : undefined;
      const is = Object.hasOwn(after.regions, region) ? after.regions[region] : undefined;
      if (region === FALLBACK_REGION || !(guarded(was) || guarded(is)) || sameRule(was, is)) continue;
      // First, before any instance can learn the rule from KV. A failure is logged and mended by the next alarm
      // (#tendRegion): the rule is written, and KV, the ops events and the alarm must still follow.
      const guard = guarded(is) ? is!.guard! : null;
      const at = is?.updatedAt ? Date.parse(is.updatedAt) : now;
      const setBy = fromRule ? { at, ...(at === now ? { version: after.version } : {}) } : undefined;
      await this.markGuard(region, guard, setBy).catch((error: unknown) => {
        console.error(logged({ event: 'rollout_guard_mark_failed', region, error: error instanceof Error ? error.name : 'unknown' }));
      });
    }
    await this.deps.publisher.publish(now);
    await this.deps.ops.deliver(now);
    await this.schedule(now);
  }

  /**
   * Wakes the alarm for the next stage due, at least once a minute while any
   * rule has a guard, and when a region that failed may be tried again — a
   * failed region's stage is not due before its backoff is over.
   */
  async schedule(now: number): Promise<void> {
    const rollout = await this.rollout();
    const regions = Object.entries(rollout.regions);
    const dues: number[] = [];
    for (const [region, rule] of regions) {
      const due = nextAdvance(rule);
      const retryAt = this.deps.retries.retryAt(region);
      if (due !== null) dues.push(Math.max(due, retryAt ?? due));
      else if (retryAt !== null) dues.push(retryAt);
    }
    if (regions.some(([, rule]) => guarded(rule))) dues.push(now + GUARD_INTERVAL_MS);
    const notice = nextNoticeDue(rollout);
    if (notice !== null) dues.push(notice);
    const expiry = PendingChanges.nextExpiry((await this.deps.pending.list(now)).waiting);
    if (expiry !== null) dues.push(expiry);
    if (dues.length > 0) await wakeBy(this.storage, Math.max(now, Math.min(...dues)));
  }

  /** Hands every shard of `region` the guard (null: none), and with `setBy` the moment it reads from, all the same. */
  async markGuard(region: string, guard: Guard | null, setBy?: { at: number; version?: number }): Promise<void> {
    const { shards } = metricsSettingsOf(this.deps.env);
    await Promise.all(Array.from({ length: shards }, (_, shard) => regionMetrics(this.deps.env, region, shard).setGuard(guard, setBy)));
  }
}
