/**
 * A preview against brute force: random sessions are decided and counted as
 * the gate counts them; then every session is decided again with decide()
 * under the rule in force and under the proposed rule, with the account's
 * real bucket — and the preview's arithmetic over the counters must give
 * exactly the same answers, in total and by device type.
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyHousehold, type DeviceRecord } from '../../../src/household/household';
import { preview, type ReplayRule } from '../../../src/metrics/preview';
import { RegionTally, replayCells, type BucketKey } from '../../../src/metrics/tally';
import { decide, STATE_UNAVAILABLE, type DecisionInput, type Outcome } from '../../../src/policy/decide';
import { FALLBACK_REGION, rolloutBucket, type RolloutRule } from '../../../src/policy/rollout';
import { DEVICE_TYPES, MODES, type DeviceType } from '../../../src/vocabulary';
import { DAY, deviceRecord, limits, NOT_SHARED } from '../../support/limits';

const NOW = Date.UTC(2026, 10, 21, 12);
const REGION = 'PE';
const SITUATIONS = ['home', 'outside', 'travel-limit', 'trusted', 'signed-out', 'unavailable', 'no-household'] as const;
type Situation = (typeof SITUATIONS)[number];

function device(type: DeviceType, patch: Partial<DeviceRecord> = {}): DeviceRecord {
  return deviceRecord('d', type, NOW, patch);
}

function householdFor(account: string, situation: Situation, type: DeviceType): DecisionInput['household'] {
  if (situation === 'unavailable') return STATE_UNAVAILABLE;
  if (situation === 'no-household') return null;
  const record =
    situation === 'trusted'
      ? device(type, { lastHomeSeenAt: NOW - DAY })
      : situation === 'travel-limit'
        ? device(type, { travelGrantsAt: [NOW - 2 * DAY, NOW - DAY] })
        : situation === 'signed-out'
          ? device(type, { signedOutAt: NOW - 1000 })
          : device(type);
  return {
    ...emptyHousehold(account, NOW - 90 * DAY),
    establishedAt: NOW - 90 * DAY,
    anchorDeviceId: 'tv',
    homeNetworks: [{ networkId: 'home', addedAt: NOW - 90 * DAY, lastSeenAt: NOW - DAY, ...NOT_SHARED }],
    devices: new Map([['d', record]]),
  };
}

function inputFor(session: Session, ruleKey: string, rule: RolloutRule, bucket: number): DecisionInput {
  return {
    device: { accountId: session.account, deviceId: 'd', deviceType: session.type, issuedAtSeconds: (NOW - 60_000) / 1000, keyThumbprint: null },
    networkId: session.situation === 'home' ? 'home' : 'away',
    addressId: null,
    region: REGION,
    appliedRule: { key: ruleKey, rule },
    bucket,
    household: householdFor(session.account, session.situation, session.type),
    policyVersion: 1,
  };
}

interface Session {
  account: string;
  situation: Situation;
  type: DeviceType;
}

const rule = fc.record({ mode: fc.constantFrom(...MODES), percent: fc.integer({ min: 0, max: 100 }) });
const session = fc.record({
  account: fc.integer({ min: 0, max: 40 }).map((n) => `acct-${n}`),
  situation: fc.constantFrom(...SITUATIONS),
  type: fc.constantFrom(...DEVICE_TYPES),
});

const buckets = new Map<string, number>();
async function bucketOf(key: string, account: string): Promise<number> {
  const cacheKey = `${key}:${account}`;
  if (!buckets.has(cacheKey)) buckets.set(cacheKey, await rolloutBucket(key, account));
  return buckets.get(cacheKey)!;
}

describe('previews replay exactly', () => {
  it('matches decide() run again for every session, under any rule in force and any proposal', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(session, { minLength: 1, maxLength: 80 }), rule, rule, fc.boolean(), rule, async (sessions, recorded, current, regionHasRule, proposed) => {
        const tally = new RegionTally(REGION, NOW);
        const recordedRule = { ...recorded, failOpen: true };
        for (const s of sessions) {
          const decision = decide(inputFor(s, REGION, recordedRule, await bucketOf(REGION, s.account)), limits, NOW);
          tally.count(
            {
              route: 'session',
              decision: decision.decision,
              enforced: decision.enforced,
              reason: decision.reason,
              mode: decision.mode,
              deviceType: s.type,
              evidence: decision.evidence ?? null,
              sharedNetwork: decision.sharedNetwork,
            },
            { region: await bucketOf(REGION, s.account), fallback: await bucketOf(FALLBACK_REGION, s.account) },
          );
        }
        const currentKey: BucketKey = regionHasRule ? 'r' : '*';
        const answer = preview(replayCells(tally.record()), { rule: current, key: currentKey }, proposed);

        const expected = { current: zero(), proposed: zero(), byType: {} as Record<string, { sessions: number; current: Record<Outcome, number>; proposed: Record<Outcome, number> }> };
        const under = async (s: Session, ruleKey: string, r: ReplayRule) => decide(inputFor(s, ruleKey, { ...r, failOpen: true }, await bucketOf(ruleKey, s.account)), limits, NOW).decision;
        for (const s of sessions) {
          const now = await under(s, regionHasRule ? REGION : FALLBACK_REGION, current);
          const then = await under(s, REGION, proposed);
          const byType = (expected.byType[s.type] ??= { sessions: 0, current: zero(), proposed: zero() });
          expected.current[now] += 1;
          expected.proposed[then] += 1;
          byType.sessions += 1;
          byType.current[now] += 1;
          byType.proposed[then] += 1;
        }
        expect(answer.sessions).toBe(sessions.length);
        expect(answer.current).toEqual(expected.current);
        expect(answer.proposed).toEqual(expected.proposed);
        expect(answer.byDeviceType).toEqual(expected.byType);
      }),
      { numRuns: 150 },
    );
  });
});

function zero(): Record<Outcome, number> {
  return { allow: 0, challenge: 0, deny: 0 };
}
