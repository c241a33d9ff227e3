/**
 * The rollout rules an isolate keeps: KV's copy, read again after
 * ROLLOUT_CACHE_MS, except that rules this gate took from the ControlStore
 * itself (a change it made, a guard its counts tripped) are not given up for
 * an older copy KV may still serve for about a minute.
 */
import { describe, expect, it } from 'vitest';
import { ROLLOUT_CACHE_MS, ROLLOUT_PROPAGATION_MS, RolloutReadModel } from '../../src/state/rollout-read-model';
import { ROLLOUT_KEY } from '../../src/state/kv-keys';
import type { Rollout } from '../../src/policy/rollout';
import { testEnv } from '../support/gate';
import { kvWith } from '../support/kv';

const rule = (mode: 'enforce' | 'monitor', status: 'steady' | 'tripped') => ({ mode, percent: 100, failOpen: true, status }) as Rollout['regions'][string];
const enforcing: Rollout = { version: 7, updatedAt: '2026-12-01T10:00:00.000Z', regions: { PE: rule('enforce', 'steady') } };
const tripped: Rollout = { version: 8, updatedAt: '2026-12-01T10:05:00.000Z', regions: { PE: rule('enforce', 'tripped') } };

/** Real local KV whose rollout key answers `served` (a KV edge that has not caught up yet); every other call as it is. */
function kvServing(served: () => Rollout | null): KVNamespace {
  return kvWith(testEnv.HEARTH_KV, { get: (real, key, ...rest) => (key === ROLLOUT_KEY ? Promise.resolve(served()) : real(key, ...rest)) });
}

describe('RolloutReadModel', () => {
  it('keeps rules adopted from the ControlStore against an older copy in KV until it has had time to propagate', async () => {
    let served: Rollout | null = enforcing;
    const rules = new RolloutReadModel({ HEARTH_KV: kvServing(() => served), CONTROL: testEnv.CONTROL });
    const now = Date.now();
    expect((await rules.current(now)).version).toBe(7);
    // This gate's counts tripped the guard: the ControlStore answered version 8.
    rules.adopt(tripped, now);
    expect((await rules.current(now + 1)).version).toBe(8);
    // Its copy lapses while KV still serves version 7: the tripped rule stays in force here.
    expect((await rules.current(now + ROLLOUT_CACHE_MS + 1)).version).toBe(8);
    expect((await rules.current(now + ROLLOUT_PROPAGATION_MS - 1)).version).toBe(8);
    // KV catches up: read as usual.
    served = tripped;
    expect((await rules.current(now + ROLLOUT_PROPAGATION_MS + ROLLOUT_CACHE_MS)).version).toBe(8);
  });

  it('takes an older copy from KV once the adopted rules have had time to propagate (rules started afresh)', async () => {
    let served: Rollout | null = tripped;
    const rules = new RolloutReadModel({ HEARTH_KV: kvServing(() => served), CONTROL: testEnv.CONTROL });
    const now = Date.now();
    rules.adopt(tripped, now);
    served = null; // `npm run dev:reset`: no rules stored at all
    expect((await rules.current(now + ROLLOUT_PROPAGATION_MS + 1)).version).toBe(0);
  });
});
