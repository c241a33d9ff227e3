/**
 * Four eyes on a stricter rollout change (contract §8): the ControlStore's
 * book of changes asked by one person and waiting for another's approval.
 * Entries live in the ControlStore's storage beside the rollout, so a change
 * asked, approved or rejected is written in the same batch as its audit
 * entry and ops event. A change waits at most PENDING_CHANGE_TTL_MS; the book
 * holds at most MAX_PENDING_CHANGES (one person asking again for the same
 * region replaces their own earlier change).
 */
import type { RuleSettings } from '../policy/staged-rule';
import { MS_PER_DAY } from '../time';

export const PENDING_CHANGE_TTL_MS = 7 * MS_PER_DAY;
export const MAX_PENDING_CHANGES = 100;
const PREFIX = 'change:';

/** A stricter change waiting for a second person. */
export interface PendingChange {
  changeId: string;
  status: 'pending-approval';
  region: string;
  /** The rule asked for; null deletes the region's rule (which makes it follow a stricter `*`). */
  rule: RuleSettings | null;
  /** `skip`: once approved, the rule applies at once, without notice (its author had `rollout:skip-notice`). */
  notice?: 'skip';
  note: string | null;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  /** The rollout version it was asked against: approving it after the rollout moved is refused. */
  version: number;
}

export type PendingChangeRequest = Pick<PendingChange, 'region' | 'rule' | 'note' | 'requestedBy' | 'version'> & { notice?: 'skip' };

export class PendingChanges {
  constructor(private readonly storage: DurableObjectStorage) {}

  /** Every change still waiting at `now`, oldest first, and the ones that expired (to be dropped and audited by the caller). */
  async list(now: number): Promise<{ waiting: PendingChange[]; expired: PendingChange[] }> {
    const all = [...(await this.storage.list<PendingChange>({ prefix: PREFIX })).values()].toSorted((a, b) => a.requestedAt.localeCompare(b.requestedAt));
    return { waiting: all.filter((change) => Date.parse(change.expiresAt) > now), expired: all.filter((change) => Date.parse(change.expiresAt) <= now) };
  }

  async get(changeId: string): Promise<PendingChange | undefined> {
    return this.storage.get<PendingChange>(PREFIX + changeId);
  }

  /** A new change, as it will be stored; `replaces`: the same person's earlier change for the same region, if any. */
  create(request: PendingChangeRequest, waiting: PendingChange[], now: number): { change: PendingChange; replaces: PendingChange | undefined } {
    const change: PendingChange = {
      changeId: crypto.randomUUID(),
      status: 'pending-approval',
      region: request.region,
      rule: request.rule,
      ...(request.notice ? { notice: request.notice } : {}),
      note: request.note,
      requestedBy: request.requestedBy,
      requestedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + PENDING_CHANGE_TTL_MS).toISOString(),
      version: request.version,
    };
    return { change, replaces: waiting.find((other) => other.region === request.region && other.requestedBy === request.requestedBy) };
  }

  /** The storage entry of `change`; put it in the same batch as its audit. */
  entry(change: PendingChange): Record<string, PendingChange> {
    return { [PREFIX + change.changeId]: change };
  }

  /** The storage key of a change, to delete in the batch that ends it. */
  key(changeId: string): string {
    return PREFIX + changeId;
  }

  /** When the next change expires, or null. */
  static nextExpiry(waiting: PendingChange[]): number | null {
    return waiting.length > 0 ? Math.min(...waiting.map((change) => Date.parse(change.expiresAt))) : null;
  }
}
