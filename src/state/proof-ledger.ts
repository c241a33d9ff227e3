/**
 * The DPoP proofs one account's devices presented (contract §2.1): each
 * `jti` is accepted once per device within PROOF_JTI_TTL_MS, and a device
 * past PROOFS_PER_DEVICE_PER_WINDOW proofs in that time is refused — that
 * device alone. "A device" is an id with a key (`<thumbprint>:<deviceId>`),
 * so one device's flood never refuses another device's proofs, nor those of
 * the real device whose id a copy carries with its own key.
 *
 * Storage: the `proof_jtis` table of the account's HouseholdStore
 * (storage-schema.md), one row per accepted proof, gone after the TTL. SQL
 * runs synchronously, so a check and its insert are one step: two
 * concurrent proofs with one `jti` cannot both be accepted.
 *
 * Bound: at most PROOFS_PER_DEVICE_PER_WINDOW rows per device at a time, and
 * none older than the window (every proof prunes; the object's alarm wakes
 * when the oldest lapses). Rows stored follow the rate of accepted proofs —
 * one per session start of a bound device — never more than two minutes of it.
 */
import { PROOF_JTI_TTL_MS } from '../identity/device-proof';
import { err, ok, type Result } from '../result';

/** Proofs one device may present within PROOF_JTI_TTL_MS; the next is `429` until the oldest leaves the window. */
export const PROOFS_PER_DEVICE_PER_WINDOW = 600;

export type ProofLedgerRefusal = { reason: 'replayed' } | { reason: 'rate-limited'; retryAfterSeconds: number };

export class ProofLedger {
  constructor(
    private readonly sql: SqlStorage,
    /** Lays the object's schema out before its first write (sql-schema.ts). */
    private readonly ensureSchema: () => void,
  ) {}

  /** Accepts `jti` for the device `keyThumbprint` + `deviceId` once, within its allowance; older proofs are let go on the way. */
  accept(keyThumbprint: string, deviceId: string, jti: string, now: number): Result<void, ProofLedgerRefusal> {
    this.ensureSchema();
    const device = `${keyThumbprint}:${deviceId}`;
    this.prune(now);
    if (this.sql.exec('SELECT 1 FROM proof_jtis WHERE device = ? AND jti = ?', device, jti).toArray().length > 0) return err({ reason: 'replayed' });
    const held = this.sql.exec<{ n: number; oldest: number | null }>('SELECT COUNT(*) AS n, MIN(at) AS oldest FROM proof_jtis WHERE device = ?', device).one();
    if (held.n >= PROOFS_PER_DEVICE_PER_WINDOW) {
      return err({ reason: 'rate-limited', retryAfterSeconds: Math.max(1, Math.ceil(((held.oldest ?? now) + PROOF_JTI_TTL_MS - now) / 1000)) });
    }
    this.sql.exec('INSERT INTO proof_jtis (device, jti, at) VALUES (?, ?, ?)', device, jti, now);
    return ok(undefined);
  }

  /** Lets go of proofs past their window (every proof does it; the object's alarm too, once the last one lapses). */
  prune(now: number): void {
    this.sql.exec('DELETE FROM proof_jtis WHERE at <= ?', now - PROOF_JTI_TTL_MS);
  }

  /** When the oldest proof kept was accepted; null when none is. */
  oldestAt(): number | null {
    return this.sql.exec<{ oldest: number | null }>('SELECT MIN(at) AS oldest FROM proof_jtis').one().oldest;
  }

  /** Forgets every proof (an erase). */
  clear(): void {
    this.sql.exec('DELETE FROM proof_jtis');
  }
}
