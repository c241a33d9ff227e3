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
import { metricsSettingsOf, parseConfig, rolloutSettingsOf, type ConfigBindings } from '../config/config';
import { EMPTY_ROLLOUT, FALLBACK_REGION, type Guard, type Rollout, type RolloutRule } from '../policy/rollout';
import { nextNoticeDue, planRuleChange, recordChanges, settled, type RuleChangeRequest } from '../policy/notice';
import { advanced, guarded, nextAdvance, stageNote, tripNote, tripped } from '../policy/staged-rule';
import { MS_PER_DAY, MS_PER_MINUTE, MS_PER_SECOND } from '../time';
import { RetrySchedule, wakeBy } from './alarm';
import { AuditLog, type AppendOptions, type AuditEntry, type AuditInput } from './audit-log';
import { type ControlStoreApi } from './control-api';
import { CONTROL_OBJECT_NAME } from './object-names';
import { ROLLOUT_KEY } from './kv-keys';
import { KvPublisher } from './kv-publisher';
import { Outbox } from './outbox';
import { MAX_PENDING_CHANGES, PendingChanges, type PendingChange } from './pending-changes';
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

export type RolloutChange = Result<
  Rollout,
  | { reason: 'VERSION_MISMATCH' | 'RULE_NOT_FOUND' | 'PENDING_CHANGES_FULL'; rollout: Rollout }
  /** Stricter, under ROLLOUT_APPROVAL=stricter: waiting for a second person (nothing changed). */
  | { reason: 'APPROVAL_REQUIRED'; rollout: Rollout; change: PendingChange }
>;

/** A person's change of one region's rule (policy/notice.ts), with the version they last read. */
export interface RuleChange extends RuleChangeRequest {
  /** The version the caller last read (`If-Match`); a mismatch changes nothing. */
  ifMatch?: number;
  /** Why: kept on the rule (a deletion or a skipped notice has none there) and in the audit. */
  note?: string;
}

export type ChangeDecision = Result<
  Rollout,
  { reason: 'CHANGE_NOT_FOUND' | 'CHANGE_EXPIRED' | 'SELF_APPROVAL'; changeId: string } | { reason: 'CHANGE_OUTDATED'; changeId: string; rollout: Rollout; askedAt: number }
>;

/** The actor of a stricter rule that starts applying once its notice is over. */
export const NOTICE_ACTOR = 'hearth-notice';

/** The one ControlStore of the gate: rollout writes and the audit log go through it. */
export function controlStore(bindings: { CONTROL: DurableObjectNamespace<ControlStore> }): DurableObjectStub<ControlStore> {
  return bindings.CONTROL.get(bindings.CONTROL.idFromName(CONTROL_OBJECT_NAME));
}

/** Whether two stored entries hold the same rule in force (a rule waiting out its notice aside). */
function sameRule(a: RolloutRule | undefined, b: RolloutRule | undefined): boolean {
  if (!a || !b) return a === b;
  const { upcoming: _a, ...ruleA } = a;
  const { upcoming: _b, ...ruleB } = b;
  return JSON.stringify(ruleA) === JSON.stringify(ruleB);
}

export class ControlStore extends DurableObject<ControlStoreEnv> implements ControlStoreApi {
  readonly #publisher: KvPublisher;
  readonly #ops: Outbox<OpsDelivery>;
  readonly #auditLog: AuditLog;
  readonly #pending: PendingChanges;
  /** Regions whose rule failed to be tended, and when each is tried again. */
  readonly #retries = new RetrySchedule(ALARM_BACKOFF_MIN_MS, ALARM_BACKOFF_MAX_MS);

