/**
 * A check run at most once per interval and one at a time, for work that
 * many callers ask for but one run answers for all of them: a region's guard
 * read over its metrics shards (docs/ops.md, "Metrics shards").
 *
 * A request made while the check runs, or before the interval since the last
 * run has passed, is answered by the next run — which starts after the
 * request, so it sees whatever the caller stored before asking. Such a
 * request does not wait for it: it gets null at once, and the run happens on
 * its own (its failure is logged, not thrown). A request made when the check
 * is idle and due runs it at once and gets its result. With an interval of 0
 * every request made while idle runs at once.
 */
export class PacedCheck<T> {
  #running: Promise<unknown> | null = null;
  /** A run asked for and not started yet: every request until it starts is answered by it. */
  #queued = false;
  #lastStartedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly intervalMs: number,
    readonly check: () => Promise<T | null>,
    /** Where a queued run's failure goes (it has no caller to throw to). */
    readonly failed: (error: unknown) => void,
  ) {}

  /** Asks for a run: its result when it ran at once, else null (a run is queued, or one already is). */
  async request(now = Date.now()): Promise<T | null> {
    if (this.#queued) return null;
    if (this.#running === null && this.#due(now)) return this.#run();
    this.#queued = true;
    void this.#runQueued();
    return null;
  }

  async #runQueued(): Promise<void> {
    try {
      await this.#idle();
      const now = Date.now();
      if (!this.#due(now)) await new Promise((resolve) => setTimeout(resolve, this.#lastStartedAt + this.intervalMs - now));
      await this.#idle();
      this.#queued = false;
      await this.#run();
    } catch (error) {
      this.#queued = false;
      this.failed(error);
    }
  }

  /** Whether the interval since the last run is over; a last run "in the future" (the clock set back) counts as long ago. */
  #due(now: number): boolean {
    return now >= this.#lastStartedAt + this.intervalMs || now < this.#lastStartedAt;
  }

  /** Until no run is going. */
  async #idle(): Promise<void> {
    for (let running = this.#running; running !== null; running = this.#running) await running.catch(() => undefined);
  }

  async #run(): Promise<T | null> {
    this.#lastStartedAt = Date.now();
    const run = this.check();
    this.#running = run;
    try {
      return await run;
    } finally {
      if (this.#running === run) this.#running = null;
    }
  }
}
