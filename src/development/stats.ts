/**
 * `GET /gate/dev/stats` (development only): what this isolate has cost so
 * far, for the benchmark's KV-traffic and memory figures and the cost
 * simulation (`npm run simulate`). Counts only;
 * nothing about any account, device or address. The counters are a sink the
 * development app hands to the read model; production code only calls it.
 */
import type { Gate } from '../gate';
import type { AppContext } from '../http/context';
import type { ReadModelProbe } from '../state/household-read-model';

class IsolateCounts implements ReadModelProbe {
  kvReads = 0;
  visitWrites = 0;
  storeReads = 0;
  sharingReads = 0;
  anchorWrites = 0;
  kvRead(): void {
    this.kvReads += 1;
  }
  visitWrite(): void {
    this.visitWrites += 1;
  }
  storeRead(): void {
    this.storeReads += 1;
  }
  sharingRead(): void {
    this.sharingReads += 1;
  }
  anchorWrite(): void {
    this.anchorWrites += 1;
  }
}

const counts = new WeakMap<Gate, IsolateCounts>();

/** Starts counting for `gate` (once). */
export function countFor(gate: Gate): IsolateCounts {
  let held = counts.get(gate);
  if (!held) {
    held = new IsolateCounts();
    counts.set(gate, held);
    gate.households.probe = held;
  }
  return held;
}

export function devStats(c: AppContext): Response {
  const gate = c.get('gate');
  const { kvReads, visitWrites, storeReads, sharingReads, anchorWrites } = countFor(gate);
  const { flushes, deliveries, rowsWritten } = gate.decisions.usage;
  return c.json(
    {
      kvReads,
      visitWrites,
      storeReads,
      sharingReads,
      anchorWrites,
      metricsFlushes: flushes,
      metricsObjectRequests: deliveries,
      metricsRowsWritten: rowsWritten,
      cachedHouseholds: gate.households.cachedHouseholds,
      cachedTokens: gate.deviceTokens.cachedTokens,
    },
    200,
    { 'Cache-Control': 'no-store' },
  );
}
