/**
 * `GET /healthz`: the gate is configured and serving. A misconfigured gate
 * does not claim health: the configuration middleware answers 500 first.
 */
import type { AppContext } from '../http/context';
import { HEARTH_VERSION } from '../version';

export function health(c: AppContext): Response {
  return c.json({ ok: true, version: HEARTH_VERSION }, 200, { 'Cache-Control': 'no-store' });
}
