/**
 * Real local KV with some of its methods wrapped: a fault in the dependency
 * (writes failing), an observation (writes counted) or an edge that has not
 * caught up (a key answering an older value) — never a stand-in for the code
 * under test. Every method not named is the real one, bound to the real KV.
 *
 *   kvWith(testEnv.HEARTH_KV, { put: (real, ...args) => (down ? Promise.reject(new Error('KV unavailable')) : real(...args)) })
 */

/** The KV methods a test may wrap. */
export type KvMethod = 'get' | 'getWithMetadata' | 'put' | 'delete' | 'list';

/** A wrapped method: given the real one (bound to the real KV) and the call's arguments. */
export type KvWrapper = (real: (...args: unknown[]) => Promise<unknown>, ...args: unknown[]) => Promise<unknown>;

/** `kv` with the methods in `wrappers` wrapped; everything else as it is. */
export function kvWith(kv: KVNamespace, wrappers: Partial<Record<KvMethod, KvWrapper>>): KVNamespace {
  return new Proxy(kv, {
    get(target, name) {
      const value = Reflect.get(target, name) as unknown;
      const real = typeof value === 'function' ? (value as (...args: unknown[]) => Promise<unknown>).bind(target) : value;
      const wrapper = typeof name === 'string' ? wrappers[name as KvMethod] : undefined;
      return wrapper ? (...args: unknown[]) => wrapper(real as (...args: unknown[]) => Promise<unknown>, ...args) : real;
    },
  });
}