  constructor(ctx: DurableObjectState, env: ControlStoreEnv) {
    super(ctx, env);
    this.#publisher = new KvPublisher(ctx.storage, env.HEARTH_KV, () => this.rollout());
    this.#auditLog = new AuditLog(ctx.storage.sql);
    this.#pending = new PendingChanges(ctx.storage);
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
    const { rollout: current, applied } = settled(stored, now);
    if (!change.rule && !Object.hasOwn(current.regions, change.region)) {
      return err({ reason: 'RULE_NOT_FOUND', rollout: stored });
    }
    const { noticePeriodMs, rolloutApproval } = rolloutSettingsOf(this.env);
    const plan = planRuleChange(current, change, { noticeMs: noticePeriodMs, approval: rolloutApproval === 'stricter' }, now);
    if (plan.kind === 'approval') return this.#askApproval(stored, change, now);
    // A person's rule is a new duty: it is tended when due, not after an old failure's backoff.
    this.#retries.succeeded(change.region);
    const before = Object.hasOwn(current.regions, change.region) ? current.regions[change.region]! : null;
    const audits: AuditInput[] = [...this.#appliedAudits(current, applied)];
    const note = change.rule?.note ?? change.note ?? null;
    audits.push({ actor: change.actor, action: plan.entry ? 'rollout.set' : 'rollout.delete', target: `rollout/${change.region}`, before, after: plan.entry, note });
    const next = this.#write(stored, recordChanges(current, { ...current, regions: plan.regions }, now, plan.notice), audits, this.#appliedEvents(applied, now));
    await this.#afterWrite([...applied.map((a) => a.region), change.region], stored, next, now, true);
    return ok(next);
  }

  /** Stores a stricter change for a second person: audited and told to ops; the rules are not touched. */
  async #askApproval(stored: Rollout, change: RuleChange, now: number): Promise<RolloutChange> {
    const { waiting, expired } = await this.#pending.list(now);
    const { change: pending, replaces } = this.#pending.create(
      { region: change.region, rule: change.rule, note: change.rule?.note ?? change.note ?? null, requestedBy: change.actor, version: stored.version, ...(change.notice ? { notice: change.notice } : {}) },
      waiting,
      now,
    );
    if (!replaces && waiting.length >= MAX_PENDING_CHANGES) return err({ reason: 'PENDING_CHANGES_FULL', rollout: stored });
    this.#dropExpired(expired);
    const event: OpsEvent = { type: 'rollout_change_requested', region: change.region, rule: change.rule, changeId: pending.changeId, requestedBy: change.actor, note: pending.note, at: new Date(now).toISOString() };
    this.ctx.storage.put({ ...this.#pending.entry(pending), ...this.#ops.entries([{ event }], now) });
    if (replaces) this.ctx.storage.delete(this.#pending.key(replaces.changeId));
    this.appendAudit({
      actor: change.actor,
      action: 'rollout.change_requested',
      target: `rollout/${change.region}`,
      before: replaces ?? null,
      after: pending,
      note: pending.note,
    });
    await this.#ops.deliver(now);
    await this.#schedule(now);
    return err({ reason: 'APPROVAL_REQUIRED', rollout: stored, change: pending });
  }

  /** Stricter changes waiting for a second person, oldest first (expired ones are dropped, audited, on the way). */
  async pendingChanges(): Promise<PendingChange[]> {
    const { waiting, expired } = await this.#pending.list(Date.now());
    if (expired.length > 0) this.#dropExpired(expired);
    return waiting;
  }

  /** Drops expired changes, each audited (actor the gate), in the caller's batch. */
  #dropExpired(expired: PendingChange[]): void {
    for (const change of expired) {
      this.ctx.storage.delete(this.#pending.key(change.changeId));
      this.appendAudit({ actor: NOTICE_ACTOR, action: 'rollout.change_expired', target: `rollout/${change.region}`, before: change, after: null, note: `asked by ${change.requestedBy}; nobody approved it within 7 days` });
    }
  }

  /** A waiting change by its id, or why it cannot be decided on: unknown, expired (dropped, audited). */
  async #waitingChange(changeId: string, now: number): Promise<Result<PendingChange, { reason: 'CHANGE_NOT_FOUND' | 'CHANGE_EXPIRED'; changeId: string }>> {
    const change = await this.#pending.get(changeId);
    if (!change) return err({ reason: 'CHANGE_NOT_FOUND', changeId });
    if (Date.parse(change.expiresAt) <= now) {
      this.#dropExpired([change]);
      return err({ reason: 'CHANGE_EXPIRED', changeId });
    }
    return ok(change);
  }

  /**
   * A second person approves a waiting change: it applies as its author asked
   * (its notice starting now), audited with both people and told to ops.
   * Its author cannot; a rollout that moved since it was asked refuses it.
   */
  async approveChange(changeId: string, approver: string, note: string | null): Promise<ChangeDecision> {
    const now = Date.now();
    const found = await this.#waitingChange(changeId, now);
    if (!found.ok) return found;
    const pending = found.value;
    if (pending.requestedBy === approver) return err({ reason: 'SELF_APPROVAL', changeId });
    const stored = await this.rollout();
    if (stored.version !== pending.version) return err({ reason: 'CHANGE_OUTDATED', changeId, rollout: stored, askedAt: pending.version });
    const { rollout: current, applied } = settled(stored, now);
    const { noticePeriodMs } = rolloutSettingsOf(this.env);
    const request: RuleChangeRequest = { region: pending.region, rule: pending.rule, actor: pending.requestedBy, approvedBy: approver, ...(pending.notice ? { notice: pending.notice } : {}) };
    const plan = planRuleChange(current, request, { noticeMs: noticePeriodMs, approval: true }, now);
    if (plan.kind !== 'apply') throw new Error('an approved change needs no approval');
    this.#retries.succeeded(pending.region);
    const before = Object.hasOwn(current.regions, pending.region) ? current.regions[pending.region]! : null;
    const audits = [
      ...this.#appliedAudits(current, applied),
      {
        actor: approver,
        action: 'rollout.change_approved',
        target: `rollout/${pending.region}`,
        before,
        after: plan.entry,
        note: `change ${changeId} asked by ${pending.requestedBy}${pending.note ? ` (“${pending.note}”)` : ''}, approved by ${approver}${note ? ` (“${note}”)` : ''}`,
      },
    ];
    const approved: OpsEvent = {
      type: 'rollout_change_approved',
      region: pending.region,
      rule: plan.entry,
      changeId,
      requestedBy: pending.requestedBy,
      approvedBy: approver,
      note,
      at: new Date(now).toISOString(),
    };
    this.ctx.storage.delete(this.#pending.key(changeId));
    const next = this.#write(stored, recordChanges(current, { ...current, regions: plan.regions }, now, plan.notice), audits, [...this.#appliedEvents(applied, now), approved]);
    await this.#afterWrite([...applied.map((a) => a.region), pending.region], stored, next, now, true);
    return ok(next);
  }

  /** Drops a waiting change (any person with the scope, its author included: a withdrawal), audited and told to ops. */
  async rejectChange(changeId: string, actor: string, note: string | null): Promise<ChangeDecision> {
    const now = Date.now();
    const found = await this.#waitingChange(changeId, now);
    if (!found.ok) return found;
    const pending = found.value;
    const event: OpsEvent = { type: 'rollout_change_rejected', region: pending.region, rule: pending.rule, changeId, requestedBy: pending.requestedBy, rejectedBy: actor, note, at: new Date(now).toISOString() };
    this.ctx.storage.delete(this.#pending.key(changeId));
    this.ctx.storage.put(this.#ops.entries([{ event }], now));
    this.appendAudit({ actor, action: 'rollout.change_rejected', target: `rollout/${pending.region}`, before: pending, after: null, note });
    await this.#ops.deliver(now);
    return ok(await this.rollout());
  }

  /** The audit entries of upcoming rules that started applying (settled.applied). */
  #appliedAudits(current: Rollout, applied: ReturnType<typeof settled>['applied']): AuditInput[] {
    return applied.map(({ region, upcoming }) => ({
      actor: NOTICE_ACTOR,
      action: 'rollout.notice_applied',
      target: `rollout/${region}`,
      before: null,
      after: Object.hasOwn(current.regions, region) ? current.regions[region]! : null,
      note: `${upcoming.removes ? 'the region follows *' : `${upcoming.mode} at ${upcoming.percent}%`} from ${upcoming.effectiveAt}, on the status page since ${upcoming.noticeFrom}`,
    }));
  }

  #appliedEvents(applied: ReturnType<typeof settled>['applied'], now: number): OpsEvent[] {
    return applied.map(({ region, upcoming }) => ({ type: 'rollout_change_applied' as const, region, rule: upcoming, effectiveAt: upcoming.effectiveAt, at: new Date(now).toISOString() }));
  }

  /** Writes the upcoming rules whose notice is over (the gate already reads them so): audited, told to ops, guards marked. */
  async #settle(now: number): Promise<void> {
    const stored = await this.rollout();
    const { rollout: current, applied } = settled(stored, now);
    if (applied.length === 0) return;
    const next = this.#write(stored, current, this.#appliedAudits(current, applied), this.#appliedEvents(applied, now));
    await this.#afterWrite(
      applied.map((a) => a.region),
      stored,
      next,
      now,
      true,
    );
  }

