/**
 * `GET /healthz`: the gate is configured and serving (docs/api.md, "Health").
 *
 * - `200 {"ok": true, "version", "release", "workerVersion"}`: every part is
 *   configured; `version` is the label of the Worker version that answered
 *   (src/version.ts), so a gradual deployment's two versions tell apart.
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
import { HEARTH_VERSION, noteVersion } from '../version';

const NO_STORE = { 'Cache-Control': 'no-store' };

export function health(c: AppContext): Response {
  const admin = [...new Set(c.get('gate').config.adminProblems.map((problem) => problem.binding))];
  const metadata = c.env.CF_VERSION_METADATA;
  const versions = {
    version: noteVersion(c.env),
    release: HEARTH_VERSION,
    workerVersion: metadata?.id ? { id: metadata.id, tag: metadata.tag ?? '', timestamp: metadata.timestamp ?? '' } : null,
  };
  if (admin.length === 0) return c.json({ ok: true, ...versions } satisfies z.input<typeof healthSchema>, 200, NO_STORE);
  return c.json(
    {
      ok: false,
      status: 'degraded',
      ...versions,
      detail: `The admin API is misconfigured (${admin.join(', ')}): /admin answers 500 MISCONFIGURED. Playback and the device API are serving. The gate's log says what is wrong with each binding.`,
      misconfigured: [{ part: 'admin', bindings: admin }],
    } satisfies z.input<typeof healthSchema>,
    200,
    NO_STORE,
  );
}
