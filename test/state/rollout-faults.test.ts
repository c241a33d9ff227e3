/**
 * Faults in the ControlStore's write path (src/state/rollout-writes.ts),
 * injected as test/state/faults.test.ts does — one binding of the real object
 * replaced for the fault's duration: a restart between a rule's write and its
 * KV publish must still leave an alarm to publish it.
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ROLLOUT_KEY } from '../../src/state/kv-keys';
import { OWED_WAKE_MS } from '../../src/state/rollout-writes';
import { newAccount, testEnv } from '../support/gate';

type Json = Record<string, any>;

describe('a ControlStore restarted between its write and the KV publish', () => {
  it('has its alarm in the same batch as the rule, and the alarm publishes what KV owes', async () => {
    // A ControlStore of its own: nothing else has set its alarm.
    const store = testEnv.CONTROL.get(testEnv.CONTROL.idFromName(`restart-${newAccount('store')}`)) as unknown as DurableObjectStub;
    const kvBefore = await testEnv.HEARTH_KV.get(ROLLOUT_KEY);
    try {
      await runInDurableObject(store, async (instance: any, state) => {
        expect(await state.storage.getAlarm()).toBeNull();
        const real = instance.env;
        // The object dies while it marks the guard (the region object never answers): nothing after the write runs.
        instance.env = { ...real, METRICS: { idFromName: (name: string) => real.METRICS.idFromName(name), get: () => ({ setGuard: () => new Promise(() => {}) }) } };
        const writtenAt = Date.now();
        void instance.changeRule({ region: 'VK', rule: { mode: 'enforce', guard: { maxRefusalRate: 0.5, window: 'PT15M' } }, actor: 'ops@example.test' });
        await new Promise((resolve) => setTimeout(resolve, 50));
        instance.env = real;
        // Written, KV owed, and — in the same batch — the alarm that will publish it.
        expect((await instance.rollout()).regions.VK).toMatchObject({ mode: 'enforce' });
        expect(await state.storage.get('kv:pending')).toBeDefined();
        const alarm = await state.storage.getAlarm();
        expect(alarm).not.toBeNull();
        expect(alarm!).toBeLessThanOrEqual(writtenAt + OWED_WAKE_MS + 1000);
      });
      // The restarted object's alarm: KV gets the rule, nothing is owed.
      expect(await runDurableObjectAlarm(store)).toBe(true);
      expect(((await testEnv.HEARTH_KV.get(ROLLOUT_KEY, 'json')) as Json).regions.VK).toMatchObject({ mode: 'enforce' });
      await runInDurableObject(store, async (_instance, state) => expect(await state.storage.get('kv:pending')).toBeUndefined());
    } finally {
      if (kvBefore === null) await testEnv.HEARTH_KV.delete(ROLLOUT_KEY);
      else await testEnv.HEARTH_KV.put(ROLLOUT_KEY, kvBefore);
    }
  });
});
