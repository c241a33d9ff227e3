/**
 * Rollout rules at the edge: read from KV, kept by each gate (one per
 * isolate's bindings) for a short while, and replaced at once when this gate
 * changes them through the ControlStore — so a change applies to this
 * instance's next request and to every other instance once KV has
 * propagated it and its copy has lapsed. Rules this gate had from the
 * ControlStore are not given up for an older copy KV still serves.
 */
import { EMPTY_ROLLOUT, type Rollout } from '../policy/rollout';
import { controlStore, type ControlStore, type RolloutChange, type RuleChange } from './control-store';
import { ROLLOUT_KEY } from './kv-keys';
import { logged } from '../version';

/** How long a gate reuses the rollout rules before reading KV again. */
export const ROLLOUT_CACHE_MS = 10_000;
/**
 * How long rules taken from the ControlStore itself outrank an older copy
 * read from KV: about a minute, while KV's edge caches may still serve the
 * copy from before (a guard tripped by this gate's counts stays tripped here).
 */
export const ROLLOUT_PROPAGATION_MS = 60_000;

export interface RolloutBindings {
  HEARTH_KV: KVNamespace;
  CONTROL: DurableObjectNamespace<ControlStore>;
}

export class RolloutReadModel {
  #kept: { rollout: Rollout; expiresAt: number; adoptedUntil: number } | null = null;

  constructor(private readonly bindings: RolloutBindings) {}

  /** The rules in force for this gate. A KV failure keeps the last known rules (or none: monitor). */
  async current(now: number): Promise<Rollout> {
    if (this.#kept && this.#kept.expiresAt > now) return this.#kept.rollout;
    try {
      const stored = await this.bindings.HEARTH_KV.get<Rollout>(ROLLOUT_KEY, 'json');
      this.#keep(stored ?? EMPTY_ROLLOUT, now);
    } catch (error) {
      console.error(logged({ event: 'rollout_read_failed', error: String(error) }));
      this.#keep(this.#kept?.rollout ?? EMPTY_ROLLOUT, now);
    }
    return this.#kept!.rollout;
  }

  /** Changes one region's rule through the ControlStore; this gate sees it immediately. */
  async change(change: RuleChange): Promise<RolloutChange> {
    const result = await controlStore(this.bindings).changeRule(change);
    this.adopt(result.ok ? result.value : result.error.rollout);
    return result;
  }

  /**
   * The authoritative rules from the ControlStore (for the admin API, which
   * must never act on stale rules). With `readings`, each guard's reading as
   * of now is attached — asked of the regions' objects, so only for showing them.
   */
  async authoritative(options: { readings?: boolean } = {}): Promise<Rollout> {
    const store = controlStore(this.bindings);
    const rollout = options.readings ? await store.rolloutWithReadings() : await store.rollout();
    this.adopt(rollout);
    return rollout;
  }

  /** Rules the ControlStore just answered (a change, a read, a guard tripped on this gate's counts): in force here at once. */
  adopt(rollout: Rollout, now = Date.now()): void {
    this.#keep(rollout, now, true);
  }

  /**
   * Keeps `rollout`: always when the ControlStore answered it; from KV, unless
   * it is older than rules the ControlStore answered under
   * ROLLOUT_PROPAGATION_MS ago (then those stay, and KV is read again after
   * the cache period). Past that an older version is taken: the rules were
   * started afresh (`npm run dev:reset`).
   */
  #keep(rollout: Rollout, now: number, authoritative = false): void {
    const kept = this.#kept;
    if (authoritative) {
      this.#kept = { rollout, expiresAt: now + ROLLOUT_CACHE_MS, adoptedUntil: now + ROLLOUT_PROPAGATION_MS };
    } else if (!kept || rollout.version >= kept.rollout.version || now >= kept.adoptedUntil) {
      this.#kept = { rollout, expiresAt: now + ROLLOUT_CACHE_MS, adoptedUntil: kept && rollout.version >= kept.rollout.version ? kept.adoptedUntil : 0 };
    } else {
      kept.expiresAt = now + ROLLOUT_CACHE_MS;
    }
  }
}
