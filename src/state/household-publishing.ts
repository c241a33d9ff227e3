/**
 * What a HouseholdStore owes after a change, and how it pays: the KV snapshot
 * (KvPublisher), the audit entries (the outbox, delivered to the
 * ControlStore), the owner's events (sent behind the answer, or by the
 * alarm), and the alarm's wake-ups (an anchor address leaving the co-presence
 * window, an erase floor lapsing, the oldest proof leaving its window). Once
 * an erased account owes nothing and its floor has lapsed, its storage is
 * emptied here.
 *
 * It reads the household through `HouseholdView` (household-record.ts
 * implements it), so this module knows nothing of how the household is kept.
 */
import { nextAnchorAddressExpiry } from '../household/home-networks';
import { toHouseholdDocument, type Household } from '../household/household';
import { eraseFloorDocument, isEraseFloorDocument, type EraseFloor } from '../household/erase-floor';
import { PROOF_JTI_TTL_MS } from '../identity/device-proof';
import type { ChallengeBook } from './challenge-book';
import { controlStore } from './control-store';
import type { HouseholdEvents } from './household-events';
import type { AuditDelivery } from './household-store-api';
import type { HouseholdStoreEnv } from './household-store-env';
import { householdKey } from './kv-keys';
import { KvPublisher } from './kv-publisher';
import { Outbox } from './outbox';
import type { ProofLedger } from './proof-ledger';
import type { SqlSchema } from './sql-schema';
import { redactedEntry } from './audit-entries';
import { wakeBy } from './alarm';

/** What publishing reads of the stored household, and how it tells the record that storage was emptied. */
export interface HouseholdView {
  household: () => Promise<Household | null>;
  eraseFloor: () => Promise<EraseFloor | null>;
  /** Storage was emptied: nothing is cached any more. */
  emptied: () => void;
}

/** The parts of the object publishing works with. */
export interface PublishingParts {
  view: HouseholdView;
  challenges: ChallengeBook;
  events: HouseholdEvents;
  proofs: ProofLedger;
  schema: SqlSchema;
}

export class HouseholdPublishing {
  readonly #storage: DurableObjectStorage;
  readonly #parts: PublishingParts;
  readonly #publisher: KvPublisher;
  readonly #outbox: Outbox<AuditDelivery>;

  constructor(storage: DurableObjectStorage, env: HouseholdStoreEnv, parts: PublishingParts) {
    this.#storage = storage;
    this.#parts = parts;
    // KV holds the household, or after an erase the floor alone — which KV drops by itself when it lapses.
    this.#publisher = new KvPublisher(
      storage,
      env.HEARTH_KV,
      async () => {
        const household = await parts.view.household();
        if (household) return toHouseholdDocument(household);
        const floor = await parts.view.eraseFloor();
        return floor && eraseFloorDocument(floor);
      },
      (document) => (isEraseFloorDocument(document) ? document.eraseFloor.until : null),
    );
    this.#outbox = new Outbox<AuditDelivery>(storage, { prefix: 'outbox:', failureEvent: 'audit_delivery_failed', deliverOne: (delivery) => deliverAudit(env, delivery) });
  }

  /** The records a change owes, to put in its own batch: the mark that KV owes the account's snapshot, and the audit entries. */
  owed(accountId: string, audit: Array<Omit<AuditDelivery, 'origin' | 'at'>>, now: number): Record<string, unknown> {
    return { ...this.#publisher.pendingEntry(householdKey(accountId)), ...this.#outbox.entries(audit, now) };
  }

  /** Audit entries still waiting to leave, by storage key. */
  waitingAudit(): Promise<Map<string, AuditDelivery>> {
    return this.#outbox.pending();
  }

  /** Whether the proof ledger's table exists (an account never written has no storage at all). */
  proofsStored(): boolean {
    return this.#storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'proof_jtis'").one().n > 0;
  }

  /**
   * Writes what is owed to KV and the audit log; whatever fails is left to the
   * alarm. The alarm also wakes when the oldest anchor address kept leaves
   * the co-presence window, to forget it then, and when an erase floor lapses.
   */
  async afterChange(now: number, fromAlarm = false): Promise<void> {
    const { view, events } = this.#parts;
    await this.#publisher.publish(now);
    const delivered = await this.#outbox.deliver(now);
    // The owner's events never delay the request that made them (contract §6): sent behind its answer, with the
    // alarm already set to send them if this object goes away first; the alarm itself waits for them.
    const told = fromAlarm ? await events.deliver(now) : !(await events.sendBehind(now));
    await this.#clearIfErased(now);
    // Everything landed: the safety-net alarm would only wake the object for nothing.
    if (delivered && told && !(await this.#publisher.isPending())) await this.#storage.deleteAlarm();
    const expiry = nextAnchorAddressExpiry(await view.household());
    if (expiry !== null) await wakeBy(this.#storage, expiry);
    const floor = await view.eraseFloor();
    if (floor) await wakeBy(this.#storage, floor.until);
    await this.wakeForProofs();
  }

  /** The alarm wakes when the oldest proof kept leaves its window, so a burst followed by silence leaves no rows behind. */
  async wakeForProofs(): Promise<void> {
    const oldest = this.proofsStored() ? this.#parts.proofs.oldestAt() : null;
    if (oldest !== null) await wakeBy(this.#storage, oldest + PROOF_JTI_TTL_MS + 1);
  }

  /**
   * After an erase, once KV and the audit log have what they are owed,
   * nothing is left here but the floor; once the floor has lapsed, nothing at all.
   */
  async #clearIfErased(now: number): Promise<void> {
    const { view, challenges, events, schema } = this.#parts;
    if ((await view.household()) !== null) return;
    if ((await this.#publisher.isPending()) || (await this.#outbox.pending()).size > 0) return;
    if (!(await challenges.isEmpty())) return;
    const floor = await view.eraseFloor();
    if (floor && floor.until > now) return;
    await this.#storage.deleteAlarm();
    await this.#storage.deleteAll();
    schema.emptied();
    view.emptied();
    events.forget();
  }
}

/** Appends one outbox entry to the ControlStore's audit log (idempotent by origin). */
async function deliverAudit(env: HouseholdStoreEnv, delivery: AuditDelivery): Promise<void> {
  await controlStore(env).appendAudit(delivery.entry, { origin: delivery.origin, at: delivery.at, ...(delivery.redact ? { redact: delivery.redact } : {}) });
}

/** An entry waiting in the outbox, as it may leave after its account was erased. */
export function redactDelivery(delivery: AuditDelivery, accountId: string, pseudonym: string): AuditDelivery {
  const entry = redactedEntry(delivery.entry, accountId, pseudonym);
  return entry === delivery.entry ? delivery : { ...delivery, entry };
}
