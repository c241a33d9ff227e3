/**
 * `GET /healthz`: the gate is configured and serving (docs/api.md, "Health").
 *
 * - `200 {"ok": true, "version"}`: every part is configured.
 * - `200 {"ok": false, "status": "degraded", …}`: the gate decides playback
 *   and serves the device API, but a part is misconfigured — today the admin
 *   API (its bindings are named; what is wrong with each is in the log and in
 *   the admin API's own `500 MISCONFIGURED`). Still 200, so a load balancer
 *   keeps a gate that serves viewers; a monitor reads `ok`.
 * - A gate that cannot decide at all never gets here: the configuration
 *   middleware answers `500 MISCONFIGURED` naming every binding at fault.
 */
import type { z } from 'zod';
import type { health as healthSchema } from '../api/schemas';
import type { AppContext } from '../http/context';
import { HEARTH_VERSION } from '../version';

const NO_STORE = { 'Cache-Control': 'no-store' };

export function health(c: AppContext): Response {
  const admin = [...new Set(c.get('gate').config.adminProblems.map((problem) => problem.binding))];
  if (admin.length === 0) return c.json({ ok: true, version: HEARTH_VERSION } satisfies z.input<typeof healthSchema>, 200, NO_STORE);
  return c.json(
    {
      ok: false,
      status: 'degraded',
      version: HEARTH_VERSION,
      detail: `The admin API is misconfigured (${admin.join(', ')}): /admin answers 500 MISCONFIGURED. Playback and the device API are serving. The gate's log says what is wrong with each binding.`,
      misconfigured: [{ part: 'admin', bindings: admin }],
    } satisfies z.input<typeof healthSchema>,
    200,
    NO_STORE,
  );
}
