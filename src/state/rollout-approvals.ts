/**
 * Four eyes on a stricter rollout change (contract §8): asked by one person
 * (stored, audited, told to ops), then approved by another — applied as its
 * author asked, its notice starting then — or rejected, or dropped after 7
 * days. The author cannot approve it; a rollout that moved since it was
 * asked refuses it (`If-Match` semantics). Writes go through RolloutWrites,
 * in the same batch as their audit entries and ops events.
 */
import type { OpsEvent } from '../challenges/notify';
import { rolloutSettingsOf } from '../config/config';
import { planRuleChange, settled, type RuleChangeRequest } from '../policy/notice';
import type { Rollout } from '../policy/rollout';
import { err, ok, type Result } from '../result';
import { MAX_PENDING_CHANGES, type PendingChange } from './pending-changes';
import { NOTICE_ACTOR, type RolloutWriteDeps, type RolloutWrites } from './rollout-writes';

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

/**
 * One admin's `sub` however a token spells it: NFKC (full-width, ligatures),
 * without invisible characters or surrounding spaces, in lower case. The
 * identity provider's subs are the trust boundary; this only keeps one
 * person's sub in another spelling from counting as a second person.
 * Look-alikes from other scripts (Cyrillic а for Latin a) are not folded.
 */
export function samePerson(a: string, b: string): boolean {
  const canonical = (sub: string) =>
    sub
      .normalize('NFKC')
      .replace(/\p{Default_Ignorable_Code_Point}/gu, '')
      .trim()
      .toLowerCase();
  return canonical(a) === canonical(b);
}

export class RolloutApprovals {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly writes: RolloutWrites,
    private readonly deps: RolloutWriteDeps,
  ) {}

  /** Stores a stricter change for a second person: audited and told to ops; the rules are not touched. */
  async ask(stored: Rollout, change: RuleChange, now: number): Promise<RolloutChange> {
    const { waiting, expired } = await this.deps.pending.list(now);
    const { change: pending, replaces } = this.deps.pending.create(
      {
        region: change.region,
        rule: change.rule,
        note: change.rule?.note ?? change.note ?? null,
        requestedBy: change.actor,
        version: stored.version,
        ...(change.notice ? { notice: change.notice } : {}),
      },
      waiting,
      now,
    );
    if (!replaces && waiting.length >= MAX_PENDING_CHANGES) return err({ reason: 'PENDING_CHANGES_FULL', rollout: stored });
    this.#dropExpired(expired);
    const event: OpsEvent = {
      type: 'rollout_change_requested',
      region: change.region,
      rule: change.rule,
      changeId: pending.changeId,
      requestedBy: change.actor,
      note: pending.note,
      at: new Date(now).toISOString(),
    };
    this.storage.put({ ...this.deps.pending.entry(pending), ...this.deps.ops.entries([{ event }], now) });
    if (replaces) this.storage.delete(this.deps.pending.key(replaces.changeId));
    this.deps.appendAudit({
      actor: change.actor,
      action: 'rollout.change_requested',
      target: `rollout/${change.region}`,
      before: replaces ?? null,
      after: pending,
      note: pending.note,
    });
    await this.deps.ops.deliver(now);
    await this.writes.schedule(now);
    return err({ reason: 'APPROVAL_REQUIRED', rollout: stored, change: pending });
  }
  /** Stricter changes waiting for a second person, oldest first (expired ones are dropped, audited, on the way). */
  async pending(): Promise<PendingChange[]> {
    const { waiting, expired } = await this.deps.pending.list(Date.now());
    if (expired.length > 0) this.#dropExpired(expired);
    return waiting;
  }
  /** Drops expired changes, each audited (actor the gate), in the caller's batch. */
  #dropExpired(expired: PendingChange[]): void {
    for (const change of expired) {
      this.storage.delete(this.deps.pending.key(change.changeId));
      this.deps.appendAudit({
        actor: NOTICE_ACTOR,
        action: 'rollout.change_expired',
        target: `rollout/${change.region}`,
        before: change,
        after: null,
        note: `asked by ${change.requestedBy}; nobody approved it within 7 days`,
      });
    }
  }
  /** A waiting change by its id, or why it cannot be decided on: unknown, expired (dropped, audited). */
  async #waitingChange(changeId: string, now: number): Promise<Result<PendingChange, { reason: 'CHANGE_NOT_FOUND' | 'CHANGE_EXPIRED'; changeId: string }>> {
    const change = await this.deps.pending.get(changeId);
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
  async approve(changeId: string, approver: string, note: string | null): Promise<ChangeDecision> {
    const now = Date.now();
    const found = await this.#waitingChange(changeId, now);
    if (!found.ok) return found;
    const pending = found.value;
    if (samePerson(pending.requestedBy, approver)) return err({ reason: 'SELF_APPROVAL', changeId });
    const stored = await this.writes.rollout();
    if (stored.version !== pending.version) return err({ reason: 'CHANGE_OUTDATED', changeId, rollout: stored, askedAt: pending.version });
    const settledNow = settled(stored, now);
    const { noticePeriodMs } = rolloutSettingsOf(this.deps.env);
    const request: RuleChangeRequest = { region: pending.region, rule: pending.rule, actor: pending.requestedBy, approvedBy: approver, ...(pending.notice ? { notice: pending.notice } : {}) };
    const plan = planRuleChange(settledNow.rollout, request, { noticeMs: noticePeriodMs, approval: true }, now);
    if (plan.kind !== 'apply') throw new Error('an approved change needs no approval');
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
    this.storage.delete(this.deps.pending.key(changeId));
    const next = await this.writes.applyPlan(
      stored,
      settledNow,
      pending.region,
      plan,
      now,
      (before) => ({
        actor: approver,
        action: 'rollout.change_approved',
        target: `rollout/${pending.region}`,
        before,
        after: plan.entry,
        note: `change ${changeId} asked by ${pending.requestedBy}${pending.note ? ` (“${pending.note}”)` : ''}, approved by ${approver}${note ? ` (“${note}”)` : ''}`,
      }),
      [approved],
    );
    return ok(next);
  }
  /** Drops a waiting change (any person with the scope, its author included: a withdrawal), audited and told to ops. */
  async reject(changeId: string, actor: string, note: string | null): Promise<ChangeDecision> {
    const now = Date.now();
    const found = await this.#waitingChange(changeId, now);
    if (!found.ok) return found;
    const pending = found.value;
    const event: OpsEvent = {
      type: 'rollout_change_rejected',
      region: pending.region,
      rule: pending.rule,
      changeId,
      requestedBy: pending.requestedBy,
      rejectedBy: actor,
      note,
      at: new Date(now).toISOString(),
    };
    this.storage.delete(this.deps.pending.key(changeId));
    this.storage.put(this.deps.ops.entries([{ event }], now));
    this.deps.appendAudit({ actor, action: 'rollout.change_rejected', target: `rollout/${pending.region}`, before: pending, after: null, note });
    await this.deps.ops.deliver(now);
    return ok(await this.writes.rollout());
  }
}
