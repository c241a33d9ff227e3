/**
 * The gate's version (docs/ops.md, "Gradual deployments"): the release, as
 * package.json says (in the OpenAPI document), and the version this isolate
 * runs as — the label `/healthz`, every log line, every Analytics Engine
 * point and the metrics' `byVersion` carry, so ops tell the two Worker
 * versions of a gradual deployment apart.
 *
 * The label is the Worker version's tag when it was uploaded with one
 * (`wrangler versions upload --tag`), else the release and the first 8
 * characters of the Worker version id (`1.4.0+3f2a9c1d`), from the
 * `CF_VERSION_METADATA` binding; without that binding (tests, a plain
 * `wrangler dev`), the release alone. An isolate runs one Worker version all
 * its life, so the label is noted once per isolate (the Worker's first
 * request, each Durable Object's constructor) and read from here.
 */
import packageJson from '../package.json';

/** The release this tree is (CHANGELOG.md). */
export const HEARTH_VERSION: string = packageJson.version;

/** What `CF_VERSION_METADATA` holds (an empty id and tag where the runtime has none). */
export interface VersionMetadata {
  id?: string;
  tag?: string;
  timestamp?: string;
}

/** A label counter names and Analytics Engine blobs can hold: no `|`, bounded. */
const LABEL = /^[A-Za-z0-9._+-]{1,64}$/;

export function versionLabel(metadata: VersionMetadata | undefined, release = HEARTH_VERSION): string {
  const tag = metadata?.tag
    ?.trim()
    .replace(/[^A-Za-z0-9._+-]/g, '-')
    .slice(0, 64);
  if (tag && LABEL.test(tag)) return tag;
  const id = metadata?.id?.replace(/[^A-Za-z0-9]/g, '').slice(0, 8);
  return id ? `${release}+${id}` : release;
}

/** Whether `label` is one `versionLabel` could give (a counter name's part, a metrics query). */
export function isVersionLabel(label: string): boolean {
  return LABEL.test(label);
}

let running = HEARTH_VERSION;
let noted = false;

/** Notes the isolate's version from its bindings (once; later calls answer it). */
export function noteVersion(bindings: object): string {
  if (!noted) {
    running = versionLabel((bindings as { CF_VERSION_METADATA?: VersionMetadata }).CF_VERSION_METADATA);
    noted = true;
  }
  return running;
}

/** The version this isolate runs as (the release until it is noted). */
export function runningVersion(): string {
  return running;
}

/** A structured log line: `fields` and the version, as JSON (every `console.*` line of the gate goes through here). */
export function logged(fields: Record<string, unknown>): string {
  return JSON.stringify({ ...fields, version: running });
}
