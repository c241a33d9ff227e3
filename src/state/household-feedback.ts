/**
 * What a household's refused devices said when asked why they are where
 * they are (contract §8, "Hearing the refused"): the `feedback` table of the
 * account's HouseholdStore (storage-schema.md), for support's account
 * summary and for the daily allowance of answers.
 *
 * Bound: an answer is kept for TRUST_WINDOW (its `until`; pruned at every
 * answer and by the object's alarm, which wakes when the oldest lapses, so
 * answers never outlive the window even when no other one comes); a device gives at most FEEDBACK_PER_DEVICE_PER_DAY answers a day
 * and an account FEEDBACK_PER_ACCOUNT_PER_DAY, so at most
 * FEEDBACK_PER_ACCOUNT_PER_DAY × the window's days rows are ever held, and
 * never more than FEEDBACK_ROWS_MAX (the oldest go first). Only what a
 * person chose to send is kept — situation, time, device id and type, the
 * comment, the refusal's request id, region and reason — never an address
 * or a network. An erase deletes every row.
 *
 * Nothing here is written when a device is refused (contract §9: a refused
 * stranger is never stored in the household). Whether a device was refused
 * within the last day is decided by the route from what is held anyway
 * (routes/feedback.ts); a row is written only when the person answers.
 *
 * The comment is the person's own words: it is shown to support and to
 * no one else — never in metrics, logs or Analytics Engine.
 */
import { MS_PER_DAY } from '../time';
import { err, ok, type Result } from '../result';
import type { DeviceType, FeedbackSituation } from '../vocabulary';

/** Answers one device may give in a day (contract §8: `429` past 3). */
export const FEEDBACK_PER_DEVICE_PER_DAY = 3;
/** Answers one account may give in a day, whatever the device: made-up device ids buy no more rows than this. */
export const FEEDBACK_PER_ACCOUNT_PER_DAY = 30;
/** The most rows one account holds, whatever TRUST_WINDOW is. */
export const FEEDBACK_ROWS_MAX = 500;

/** One answer, as given and kept. */
export interface FeedbackEntry {
  feedbackId: string;
  /** Epoch ms. */
  at: number;
  deviceId: string;
  deviceType: DeviceType;
  situation: FeedbackSituation;
  comment: string | null;
  /** The refusal's request id (`Hearth-Request-Id`), as the player sent it or of this answer's own refusal. */
  requestId: string | null;
  /** The metrics region the device was refused in. */
  region: string;
  /** The reason it was refused for. */
  reason: string;
}

export type FeedbackRefusal = { reason: 'FEEDBACK_RATE_LIMITED'; limit: 'device' | 'account'; perDay: number; retryAfterSeconds: number };

type Row = { feedback_id: string; at: number; device_id: string; device_type: string; situation: string; comment: string | null; request_id: string | null; region: string; reason: string };

export class HouseholdFeedback {
  constructor(
    private readonly sql: SqlStorage,
    /** Lays the object's schema out before its first write (sql-schema.ts). */
    private readonly ensureSchema: () => void,
  ) {}

  /** Whether the table is there: an object that holds nothing has none (and a read must not lay one out). */
  #laidOut(): boolean {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'feedback'").one().n > 0;
  }

  /** Keeps one answer for `keptMs`, within the device's and the account's allowance of the last day; answers past keeping go on the way. */
  add(entry: Omit<FeedbackEntry, 'feedbackId'>, keptMs: number): Result<FeedbackEntry, FeedbackRefusal> {
    this.ensureSchema();
    this.prune(entry.at);
    const dayStart = entry.at - MS_PER_DAY;
    const retryAfter = (oldest: number | null) => Math.max(1, Math.ceil(((oldest ?? entry.at) + MS_PER_DAY - entry.at) / 1000));
    const device = this.sql.exec<{ n: number; oldest: number | null }>('SELECT COUNT(*) AS n, MIN(at) AS oldest FROM feedback WHERE device_id = ? AND at > ?', entry.deviceId, dayStart).one();
    if (device.n >= FEEDBACK_PER_DEVICE_PER_DAY) return err({ reason: 'FEEDBACK_RATE_LIMITED', limit: 'device', perDay: FEEDBACK_PER_DEVICE_PER_DAY, retryAfterSeconds: retryAfter(device.oldest) });
    const account = this.sql.exec<{ n: number; oldest: number | null }>('SELECT COUNT(*) AS n, MIN(at) AS oldest FROM feedback WHERE at > ?', dayStart).one();
    if (account.n >= FEEDBACK_PER_ACCOUNT_PER_DAY)
      return err({ reason: 'FEEDBACK_RATE_LIMITED', limit: 'account', perDay: FEEDBACK_PER_ACCOUNT_PER_DAY, retryAfterSeconds: retryAfter(account.oldest) });
    const kept: FeedbackEntry = { ...entry, feedbackId: crypto.randomUUID() };
    this.sql.exec(
      'INSERT INTO feedback (feedback_id, at, until, device_id, device_type, situation, comment, request_id, region, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      kept.feedbackId,
      kept.at,
      kept.at + keptMs,
      kept.deviceId,
      kept.deviceType,
      kept.situation,
      kept.comment,
      kept.requestId,
      kept.region,
      kept.reason,
    );
    this.sql.exec('DELETE FROM feedback WHERE seq NOT IN (SELECT seq FROM feedback ORDER BY seq DESC LIMIT ?)', FEEDBACK_ROWS_MAX);
    return ok(kept);
  }

  /** The answers still kept, newest first (support's account summary). */
  recent(now: number): FeedbackEntry[] {
    if (!this.#laidOut()) return [];
    return this.sql
      .exec<Row>('SELECT feedback_id, at, device_id, device_type, situation, comment, request_id, region, reason FROM feedback WHERE until > ? ORDER BY seq DESC', now)
      .toArray()
      .map((row) => ({
        feedbackId: row.feedback_id,
        at: row.at,
        deviceId: row.device_id,
        deviceType: row.device_type as DeviceType,
        situation: row.situation as FeedbackSituation,
        comment: row.comment,
        requestId: row.request_id,
        region: row.region,
        reason: row.reason,
      }));
  }

  /** Lets go of answers past keeping (every answer does it, and the object's alarm). */
  prune(now: number): void {
    if (this.#laidOut()) this.sql.exec('DELETE FROM feedback WHERE until <= ?', now);
  }

  /** When the first answer kept lapses; null when none is kept. */
  nextExpiry(): number | null {
    if (!this.#laidOut()) return null;
    return this.sql.exec<{ until: number | null }>('SELECT MIN(until) AS until FROM feedback').one().until;
  }

  /** Forgets every answer (an erase). */
  clear(): void {
    if (this.#laidOut()) this.sql.exec('DELETE FROM feedback');
  }
}
