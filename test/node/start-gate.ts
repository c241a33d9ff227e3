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
  // Counts flush at the end of each request, so a test sees them at once (production: within 10 s).
  const gate = await startLocalWorker({ envFile: '.dev.vars', vars: { METRICS_FLUSH_INTERVAL: 'PT0S' } });
  project.provide('gateUrl', gate.url);
  return () => gate.stop();
}
