/**
 * A weighted sample with a cap per key and minute, as pure data (contract §9):
 * how the gate writes Analytics Engine points and log lines for requests that
 * prove nothing — a missing or bad token, proof or session, a failed admin
 * sign-in — without letting whoever sends them decide what the operator pays.
 *
 * Each event is taken with probability `share` (DECISION_LOG_SAMPLE) and then
 * only while its key (a client network's keyed id) has had fewer than
 * `perKeyPerMinute` lines this minute. A taken event stands for 1/share
 * events; one held back by the cap hands its weight on to the key's next line,
 * so the weights still add up to what was seen (up to the key's last minute,
 * and to keys the bounded map forgot). What a flood costs is then at most
 * `share` of it, and at most `perKeyPerMinute` lines a minute per network and
 * isolate, however it is spread.
 *
 * Per isolate and without I/O: the count is exact for this isolate only, and
 * no request waits for it.
 */
import { BoundedCache } from '../cache/bounded-cache';
import { MS_PER_MINUTE } from '../time';

/** Lines per client network and minute, per isolate, for requests that prove nothing (docs/ops.md, "Logs"). */
export const LINES_PER_NETWORK_MINUTE = 3;
/** Networks remembered per isolate; the least recently seen is forgotten first (with the weight it held back). */
const KEYS_KEPT = 10_000;

interface KeyState {
  minute: number;
  written: number;
  /** Weight of sampled events held back by the cap, handed to the key's next line. */
  owed: number;
}

export class CappedSample {
  readonly #keys = new BoundedCache<string, KeyState>(KEYS_KEPT);
  /** What this sample saw and wrote (the development stats and the cost simulation read it). */
  readonly usage = { seen: 0, written: 0, capped: 0 };

  constructor(
    /** The share of events taken, 0 to 1. */
    readonly share: number,
    readonly perKeyPerMinute: number = LINES_PER_NETWORK_MINUTE,
  ) {}

  /** The weight the line for this event carries, or null when it gets none. */
  take(key: string, now: number, random: () => number = Math.random): number | null {
    this.usage.seen += 1;
    if (!(random() < this.share)) return null;
    const minute = now - (now % MS_PER_MINUTE);
    const state = this.#keys.get(key, now) ?? { minute, written: 0, owed: 0 };
    if (state.minute !== minute) {
      state.minute = minute;
      state.written = 0;
    }
    const weight = 1 / this.share;
    if (state.written >= this.perKeyPerMinute) {
      state.owed += weight;
      this.usage.capped += 1;
      this.#keys.set(key, state, Number.POSITIVE_INFINITY);
      return null;
    }
    state.written += 1;
    const carried = weight + state.owed;
    state.owed = 0;
    this.#keys.set(key, state, Number.POSITIVE_INFINITY);
    this.usage.written += 1;
    return carried;
  }
}
