/**
 * Starts the gate with `wrangler dev` (development bindings, fresh local
 * state) on a free loopback port for the Node tests, and stops it afterwards.
 */
import type { TestProject } from 'vitest/node';
import { startLocalWorker } from '../../scripts/local-worker.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    gateUrl: string;
  }
}

export default async function startGate(project: TestProject): Promise<() => void> {
  const gate = await startLocalWorker({ envFile: '.dev.vars' });
  project.provide('gateUrl', gate.url);
  return () => gate.stop();
}
