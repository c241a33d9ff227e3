/**
 * HouseholdStore: one Durable Object per account, the single writer of that
 * household. Every change is serialised here, kept in the object's SQLite
 * storage, and written through to the KV read model. Counters that must be
 * exact (code attempts, travel grants, location changes) live here too.
 *
 * Nothing is lost between the change and its consequences: the change, the
 * mark that KV owes the new snapshot, and the change's audit entry are one
 * atomic storage batch; KV and the audit log are then written at once and,
 * when that fails, by the alarm until they land.
 *
 * This class is the shell that wires the parts and answers the RPC methods:
 * the stored household (household-record.ts), what a change owes and the
 * alarm's wake-ups (household-publishing.ts), a device's own requests
 * (household-device-requests.ts), codes, moves and sign-outs
 * (household-codes.ts), support's changes (household-admin.ts), and what
 * refused devices said (household-feedback.ts, contract §8).
 */
import { DurableObject } from 'cloudflare:workers';
import { pruneAnchorAddresses } from '../household/home-networks';
import { touch, type Household, type HouseholdLimits, type SupportGrant, type Visit } from '../household/household';
import type { ExtraMemberChange } from '../household/transitions';
import { parseConfig } from '../config/config';
import type { NotifyTarget } from '../challenges/notify';
import type { Ok, Result } from '../result';
import type { AuditActor } from './audit-entries';
import { ChallengeBook } from './challenge-book';
import { HouseholdAdmin } from './household-admin';
import { HouseholdCodes } from './household-codes';
import { DeviceRequests, readSharing } from './household-device-requests';
import { HouseholdEvents, type EventContext, type HouseholdEventRecord } from './household-events';
import { HouseholdPublishing } from './household-publishing';
import { HouseholdRecord } from './household-record';
import type {
  AwayAccessInput,
  AwayAccessResult,
  SecondHomeInput,
  SecondHomeResult,
  ChallengeRequest,
  ExtraMemberRemoval,
  OpenChallengeResult,
  PrimaryLocationInput,
  PrimaryLocationResult,
  ProofAcceptance,
  ProofPresentation,
  SignOutInput,
  SignOutResult,
  SupportGrantChange,
  VerifyChallengeInput,
  VerifyChallengeResult,
  VisitPlace,
} from './household-store-api';
import type { HouseholdStoreEnv } from './household-store-env';
import { ProofLedger } from './proof-ledger';
import { HouseholdFeedback, type FeedbackEntry, type FeedbackRefusal } from './household-feedback';
import { wakeBy } from './alarm';
import { HOUSEHOLD_MIGRATIONS, SqlSchema } from './sql-schema';
import { noteVersion } from '../version';

export type * from './household-store-api';
export type { HouseholdStoreEnv } from './household-store-env';

export class HouseholdStore extends DurableObject<HouseholdStoreEnv> {
  #notifyTarget: NotifyTarget | null | undefined;
  readonly #record: HouseholdRecord;
  readonly #publishing: HouseholdPublishing;
  readonly #proofs: ProofLedger;
  readonly #feedback: HouseholdFeedback;
  readonly #requests: DeviceRequests;
  readonly #codes: HouseholdCodes;
  readonly #admin: HouseholdAdmin;

