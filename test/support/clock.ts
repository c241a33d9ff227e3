/**
 * The Worker's clock moved forward instead of waited for.
 *
 * In the workerd project the tests, the Worker and its Durable Objects run
 * in one isolate (the vitest integration loads the Worker beside the tests),
 * so the `Date` stubbed here is the one every `Date.now()` and `new Date()`
 * of theirs reads: a code's TTL, a trust window, a stage's hold, KV's one
 * write a second, an alarm's backoff. It is the runtime's own clock plus the
 * time passed so far, so it still advances exactly as workerd's does (at
 * I/O, to the millisecond) — a fake clock that ticks in steps makes a
 * sign-out and the next visit land on the same millisecond. Timers, I/O and
 * the outbound service run in real time. The clock only moves forward and
 * stays moved for the rest of the file, so nothing stored under a later time
 * is read from an earlier one. The files share one isolate (`isolate: false`),
 * so test/setup/clock.ts sets it back before each file: a file starts on the
 * runtime's own clock, as a Durable Object alarm (which fires in real time)
 * needs, and what it stores is its own (its accounts, networks and regions).
 * An alarm does not fire by itself at a passed time: run it with
 * `runDurableObjectAlarm`.
 */
import { vi } from 'vitest';

const RuntimeDate = Date;
let passedMs = 0;

class PassedDate extends RuntimeDate {
  constructor(...args: unknown[]) {
    super(...((args.length === 0 ? [RuntimeDate.now() + passedMs] : args) as [number]));
  }

  static override now(): number {
    return RuntimeDate.now() + passedMs;
  }
}

/** Moves the shared clock `ms` forward, as if the test had slept that long. */
export function passTime(ms: number): void {
  if (globalThis.Date !== PassedDate) vi.stubGlobal('Date', PassedDate);
  passedMs += Math.max(0, ms);
}

/** The clock back on the runtime's own time: before each test file (test/setup/clock.ts), never inside one. */
export function resetClock(): void {
  passedMs = 0;
}
