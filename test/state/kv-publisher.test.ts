/**
 * The KV publisher on its own, in a real Durable Object's storage and real
 * local KV: the owed write is durable before it is tried, a failing KV leaves
 * it owed with the alarm set, and the alarm's retry lands it and clears the mark.
 */
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { KV_MIN_WRITE_INTERVAL_MS, KvPublisher } from '../../src/state/kv-publisher';
import { passTime, resetClock } from '../support/clock';
import { kvWith, type KvWrapper } from '../support/kv';
import { newAccount, testEnv } from '../support/gate';

/** Real local KV whose writes fail while `down` is set: a fault in the dependency, not a stand-in for the publisher. */
function flakyKv(): { kv: KVNamespace; setDown(down: boolean): void } {
  let down = false;
  const failWhileDown: KvWrapper = (real, ...args) => (down ? Promise.reject(new Error('KV unavailable')) : real(...args));
  const kv = kvWith(testEnv.HEARTH_KV, { put: failWhileDown, delete: failWhileDown });
  return { kv, setDown: (value) => (down = value) };
}

/** Runs `test` in a real Durable Object's storage of its own, with a KV key of its own. */
async function inPublisherObject(test: (key: string, state: DurableObjectState) => Promise<void>): Promise<void> {
  const key = `publisher-test:${newAccount('kvp')}`;
  await runInDurableObject(env.HOUSEHOLDS.get(env.HOUSEHOLDS.idFromName(key)), (_instance, state) => test(key, state));
}

describe('KvPublisher', () => {
  it('owes the write durably, keeps owing it while KV fails (alarm set), and the retry lands it and clears the mark', async () => {
    await inPublisherObject(async (key, state) => {
      const { kv, setDown } = flakyKv();
      let document: unknown = { revision: 1 };
      const publisher = new KvPublisher(state.storage, kv, async () => document);

      await state.storage.put(publisher.pendingEntry(key));
      expect(await publisher.isPending()).toBe(true);

      setDown(true);
      const start = Date.now();
      await publisher.publish(start);
      expect(await publisher.isPending()).toBe(true);
      expect(await testEnv.HEARTH_KV.get(key)).toBeNull();
      const alarm = await state.storage.getAlarm();
      expect(alarm).not.toBeNull();
      expect(alarm!).toBeGreaterThan(start);

      // What the alarm does: publish again, once KV is back.
      setDown(false);
      document = { revision: 2 };
      await publisher.publish(start + KV_MIN_WRITE_INTERVAL_MS + 1);
      expect(await publisher.isPending()).toBe(false);
      expect(await testEnv.HEARTH_KV.get(key, 'json')).toEqual({ revision: 2 });
    });
  });

  it('never writes twice within a second: the second change waits for the alarm, and stays owed', async () => {
    await inPublisherObject(async (key, state) => {
      const publisher = new KvPublisher(state.storage, testEnv.HEARTH_KV, async () => ({ revision: 1 }));
      await state.storage.put(publisher.pendingEntry(key));
      const now = Date.now();
      await publisher.publish(now);
      expect(await publisher.isPending()).toBe(false);

      await state.storage.put(publisher.pendingEntry(key));
      await publisher.publish(now + 10);
      expect(await publisher.isPending()).toBe(true);
      expect(await state.storage.getAlarm()).toBe(now + KV_MIN_WRITE_INTERVAL_MS);
    });
  });

  it('writes at once when the clock is behind its last write (set back), instead of waiting for the clock to catch up', async () => {
    await inPublisherObject(async (key, state) => {
      let document = { revision: 1 };
      const publisher = new KvPublisher(state.storage, testEnv.HEARTH_KV, async () => document);
      passTime(30 * 60_000);
      await state.storage.put(publisher.pendingEntry(key));
      await publisher.publish(Date.now());
      expect(await publisher.isPending()).toBe(false);

      // The clock set back half an hour (what test/setup/clock.ts does before each file).
      resetClock();
      document = { revision: 2 };
      await state.storage.put(publisher.pendingEntry(key));
      await publisher.publish(Date.now());
      expect(await publisher.isPending()).toBe(false);
      expect(await testEnv.HEARTH_KV.get(key, 'json')).toEqual({ revision: 2 });
    });
  });

  it('still waits out the second for a caller whose `now` is a moment older than the last write (read before an await)', async () => {
    await inPublisherObject(async (key, state) => {
      let writes = 0;
      const counting = kvWith(testEnv.HEARTH_KV, { put: (real, ...args) => ((writes += 1), real(...args)) });
      let document = { revision: 1 };
      const publisher = new KvPublisher(state.storage, counting, async () => document);
      const now = Date.now();
      // A person's change publishes at `now`.
      await state.storage.put(publisher.pendingEntry(key));
      await publisher.publish(now);
      expect(writes).toBe(1);
      // A trip decided by a call that read the clock 200 ms earlier, before awaiting a guard reading (ControlStore.alarm, countsArrived).
      document = { revision: 2 };
      await state.storage.put(publisher.pendingEntry(key));
      await publisher.publish(now - 200);
      expect(writes).toBe(1);
      expect(await publisher.isPending()).toBe(true);
    });
  });
});
