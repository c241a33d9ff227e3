/**
 * Starts the gate with `wrangler dev` (development bindings, fresh local
 * state in a temporary folder) on a free loopback port for the Node tests,
 * and stops it afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    gateUrl: string;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export default async function startGate(project: TestProject): Promise<() => Promise<void>> {
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), 'hearth-state-'));
  const wrangler = spawn(
    join(process.cwd(), 'node_modules/.bin/wrangler'),
    ['dev', '--env-file', 'dev/development.env', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state, '--inspector-port', '0', '--show-interactive-dev-session=false'],
    { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' }, detached: true },
  );
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wrangler dev did not start within 90 s:\n${log}`)), 90_000);
    const watch = (chunk: Buffer) => {
      log += chunk.toString();
      if (/Ready on http/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    };
    wrangler.stdout!.on('data', watch);
    wrangler.stderr!.on('data', watch);
    wrangler.on('exit', (code) => reject(new Error(`wrangler dev exited (${code}):\n${log}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  project.provide('gateUrl', url);
  return async () => {
    stop(wrangler);
    rmSync(state, { recursive: true, force: true });
  };
}

function stop(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    child.kill('SIGTERM');
  }
}
