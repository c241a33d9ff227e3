/**
 * Calls the Worker the way Cloudflare would — a Request with `cf.country`
 * and `CF-Connecting-IP` — and waits for its `waitUntil` work, so a test can
 * look at household state right after a request.
 */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '../../src/index';
import type { HearthEnv } from '../../src/env';
import { gateFor } from '../../src/gate';
import type { RuleChange } from '../../src/state/control-store';
import type { Rollout } from '../../src/policy/rollout';
import { type Mode } from '../../src/vocabulary';

const { RATE_LIMIT_NETWORK, RATE_LIMIT_ACCOUNT, ...unlimited } = env as unknown as HearthEnv;
/**
 * The test bindings: wrangler.toml's and .dev.vars', without its two rate
 * limits (unbound means no limit), so one file's burst of bad tokens from
 * the default address never meets another's limit. The limits themselves,
 * as miniflare runs wrangler.toml's `[[ratelimits]]`, are `rateLimits`.
 */
export const testEnv = unlimited as HearthEnv;
/** wrangler.toml's Workers Rate Limiting bindings, as miniflare runs them (test/gate/rate-limits.test.ts). */
export const rateLimits = { RATE_LIMIT_NETWORK, RATE_LIMIT_ACCOUNT };

export interface GateRequest {
  path?: string;
  method?: string;
  token?: string;
  cookie?: string;
  ip?: string | null;
  ipv6?: string;
  country?: string;
  headers?: Record<string, string>;
  body?: BodyInit;
  /** Bindings to override for this request (a new gate is built for them). */
  env?: BindingOverrides;
  /** The bindings object to serve with (`anotherIsolate()`: a gate with caches of its own). */
  bindings?: HearthEnv;
  /** The origin the request comes to (default `https://gate.hearth.test`): a gate serves under more than one name. */
  origin?: string;
}

/** The origin test requests come to, unless they say otherwise. */
export const GATE_ORIGIN = 'https://gate.hearth.test';

export async function callGate(request: GateRequest = {}): Promise<Response> {
  const headers = new Headers(request.headers);
  if (request.token) headers.set('Authorization', `Bearer ${request.token}`);
  if (request.cookie) headers.set('Cookie', request.cookie);
  if (request.ip !== null) headers.set('CF-Connecting-IP', request.ip ?? '198.51.100.7');
  if (request.ipv6) headers.set('CF-Connecting-IPv6', request.ipv6);
  const init: RequestInit & { cf?: Record<string, unknown> } = {
    method: request.method ?? 'GET',
    headers,
    cf: request.country ? { country: request.country } : {},
  };
  if (request.body !== undefined) init.body = request.body;
  const incoming = new Request(`${request.origin ?? GATE_ORIGIN}${request.path ?? '/gate/v1/decision'}`, init);
  const ctx = createExecutionContext();
  const bindings = request.bindings ?? (request.env ? envWith(request.env) : testEnv);
  await rulesReached(bindings);
  const response = await worker.fetch(incoming as Parameters<typeof worker.fetch>[0], bindings, ctx);
  await waitOnExecutionContext(ctx);
  await rulesLearned(bindings);
  return response;
}

const overridden = new Map<string, HearthEnv>();

/** Bindings to replace, by name; `undefined` removes one. Values may be malformed on purpose. */
export type BindingOverrides = { [Name in keyof HearthEnv]?: unknown };

/** The test bindings as a new object: a gate of its own, as another isolate would build. */
export function anotherIsolate(): HearthEnv {
  return { ...testEnv };
}

/** The test bindings with some values replaced; the same overrides give the same object (and gate). */
export function envWith(overrides: BindingOverrides): HearthEnv {
  const key = JSON.stringify(Object.entries(overrides).map(([name, value]) => [name, value === undefined ? '(unset)' : value]));
  let bindings = overridden.get(key);
  if (!bindings) {
    bindings = { ...testEnv, ...overrides } as HearthEnv;
    for (const name of Object.keys(overrides) as (keyof HearthEnv)[]) if (overrides[name] === undefined) delete bindings[name];
    overridden.set(key, bindings);
  }
  return bindings;
}

/** The newest rules any gate of this test file has held (a `setRule`, an admin change, a guard that tripped). */
let lastRules: Rollout | null = null;

/**
 * Changes a rule through the test bindings' gate. Every other gate a test
 * serves with (`env`, `bindings`) is handed the newest rules before its next
 * request (`rulesReached`), and what a gate learned while serving — an admin
 * change, a guard that tripped on its counts — is passed on (`rulesLearned`):
 * in production each isolate keeps its rules for ROLLOUT_CACHE_MS and KV takes
 * up to a second to hold a change; here one isolate holds several gates, and
 * a test should not wait out either.
 */
async function changeRule(change: RuleChange) {
  const gate = gateFor(testEnv);
  if (!gate.ok) throw new Error('the test bindings do not build a gate');
  const result = await gate.value.rollouts.change(change);
  lastRules = result.ok ? result.value : result.error.rollout;
  return result;
}

async function rulesLearned(bindings: HearthEnv): Promise<void> {
  const built = gateFor(bindings);
  if (!built.ok) return;
  const held = await built.value.rollouts.current(Date.now());
  if (!lastRules || held.version > lastRules.version) lastRules = held;
  handed.set(built.value, held.version);
}

/** The version of the rules each gate was last handed or seen holding: most requests need no look at all. */
const handed = new WeakMap<object, number>();

async function rulesReached(bindings: HearthEnv): Promise<void> {
  const built = gateFor(bindings);
  if (!built.ok || !lastRules || handed.get(built.value) === lastRules.version) return;
  if ((await built.value.rollouts.current(Date.now())).version < lastRules.version) built.value.rollouts.adopt(lastRules);
  handed.set(built.value, lastRules.version);
}

export async function setRule(region: string, mode: Mode, options: { percent?: number; failOpen?: boolean } = {}): Promise<void> {
  const result = await changeRule({
    region,
    rule: { mode, percent: options.percent ?? 100, failOpen: options.failOpen ?? true },
    actor: 'test',
  });
  if (!result.ok) throw new Error('rollout change conflicted');
}

export async function clearRule(region: string): Promise<void> {
  await changeRule({ region, rule: null, actor: 'test' });
}

let counter = 0;
/** A fresh account id per test, so tests never share a household. */
export function newAccount(label = 'acct'): string {
  counter += 1;
  // A random part too: two workerd runtimes run files side by side, each counting from 1, and the webhooks both
  // report to (test/support/outbound.ts, in Node) tell accounts apart by id.
  return `${label}-${Date.now().toString(36)}-${counter}-${crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36)}`;
}

export function household(accountId: string) {
  return testEnv.HOUSEHOLDS.get(testEnv.HOUSEHOLDS.idFromName(accountId)).household();
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Bindings under which the household's state cannot be read: KV fails for
 * household documents (rules and everything else read as usual) and the
 * household's Durable Object throws — what `STATE_UNAVAILABLE` stands for.
 */
export function unreadableHouseholds(): BindingOverrides {
  const HEARTH_KV = {
    get: async (key: string, type?: 'json') => {
      if (key.startsWith('household:')) throw new Error('KV unavailable');
      return testEnv.HEARTH_KV.get(key, type as 'json');
    },
    put: async () => {},
  };
  const HOUSEHOLDS = {
    idFromName: () => ({}),
    get: () => ({
      snapshot: async () => {
        throw new Error('DO unavailable');
      },
    }),
  };
  return { HEARTH_KV, HOUSEHOLDS };
}
