/**
 * `GET /healthz`: the gate is configured and serving. A misconfigured gate
 * does not claim health: the configuration middleware answers 500 first.
 */
import packageJson from '../../package.json';
import type { HearthHonoContext } from '../http/context';

export const HEARTH_VERSION: string = packageJson.version;

export function health(c: HearthHonoContext): Response {
  return c.json({ ok: true, version: HEARTH_VERSION }, 200, { 'Cache-Control': 'no-store' });
}
