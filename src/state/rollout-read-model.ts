/**
 * Rollout rules at the edge: read from KV, cached per isolate for a short
 * while, and replaced at once when this isolate changes them through the
 * ControlStore — so a change applies to this instance's next request and to
 * every other instance once KV has propagated it.
 */
import { EMPTY_ROLLOUT, type Rollout } from '../policy/rollout';
import { controlStore, type ControlStore, type RolloutChange, type RuleChange } from './control-store';
import { ROLLOUT_KEY } from './kv-keys';

/** How long an isolate reuses the rollout rules before reading KV again. */
export const ROLLOUT_CACHE_MS = 10_000;

export interface RolloutBindings {
  HEARTH_KV: KVNamespace;
  CONTROL: DurableObjectNamespace<ControlStore>;
}

let cached: { rollout: Rollout; expiresAt: number } | null = null;

/** The rules in force for this isolate. A KV failure keeps the last known rules (or none: monitor). */
export async function currentRollout(bindings: RolloutBindings, now: number): Promise<Rollout> {
  if (cached && cached.expiresAt > now) return cached.rollout;
  try {
    const stored = await bindings.HEARTH_KV.get<Rollout>(ROLLOUT_KEY, 'json');
    keep(stored ?? EMPTY_ROLLOUT, now);
  } catch (error) {
    console.error(JSON.stringify({ event: 'rollout_read_failed', error: String(error) }));
    keep(cached?.rollout ?? EMPTY_ROLLOUT, now);
  }
  return cached!.rollout;
}

/** Changes one region's rule through the ControlStore; this isolate sees it immediately. */
export async function changeRolloutRule(bindings: RolloutBindings, change: RuleChange): Promise<RolloutChange> {
  const result = await controlStore(bindings).changeRule(change);
  keep(result.ok ? result.value : result.error.rollout, Date.now(), true);
  return result;
}

/**
 * The authoritative rules from the ControlStore (for the admin API, which
 * must never act on stale rules). With `readings`, each guard's reading as of
 * now is attached — asked of the regions' objects, so only for showing them.
 */
export async function authoritativeRollout(bindings: RolloutBindings, options: { readings?: boolean } = {}): Promise<Rollout> {
  const store = controlStore(bindings);
  const rollout = options.readings ? await store.rolloutWithReadings() : await store.rollout();
  keep(rollout, Date.now(), true);
  return rollout;
}

/** Rules the ControlStore just answered (a guard tripped on this isolate's counts): in force here at once. */
export function adoptRollout(rollout: Rollout): void {
  keep(rollout, Date.now(), true);
}

function keep(rollout: Rollout, now: number, authoritative = false): void {
  if (authoritative || !cached || cached.expiresAt <= now || rollout.version >= cached.rollout.version) {
    cached = { rollout, expiresAt: now + ROLLOUT_CACHE_MS };
  }
}
