/**
 * Starts a Worker with `wrangler dev` on a free loopback port, with fresh
 * local state in a temporary folder, and stops it (and its workerd
 * processes) on request. Used by the Node tests and the benchmarks.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
  const state = mkdtempSync(join(tmpdir(), 'hearth-state-'));
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state, '--inspector-port', '0', '--show-interactive-dev-session=false'];
  if (options.config) args.push('--config', resolvePath(cwd, options.config));
  if (options.envFile) args.push('--env-file', resolvePath(cwd, options.envFile));
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push('--var', `${name}:${value}`);
  args.push(...(options.extraArgs ?? []));
  // The Node running this (the project's own, >= 22) runs wrangler too.
  const wrangler = spawn(process.execPath, [join(cwd, 'node_modules/wrangler/bin/wrangler.js'), ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
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

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`wrangler dev exited (${exited}):\n${log}`);
    if (Date.now() > deadline) throw new Error(`wrangler dev did not answer on ${url} within 90 s:\n${log}`);
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
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/** Processes named `name` that descend from `ancestor` (from /proc). */
export function descendantsNamed(ancestor: number, name: string): number[] {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      names.set(Number(entry), stat.slice(stat.indexOf('(') + 1, close));
      parents.set(Number(entry), Number(stat.slice(close + 2).split(' ')[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const descends = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === ancestor) return true;
    return false;
  };
  return [...names].filter(([pid, comm]) => comm === name && descends(pid)).map(([pid]) => pid);
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
