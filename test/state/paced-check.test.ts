/**
 * PacedCheck: the guard's reading over metrics shards runs at most once per
 * interval and one at a time, and a request it defers is answered by a run
 * that starts after it.
 */
import { describe, expect, it } from 'vitest';
import { PacedCheck } from '../../src/state/paced-check';
import { passTime, resetClock } from '../support/clock';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PacedCheck', () => {
  it('runs every request at once with an interval of 0, and answers its result', async () => {
    let runs = 0;
    const check = new PacedCheck(
      0,
      async () => ++runs,
      () => {},
    );
    expect(await check.request()).toBe(1);
    expect(await check.request()).toBe(2);
  });

  it('answers requests inside the interval with null, and covers them all with one later run', async () => {
    const started: number[] = [];
    const check = new PacedCheck(
      80,
      async () => started.push(Date.now()),
      () => {},
    );
    const first = Date.now();
    expect(await check.request()).toBe(1);
    for (let i = 0; i < 5; i++) expect(await check.request()).toBeNull();
    expect(started).toHaveLength(1);
    await sleep(400);
    expect(started).toHaveLength(2);
    expect(started[1]! - first).toBeGreaterThanOrEqual(80);
  });

  it('never runs two at once: a request during a run is covered by a run after it', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const check = new PacedCheck(
      0,
      async () => {
        running += 1;
        most = Math.max(most, running);
        await sleep(30);
        running -= 1;
        return ++runs;
      },
      () => {},
    );
    const first = check.request();
    expect(await check.request()).toBeNull();
    expect(await first).toBe(1);
    await sleep(300);
    expect(runs).toBe(2);
    expect(most).toBe(1);
  });

  it('reports a deferred run that fails instead of throwing it at nobody', async () => {
    const failures: unknown[] = [];
    let calls = 0;
    const check = new PacedCheck(
      20,
      async () => {
        calls += 1;
        if (calls > 1) throw new Error('unreachable shard');
        return calls;
      },
      (error) => failures.push(error),
    );
    await check.request();
    expect(await check.request()).toBeNull();
    await sleep(300);
    expect(failures).toHaveLength(1);
  });

  it('runs a request at once when the clock is behind its last run (set back), instead of waiting for the clock to catch up', async () => {
    let runs = 0;
    const check = new PacedCheck(
      80,
      async () => ++runs,
      () => {},
    );
    passTime(30 * 60_000);
    expect(await check.request()).toBe(1);
    // This file's clock back on the runtime's (what test/setup/clock.ts does before each file).
    resetClock();
    expect(await check.request()).toBe(2);
  });
});