  /**
   * One transaction (no await in between): the rules (with their change
   * history), the mark that KV owes them, the audit entries, and any ops events.
   */
  #write(stored: Rollout, next: Pick<Rollout, 'regions' | 'changes'>, audits: AuditInput[], events: OpsEvent[] = []): Rollout {
    const now = Date.now();
    const written: Rollout = { version: stored.version + 1, updatedAt: new Date(now).toISOString(), regions: next.regions, ...(next.changes ? { changes: next.changes } : {}) };
    this.#stored = this.ctx.storage.put({ [ROLLOUT]: written, ...this.#publisher.pendingEntry(ROLLOUT_KEY), ...(events.length > 0 ? this.#ops.entries(events.map((event) => ({ event })), now) : {}) });
    for (const audit of audits) this.appendAudit(audit);
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
  async #afterWrite(regions: string[], before: Rollout, after: Rollout, now: number, fromRule: boolean): Promise<void> {
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
      await this.#markGuard(region, guard, setBy).catch((error: unknown) => {
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
    const rollout = await this.rollout();
    const regions = Object.entries(rollout.regions);
    const dues: number[] = [];
    for (const [region, rule] of regions) {
      const due = nextAdvance(rule);
      const retryAt = this.#retries.retryAt(region);
      if (due !== null) dues.push(Math.max(due, retryAt ?? due));
      else if (retryAt !== null) dues.push(retryAt);
    }
    if (regions.some(([, rule]) => guarded(rule))) dues.push(now + GUARD_INTERVAL_MS);
    const notice = nextNoticeDue(rollout);
    if (notice !== null) dues.push(notice);
    const expiry = PendingChanges.nextExpiry((await this.#pending.list(now)).waiting);
    if (expiry !== null) dues.push(expiry);
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
    // A rule whose notice is over is the one in force: written in first, so the rule it replaced is not tended.
    await this.#settle(now);
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
      // A stricter rule waiting out its notice is dropped with the trip: only a person sets the region stricter again.
      const { upcoming: dropped, ...after } = tripped(still, reading, now);
      const note = tripNote(reading, still) + (dropped ? `; the stricter rule announced for ${dropped.effectiveAt} is withdrawn` : '');
      const next = this.#write(
        current,
        recordChanges(current, { ...current, regions: { ...current.regions, [region]: after } }, now, 'not-needed'),
        [{ actor: GUARD_ACTOR, action: 'rollout.guard_tripped', target: `rollout/${region}`, before: still, after, note }],
        [{ type: 'rollout_guard_tripped', region, rule: after, reading, at: new Date(now).toISOString() }],
      );
      console.log(JSON.stringify({ event: 'rollout_guard_tripped', region, cause: reading.cause, households: reading.households }));
      await this.#afterWrite([region], current, next, now, false);
      return true;
    }
    const due = nextAdvance(still);
    if (advance && due !== null && due <= now) {
      const after = advanced(still, now);
      const next = this.#write(
        current,
        recordChanges(current, { ...current, regions: { ...current.regions, [region]: after } }, now, still.notice ?? 'given'),
        [{ actor: GUARD_ACTOR, action: 'rollout.stage_advanced', target: `rollout/${region}`, before: still, after, note: stageNote(after) }],
        [{ type: 'rollout_stage_advanced', region, rule: after, reading, at: new Date(now).toISOString() }],
      );
      await this.#afterWrite([region], current, next, now, false);
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

  /** KV owed, ops events owed, rules whose notice is over, expired changes, then every rule's guard and due stage. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    await this.#publisher.publish(now);
    await this.#ops.deliver(now);
    await this.#settle(now);
    await this.pendingChanges();
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
