/**
 * Starts a Worker with `wrangler dev` on a free loopback port, with fresh
 * local state in a temporary folder (or in a folder the caller keeps, to
 * start again on it), and stops it (and its workerd processes) on request —
 * politely, or without warning like a power cut. Used by the Node tests and
 * the benchmarks.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';

export interface LocalWorker {
  url: string;
  /** The wrangler process; its descendants include the workerd processes. */
  pid: number;
  /** The latest of the Worker's output (its log lines), up to 200 KB. */
  output(): string;
  stop(): void;
  /**
   * A power cut: SIGKILL to wrangler, workerd and every other process of the
   * tree at once, no chance to flush anything; resolves once none is left.
   */
  kill(): Promise<void>;
}

export interface LocalWorkerOptions {
  config?: string;
  envFile?: string;
  vars?: Record<string, string>;
  cwd?: string;
  /** More `wrangler dev` arguments. */
  extraArgs?: string[];
  /** Sees every chunk of the Worker's output as it arrives (the kept `output()` is only the latest 200 KB). */
  onOutput?: (chunk: string) => void;
  /**
   * Start it as `npm run <npmScript> -- <the flags above>` (say `dev`, the
   * README's command; a script that runs `wrangler dev`) instead of running
   * wrangler directly: the script's own flags (its env files) apply, and
   * `envFile` is not passed.
   */
  npmScript?: string;
  /**
   * Keep local state in this folder (made if missing) instead of a fresh
   * temporary one; `stop()` and `kill()` leave it, so a second worker can
   * start on it. The caller removes it.
   */
  persistTo?: string;
  /** More of wrangler's own environment, as a developer's shell would have it (say `NODE_ENV` unset to `development`, where the test runner says `test`). */
  processEnv?: Record<string, string>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

export async function startLocalWorker(options: LocalWorkerOptions = {}): Promise<LocalWorker> {
  const cwd = options.cwd ?? process.cwd();
  const port = await freePort();
  const state = options.persistTo ? resolvePath(cwd, options.persistTo) : mkdtempSync(join(tmpdir(), 'hearth-state-'));
  if (options.persistTo) mkdirSync(state, { recursive: true });
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state, '--inspector-port', '0', '--show-interactive-dev-session=false'];
  if (options.config) args.push('--config', resolvePath(cwd, options.config));
  // `--envFile`, wrangler's camel-case spelling: Node takes `--env-file` anywhere in its arguments for itself, and
  // exits when the file is missing (and loads it into wrangler's own environment when it is there).
  if (options.envFile && !options.npmScript) args.push('--envFile', resolvePath(cwd, options.envFile));
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push('--var', `${name}:${value}`);
  args.push(...(options.extraArgs ?? []));
  // The Node running this (the project's own, >= 22) runs wrangler too; through npm, the script finds it first on PATH.
  const command = options.npmScript
    ? { file: 'npm', args: ['run', '--silent', options.npmScript, '--', ...args.slice(1)] }
    : { file: process.execPath, args: [join(cwd, 'node_modules/wrangler/bin/wrangler.js'), ...args] };
  const wrangler = spawn(command.file, command.args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    // The Worker's own log lines are wrangler's `log` level: keep them, even when the test run quiets wrangler (vitest.config.ts).
    env: { ...process.env, WRANGLER_LOG: process.env.WRANGLER_LOG === 'debug' ? 'debug' : 'log', WRANGLER_SEND_METRICS: 'false', CI: 'true', ...options.processEnv },
    detached: true,
  });
  // Keep the latest of wrangler's output (log lines, error messages); never let it pile up.
  let log = '';
  const keep = (chunk: Buffer) => {
    const text = chunk.toString();
    options.onOutput?.(text);
    log = (log + text).slice(-200_000);
  };
  wrangler.stdout!.on('data', keep);
  wrangler.stderr!.on('data', keep);
  let exited: number | null | undefined;
  wrangler.on('exit', (code) => (exited = code));

  // Nothing is left behind when it does not come up (its workerd may outlive wrangler).
  const fail = async (why: string): Promise<never> => {
    await killTree(wrangler.pid!);
    if (!options.persistTo) rmSync(state, { recursive: true, force: true });
    throw new Error(`${why}:\n${log}`);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited !== undefined) await fail(`wrangler dev exited (${exited})`);
    if (Date.now() > deadline) await fail(`wrangler dev did not answer on ${url} within 90 s`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    url,
    pid: wrangler.pid!,
    output: () => log,
    stop() {
      try {
        process.kill(-wrangler.pid!, 'SIGTERM');
      } catch {
        wrangler.kill('SIGTERM');
      }
      if (!options.persistTo) rmSync(state, { recursive: true, force: true });
    },
    async kill() {
      await killTree(wrangler.pid!);
    },
  };
}

interface ProcessEntry {
  pid: number;
  name: string;
  parent: number;
  group: number;
  /** `Z`: ended, waiting to be reaped (it runs nothing any more). */
  state: string;
}

/** Every process on the machine, from /proc. */
function processes(): ProcessEntry[] {
  const found: ProcessEntry[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const [state, parent, group] = stat.slice(close + 2).split(' ');
      found.push({ pid: Number(entry), name: stat.slice(stat.indexOf('(') + 1, close), parent: Number(parent), group: Number(group), state: state! });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** `root`, its descendants and the members of its process group (wrangler leads its own: it is spawned detached). */
function processTree(root: number): number[] {
  const all = processes();
  const children = new Map<number, number[]>();
  for (const p of all) children.set(p.parent, [...(children.get(p.parent) ?? []), p.pid]);
  const tree = new Set<number>([root]);
  for (const pid of tree) for (const child of children.get(pid) ?? []) tree.add(child);
  for (const p of all) if (p.group === root) tree.add(p.pid);
  return [...tree];
}

/**
 * SIGKILLs `root`'s process group and every process of its tree (found
 * before anything dies, so an orphaned workerd is still known), then waits,
 * bounded, until none of them runs. Throws if one survives.
 */
export async function killTree(root: number): Promise<void> {
  const tree = processTree(root);
  try {
    process.kill(-root, 'SIGKILL');
  } catch {
    // the group is already gone
  }
  for (const pid of tree) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const alive = () => {
    const running = new Set(
      processes()
        .filter((p) => p.state !== 'Z')
        .map((p) => p.pid),
    );
    return tree.filter((pid) => running.has(pid));
  };
  const deadline = Date.now() + 10_000;
  while (alive().length > 0) {
    if (Date.now() > deadline) throw new Error(`processes ${alive().join(', ')} survived SIGKILL`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Processes named `name` that descend from `ancestor` (from /proc). */
export function descendantsNamed(ancestor: number, name: string): number[] {
  const all = processes();
  const parents = new Map(all.map((p) => [p.pid, p.parent]));
  const descends = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === ancestor) return true;
    return false;
  };
  return all.filter((p) => p.name === name && descends(p.pid)).map((p) => p.pid);
}

/** User + system CPU seconds used so far by `pids` (from /proc/<pid>/stat). */
export function cpuSeconds(pids: number[], clockTicksPerSecond = 100): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // ended
    }
  }
  return ticks / clockTicksPerSecond;
}
