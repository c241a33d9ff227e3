/**
 * `GET /gate/dev/stats` (development only): what this isolate has cost so
 * far, for the benchmark's KV-traffic and memory figures and the cost
 * simulation (`npm run simulate`). Counts only;
 * nothing about any account, device or address: the read model's traffic
 * counts, the metrics counter's deliveries, the caches' sizes, and what was
 * done about requests that prove nothing (contract §9: lines and points
 * written or held back, answers a rate limit stopped, preflights refused).
 */
import type { AppContext } from '../http/context';

export function devStats(c: AppContext): Response {
  const gate = c.get('gate');
  const { kvReads, visitWrites, storeReads, sharingReads, anchorWrites } = gate.households.traffic;
  const { flushes, deliveries, rowsWritten } = gate.decisions.usage;
  const { credentials, admin, rateLimited, refusedPreflights, nobodysPaths, limiterFailures } = gate.unproven;
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
      unprovenSeen: credentials.usage.seen,
      unprovenWritten: credentials.usage.written,
      unprovenCapped: credentials.usage.capped,
      adminFailuresSeen: admin.usage.seen,
      adminFailuresWritten: admin.usage.written,
      rateLimited,
      refusedPreflights,
      nobodysPaths,
      limiterFailures,
    },
    200,
    { 'Cache-Control': 'no-store' },
  );
}