  constructor(ctx: DurableObjectState, env: HouseholdStoreEnv) {
    super(ctx, env);
    noteVersion(env);
    // An account nothing is known of is left without storage until its first write, which lays the schema out (storage-schema.md).
    const schema = new SqlSchema(ctx.storage, HOUSEHOLD_MIGRATIONS);
    ctx.blockConcurrencyWhile(async () => {
      schema.open({ whenEmpty: 'wait' });
    });
    const challenges = new ChallengeBook(ctx.storage);
    const events = new HouseholdEvents(ctx.storage, () => this.#codeWebhook());
    const proofs = (this.#proofs = new ProofLedger(ctx.storage.sql, () => schema.ensure()));
    const record = (this.#record = new HouseholdRecord(ctx.storage, schema, () => this.#publishing));
    const publishing = (this.#publishing = new HouseholdPublishing(ctx.storage, env, { view: record, challenges, events, proofs, schema }));
    const feedback = (this.#feedback = new HouseholdFeedback(ctx.storage.sql, () => schema.ensure()));
    const parts = { storage: ctx.storage, env, record, publishing, events, proofs, feedback, schema };
    this.#requests = new DeviceRequests(parts);
    this.#admin = new HouseholdAdmin(parts);
    this.#codes = new HouseholdCodes(challenges, {
      household: () => record.household(),
      save: (household, audit, extra) => record.save(household, audit, extra),
      readSharing: (networkId, holderId, limits) => readSharing(env, networkId, holderId, limits),
      stageEvents: (accountId, findings, context, now) => events.stage(accountId, findings, context, now),
      ensureSchema: () => schema.ensure(),
    });
  }

  /** The household as stored here (the source of truth), or null when nothing is known (or the account was erased). */
  household(): Promise<Household | null> {
    return this.#record.household();
  }

  /**
   * What the edge decides on: the household, or after an erase its floor (a
   * household with nothing in it but `signedOutBefore`), or null.
   */
  snapshot(accountId: string): Promise<Household | null> {
    return this.#record.snapshot(accountId);
  }

  /**
   * Remembers one playback request; returns the household after it. When the
   * visit adds or confirms a home network whose sharing count is due, the
   * network's count is read first and kept with the network. A visit by a
   * token the household refuses changes nothing (see `VisitPlace`).
   */
  recordVisit(accountId: string, visit: Visit, limits: HouseholdLimits, place: VisitPlace = { holderId: null }): Promise<Household> {
    return this.#requests.recordVisit(accountId, visit, limits, place);
  }

  /**
   * Accepts a DPoP proof once for its device (contract §2.1): a signed-out
   * device's or an erased account's proof is refused before it is counted or
   * kept; a proof for an id bound to another key is refused (and the owner
   * told, `device_key_refused`); then the device's own ledger takes the
   * `jti` once, within its allowance. Keys are recorded where the device is
   * written (a visit, a verified code, a move), never here: a proof alone
   * lists nothing.
   *
   * Why here and not in KV or an isolate's memory: a replayed proof may land
   * on any isolate anywhere, and only a Durable Object answers "seen
   * before?" once for all of them (KV has no compare-and-set and lags a
   * minute). The account's own object is the one the proof's account
   * already leads to: no new namespace, one call per session start.
   */
  acceptProof(accountId: string, presented: ProofPresentation, now = Date.now()): Promise<ProofAcceptance> {
    return this.#requests.acceptProof(accountId, presented, now);
  }

  /**
   * A token for a bound device id came with another key or none (contract
   * §6): the owner hears of it, at most once per device and day. Nothing
   * else is written; a device not listed is not told of.
   */
  noteKeyRefused(accountId: string, deviceId: string, context: EventContext, now = Date.now()): Promise<void> {
    return this.#requests.noteKeyRefused(accountId, deviceId, context, now);
  }

  /** The account's recent household events, newest first (support's account summary). */
  recentEvents(now = Date.now()): Promise<HouseholdEventRecord[]> {
    return this.#requests.recentEvents(now);
  }

  /** Keeps a refused device's answer to contract §8's question for `keptMs` (household-feedback.ts); the alarm lets it go then. */
  async addFeedback(entry: Omit<FeedbackEntry, 'feedbackId'>, keptMs: number): Promise<Result<FeedbackEntry, FeedbackRefusal>> {
    const added = this.#feedback.add(entry, keptMs);
    const expiry = this.#feedback.nextExpiry();
    if (expiry !== null) await wakeBy(this.ctx.storage, expiry);
    return added;
  }

  /** The answers kept (the last TRUST_WINDOW's), newest first (support's account summary). */
  async recentFeedback(now = Date.now()): Promise<FeedbackEntry[]> {
    return this.#feedback.recent(now);
  }

  /** The code webhook the owner's events go to (NOTIFY_URL), or null: development logs them. */
  #codeWebhook(): NotifyTarget | null {
    if (this.#notifyTarget === undefined) {
      // The object's bindings are the Worker's: the same configuration, parsed the same way.
      const parsed = parseConfig(this.env as unknown as Parameters<typeof parseConfig>[0]);
      this.#notifyTarget = parsed.ok ? parsed.value.notify : null;
    }
    return this.#notifyTarget;
  }

  /** Opens a challenge for a device (household-codes.ts). */
  openChallenge(deviceId: string, codeTtlMs: number, request: ChallengeRequest = { purpose: 'access' }, region?: string): Promise<OpenChallengeResult> {
    return this.#codes.open(deviceId, codeTtlMs, request, region);
  }

  /** Takes back a challenge whose code could not be delivered: it no longer counts. */
  withdrawChallenge(challengeId: string): Promise<void> {
    return this.#codes.withdraw(challengeId);
  }

  /** Checks an `access` code; a right one grants the device temporary access (household-codes.ts). */
  verifyChallenge(accountId: string, input: VerifyChallengeInput): Promise<VerifyChallengeResult> {
    return this.#codes.verify(accountId, input);
  }

  /** Makes the TV's network the primary location with the owner's code (household-codes.ts). */
  setPrimaryLocation(accountId: string, input: PrimaryLocationInput): Promise<PrimaryLocationResult> {
    return this.#codes.setPrimaryLocation(accountId, input);
  }

  /** Makes the TV's network a second home with the owner's code (household-codes.ts). */
  setSecondHome(accountId: string, input: SecondHomeInput): Promise<SecondHomeResult> {
    return this.#codes.setSecondHome(accountId, input);
  }

  /** Removes a second home with the owner's code (household-codes.ts). */
  removeSecondHome(accountId: string, input: SecondHomeInput): Promise<SecondHomeResult> {
    return this.#codes.removeSecondHome(accountId, input);
  }

  /** Away access for a device with the owner's code (household-codes.ts). */
  giveAwayAccess(accountId: string, input: AwayAccessInput): Promise<AwayAccessResult> {
    return this.#codes.giveAwayAccess(accountId, input);
  }

  /** Signs a device out on the authority the edge found (household-codes.ts). */
  signOutDevice(accountId: string, input: SignOutInput): Promise<SignOutResult> {
    return this.#codes.signOut(accountId, input);
  }

  /** v1.3's sign-out, kept for a Worker of the release before during a deployment (CONTRIBUTING.md, "One step of compatibility"). */
  signOut(deviceId: string, limits: HouseholdLimits): Promise<SignOutResult> {
    return this.#codes.signOutAsBefore(deviceId, limits);
  }

  /** Adds a support grant, audited with the change. */
  addSupportGrant(accountId: string, grant: Omit<SupportGrant, 'grantId' | 'createdAt' | 'actor'>, by: AuditActor): Promise<Ok<SupportGrantChange>> {
    return this.#admin.addSupportGrant(accountId, grant, by);
  }

  /** Ends a support grant, audited with the change; GRANT_NOT_FOUND when the account holds no such grant. */
  endSupportGrant(grantId: string, by: AuditActor): Promise<Result<SupportGrantChange, { reason: 'GRANT_NOT_FOUND' }>> {
    return this.#admin.endSupportGrant(grantId, by);
  }

  /** Gives a device an extra-member slot, audited with the change. Adding a member again changes nothing. */
  addExtraMember(accountId: string, deviceId: string, label: string | null, slots: number, by: AuditActor): Promise<ExtraMemberChange> {
    return this.#admin.addExtraMember(accountId, deviceId, label, slots, by);
  }

  /** Frees an extra-member slot, audited with the change; EXTRA_MEMBER_NOT_FOUND when the device held none. */
  removeExtraMember(deviceId: string, by: AuditActor): Promise<ExtraMemberRemoval> {
    return this.#admin.removeExtraMember(deviceId, by);
  }

  /** Support ends a device's away access early, audited with the change; AWAY_ACCESS_NOT_FOUND when it holds none. */
  endAwayAccess(deviceId: string, by: AuditActor): Promise<Result<{ household: Household }, { reason: 'AWAY_ACCESS_NOT_FOUND' }>> {
    return this.#admin.endAwayAccess(deviceId, by);
  }

  /**
   * Erases everything held about the account: the household, challenges and
   * counters here, the KV snapshot, and what identifies the person in the
   * audit trail (the erase entry redacts the account's earlier entries to a
   * pseudonym; entries still waiting here are redacted before they leave).
   * The KV write and the audit entry are owed in the same batch as the
   * erase, so a failure of either is retried, never lost.
   *
   * One thing stays: the erase floor, here and in KV in place of the
   * household, refusing every token issued at or before the erase's second
   * until the last of them is past its maximum age; then the alarm forgets it
   * and this object's storage is empty (KV drops its copy by itself). The
   * household is released from the sharing count of every network it held
   * within the trust window, those it has left included.
   */
  erase(accountId: string, by: AuditActor, limits: Pick<HouseholdLimits, 'tokenMaxAgeMs' | 'trustWindowMs'>): Promise<{ existed: boolean; counts: Record<string, number> | null }> {
    return this.#admin.erase(accountId, by, limits);
  }

  /** Forgets anchor addresses past the co-presence window, proofs and answers past theirs, then pays what is still owed. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const household = await this.#record.household();
    if (household) {
      const pruned = structuredClone(household);
      if (pruneAnchorAddresses(pruned, now)) {
        await this.#record.save(touch(pruned, now));
        return;
      }
    }
    if (this.#publishing.proofsStored()) this.#proofs.prune(now);
    // Answers past TRUST_WINDOW go, and the alarm wakes again for the next to lapse.
    this.#feedback.prune(now);
    const feedbackExpiry = this.#feedback.nextExpiry();
    if (feedbackExpiry !== null) await wakeBy(this.ctx.storage, feedbackExpiry);
    await this.#publishing.afterChange(now, true);
  }
}
