/**
 * One shape per answer: routes answer `body satisfies z.input<typeof schema>`
 * with the schema their operation documents, and policy's and the metrics'
 * types are read off the schemas the admin API answers them with
 * (src/policy/rule-schema.ts, src/metrics/counts-schema.ts).
 *
 * The `@ts-expect-error` lines are checked by `npm run typecheck`
 * (test/tsconfig.json): each is a body that does not match its schema, and
 * must not compile. The runtime cases parse what policy and the tally build
 * with the documented schema.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { counts, health, problem, rollout, verifySuccess } from '../../../src/api/schemas';
import { problemBody } from '../../../src/http/problem';
import { readGuard } from '../../../src/metrics/guard-reading';
import { countsOf, emptyCounts, type Counts } from '../../../src/metrics/tally';
import { EMPTY_ROLLOUT, type Rollout } from '../../../src/policy/rollout';
import { startRule, tripped } from '../../../src/policy/staged-rule';

const T0 = Date.UTC(2026, 0, 1);

describe('answers typed against their schemas', () => {
  it('refuses, at compile time, a body that does not match its schema', () => {
    const expiresAt = new Date(T0).toISOString();
    const right = { decision: 'allow', reason: 'TEMPORARY_ACCESS', expiresAt } satisfies z.input<typeof verifySuccess>;
    // @ts-expect-error a verify success is always an allow
    const wrongValue = { decision: 'deny', reason: 'TEMPORARY_ACCESS', expiresAt } satisfies z.input<typeof verifySuccess>;
    // @ts-expect-error a field the schema does not document
    const extraField = { decision: 'allow', reason: 'TEMPORARY_ACCESS', expiresAt, accountId: 'a1' } satisfies z.input<typeof verifySuccess>;
    // @ts-expect-error `version` is required in either form of the health answer
    const missing = { ok: true } satisfies z.input<typeof health>;
    // @ts-expect-error the degraded form names its status
    const degraded = { ok: false, version: '1', detail: 'x', misconfigured: [] } satisfies z.input<typeof health>;
    expect(verifySuccess.safeParse(right).success).toBe(true);
    for (const body of [wrongValue, extraField, missing, degraded]) expect(body).toBeDefined();
  });

  it('refuses, at compile time, a problem member the Problem schema does not document as given', () => {
    const right = problemBody('CODE_INVALID', { requestId: 'r', locale: 'en', origin: 'https://gate.example', extra: { attemptsRemaining: 3 } });
    // @ts-expect-error `attemptsRemaining` is a number
    const wrongType = problemBody('CODE_INVALID', { requestId: 'r', locale: 'en', origin: 'https://gate.example', extra: { attemptsRemaining: '3' } });
    // @ts-expect-error a member the document does not name
    const unnamed = problemBody('CODE_INVALID', { requestId: 'r', locale: 'en', origin: 'https://gate.example', extra: { attemptsLeft: 3 } });
    expect(problem.safeParse(right).success).toBe(true);
    expect(problem.safeParse(wrongType).success).toBe(false);
    expect(unnamed).toHaveProperty('attemptsLeft', 3);
  });

  it('reads the stored rollout and the counts off the schemas the admin API answers them with', () => {
    expectTypeOf<Rollout>().toEqualTypeOf<z.output<typeof rollout>>();
    expectTypeOf<Omit<Counts, 'reasons'>>().toEqualTypeOf<Omit<z.output<typeof counts>, 'reasons'>>();
    // The tally counts only reasons it knows; the API keeps `reasons` an open map.
    expectTypeOf<Counts['reasons']>().toExtend<z.output<typeof counts>['reasons']>();
    expect(rollout.parse(EMPTY_ROLLOUT)).toEqual(EMPTY_ROLLOUT);
    expect(counts.parse(emptyCounts())).toEqual(emptyCounts());
  });

  it('answers a tripped, staged, guarded rule as the Rollout schema documents it', () => {
    const started = startRule(
      { mode: 'enforce', percent: 10, failOpen: true, note: 'pilot', stages: [{ percent: 10, hold: 'P1D' }, { percent: 100 }], guard: { maxRefusalRate: 0.05, minHouseholds: 100, window: 'PT15M' } },
      T0,
    );
    const reading = readGuard(
      started.guard!,
      { treated: 200, refused: 40, sent: 30, verified: 10, feedback: { 'live-here': 0, travelling: 0, studying: 0, 'posted-away': 0, 'second-home': 0, other: 0 } },
      T0 - 15 * 60_000,
      T0,
    );
    const rule = tripped(started, reading, T0);
    const answer: Rollout = { version: 3, updatedAt: new Date(T0).toISOString(), regions: { GB: rule } };
    expect(rollout.parse(answer)).toEqual(answer);
  });

  it('answers counts as the Counts schema documents them', () => {
    const record = { 'd|session|deny|deny|OUTSIDE_HOUSEHOLD|enforce': 2, 'v|sent|enforce': 1, 'e|segment|anchor': 3, 's|session|deny': 1 };
    const read = countsOf(record);
    expect(read.sessions.deny).toBe(2);
    expect(counts.parse(read)).toEqual(read);
  });
});
