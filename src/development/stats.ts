/**
 * `GET /gate/dev/stats` (development only): what this isolate has cost so
 * far, for the benchmark's KV-traffic and memory figures and the cost
 * simulation (`npm run simulate`). Counts only;
 * nothing about any account, device or address: the read model's traffic
 * counts, the metrics counter's deliveries, the caches' sizes.
 */
import type { AppContext } from '../http/context';

export function devStats(c: AppContext): Response {
  const gate = c.get('gate');
  const { kvReads, visitWrites, storeReads, sharingReads, anchorWrites } = gate.households.traffic;
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
