/**
 * Two releases side by side, as during a gradual deployment (docs/ops.md,
 * "Production"): the previous release (releases.json's `previous.commit`,
 * extracted with `git archive` into .wrangler/previous-release and kept between runs)
 * and this tree, in one `wrangler dev` of two Workers where the first — the
 * one answering HTTP — binds the other's Durable Object classes by
 * `script_name`. Both read and write the same local KV namespace (one id in
 * one runtime), so each reads the snapshots the other's objects publish.
 */
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { startLocalWorker, type LocalWorker } from '../../scripts/local-worker.ts';

const root = process.cwd();
// Node's own require: wrangler's CLI bundle through vite's transform costs seconds (test/setup/custom-build.ts).
const { unstable_readConfig } = createRequire(import.meta.url)('wrangler') as typeof import('wrangler');

interface Release {
  version: string;
  contract: string;
  commit?: string;
}
export const releases = JSON.parse(readFileSync(join(root, 'releases.json'), 'utf8')) as { current: Release; previous: Release & { commit: string } };

export interface PreviousTree {
  dir: string;
  /** How its dependencies came: this tree's, when both lockfiles are the same; else its own `npm ci`. */
  dependencies: 'shared' | 'npm ci';
  /** Seconds spent making it here (0 when the cache had it). */
  seconds: number;
}

/** The previous release's source tree with its dependencies and generated assets, made once and kept. */
export function previousTree(): PreviousTree {
  const commit = releases.previous.commit;
  // Git-ignored, and outside node_modules: Node strips types only outside it (the tree's scripts are TypeScript).
  const dir = join(root, '.wrangler/previous-release', commit.slice(0, 12));
  const done = join(dir, '.hearth-previous-ready');
  const sameLockfile = () => lockedPackages(dir) === lockedPackages(root);
  if (existsSync(done)) return { dir, dependencies: sameLockfile() ? 'shared' : 'npm ci', seconds: 0 };
  const started = Date.now();
  try {
    execFileSync('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: root, stdio: 'ignore' });
  } catch {
    throw new Error(`The previous release's commit ${commit} (releases.json) is not in this clone: fetch the whole history (git fetch --unshallow).`);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execSync(`git archive --format=tar ${commit} | tar -x -C '${dir}'`, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const shared = sameLockfile();
  // The same lockfile installs the same packages: this tree's node_modules serves both (seconds instead of an npm ci).
  if (shared) symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  else execSync('npm ci --no-audit --no-fund', { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  buildAssets(dir);
  writeFileSync(done, `${commit}\n`);
  return { dir, dependencies: shared ? 'shared' : 'npm ci', seconds: (Date.now() - started) / 1000 };
}

/** A lockfile's packages, without the project's own version (which every release changes). */
function lockedPackages(tree: string): string {
  const lock = JSON.parse(readFileSync(join(tree, 'package-lock.json'), 'utf8')) as { version?: string; packages: Record<string, { version?: string }> };
  delete lock.version;
  delete lock.packages['']!.version;
  return JSON.stringify(lock);
}

/** The custom build wrangler.toml names (`[build] command`), run here once instead of by `wrangler dev`. */
export function buildAssets(tree: string): void {
  execFileSync(process.execPath, ['scripts/build-assets.ts'], { cwd: tree, stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * One Worker's configuration from a tree's wrangler.toml and .dev.vars, as JSON for `wrangler dev --config`:
 * named `name`, and with `objectsOf` its Durable Object bindings point at that Worker's classes instead of its own.
 */
function workerConfig(tree: string, name: string, objectsOf: string | undefined, vars: Record<string, string>): object {
  const config = unstable_readConfig({ config: join(tree, 'wrangler.toml') });
  const development = parseEnv(readFileSync(join(tree, '.dev.vars'), 'utf8'));
  return {
    name,
    main: config.main,
    compatibility_date: config.compatibility_date,
    compatibility_flags: config.compatibility_flags,
    vars: { ...config.vars, ...development, ...vars },
    kv_namespaces: config.kv_namespaces,
    durable_objects: { bindings: config.durable_objects.bindings.map((binding: { name: string; class_name: string }) => (objectsOf ? { ...binding, script_name: objectsOf } : binding)) },
    migrations: objectsOf ? [] : config.migrations,
    analytics_engine_datasets: config.analytics_engine_datasets,
    ratelimits: config.ratelimits,
    ...(config.version_metadata ? { version_metadata: config.version_metadata } : {}),
  };
}

export interface Pairing {
  /** The tree whose Worker answers HTTP. */
  front: string;
  /** The tree whose Durable Objects it calls. */
  objects: string;
  /** Worker names, unique to this pairing (wrangler's dev registry is shared by every `wrangler dev` on the machine). */
  names: [front: string, objects: string];
  vars?: Record<string, string>;
}

/** `front`'s Worker over `objects`' Durable Objects, in one `wrangler dev`. */
export async function startPairing(pairing: Pairing): Promise<LocalWorker> {
  const folder = mkdtempSync(join(tmpdir(), 'hearth-pairing-'));
  const [frontName, objectsName] = pairing.names;
  const front = join(folder, 'front.json');
  const objects = join(folder, 'objects.json');
  writeFileSync(front, JSON.stringify(workerConfig(pairing.front, frontName, objectsName, pairing.vars ?? {})));
  writeFileSync(objects, JSON.stringify(workerConfig(pairing.objects, objectsName, undefined, pairing.vars ?? {})));
  const worker = await startLocalWorker({ config: front, extraArgs: ['--config', objects] });
  return {
    ...worker,
    stop() {
      worker.stop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
