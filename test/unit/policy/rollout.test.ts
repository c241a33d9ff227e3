import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE, effectiveMode, rolloutBucket, ruleFor, type Rollout } from '../../../src/policy/rollout';

describe('rollout buckets', () => {
  // Expected values computed outside the Worker (Node's crypto):
  // first 4 bytes of SHA-256("<region>:<account>") as big-endian uint32, mod 100.
  it.each([
    ['PE', 'acct-1', 46],
    ['PE', 'acct-2', 17],
    ['*', 'acct-1', 55],
    ['CA', 'household-42', 28],
    ['CL', 'a', 28],
    ['CR', 'zz-top', 22],
  ])('puts %s:%s in bucket %i', async (region, account, bucket) => {
    expect(await rolloutBucket(region, account)).toBe(bucket);
  });

  it('puts an account under the rule inside its percent and under monitor outside it', () => {
    const rule = { mode: 'enforce' as const, percent: 30, failOpen: true };
    expect(effectiveMode(rule, 29)).toBe('enforce');
    expect(effectiveMode(rule, 30)).toBe('monitor');
    expect(effectiveMode({ ...rule, percent: 0 }, 0)).toBe('monitor');
    expect(effectiveMode({ ...rule, percent: 100 }, 99)).toBe('enforce');
  });

  it('falls back from the region to * to monitor at 100', () => {
    const rollout: Rollout = {
      version: 3,
      updatedAt: null,
      regions: { PE: { mode: 'challenge', percent: 10, failOpen: true }, '*': { mode: 'off', percent: 100, failOpen: true } },
    };
    expect(ruleFor(rollout, 'PE', 0)).toEqual({ key: 'PE', rule: rollout.regions.PE });
    expect(ruleFor(rollout, 'CL', 0)).toEqual({ key: '*', rule: rollout.regions['*'] });
    expect(ruleFor(rollout, null, 0)).toEqual({ key: '*', rule: rollout.regions['*'] });
    expect(ruleFor({ version: 0, updatedAt: null, regions: {} }, 'PE', 0)).toEqual({ key: '*', rule: DEFAULT_RULE });
    expect(DEFAULT_RULE).toMatchObject({ mode: 'monitor', percent: 100 });
  });
});
