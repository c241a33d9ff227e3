/**
 * `GET /gate/dev/stats` — development only (404 in production): what this
 * isolate has cost so far, for the benchmark's KV-traffic and memory figures.
 * Counts only; nothing about any account, device or address.
 */
import type { HearthHonoContext } from '../http/context';
import { problemFor } from '../http/problem';

export function devStats(c: HearthHonoContext): Response {
  const gate = c.get('gate');
  if (gate.config.environment !== 'development') {
    return problemFor(c, 'NOT_FOUND');
  }
  return c.json(
    {
      kvReads: gate.households.kvReads,
      visitWrites: gate.households.visitWrites,
      cachedHouseholds: gate.households.cachedHouseholds,
      cachedTokens: gate.deviceTokens.cachedTokens,
    },
    200,
    { 'Cache-Control': 'no-store' },
  );
}
