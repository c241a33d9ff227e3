/**
 * A `wrangler dev` of a test file's own, with a region's rule set before the
 * first test — and, for page tests, Chromium launched beside it (neither
 * needs the other until the first test).
 */
import type { Browser } from 'playwright-core';
import { mintAdminToken } from '../../dev/tokens.ts';
import { startLocalWorker, type LocalWorker } from '../../scripts/local-worker.ts';
import { launchChromium } from './chromium';

export interface RuledGateOptions {
  country: string;
  mode: 'monitor' | 'challenge' | 'enforce';
  /** The rule's note, which names the test in the audit trail. */
  note: string;
  /** Bindings beside `.dev.vars` (counts always flush at once). */
  vars?: Record<string, string>;
}

export async function ruledGate(options: RuledGateOptions): Promise<LocalWorker> {
  const gate = await startLocalWorker({ envFile: '.dev.vars', vars: { METRICS_FLUSH_INTERVAL: 'PT0S', ...options.vars } });
  try {
    const admin = await mintAdminToken({ scope: 'rollout:write', sub: 'node-tests@ops' });
    const ruled = await fetch(`${gate.url}/admin/v1/rollout/${options.country}`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ mode: options.mode, note: options.note }),
    });
    if (ruled.status !== 200) throw new Error(`could not set ${options.country} to ${options.mode}: ${ruled.status}`);
    return gate;
  } catch (error) {
    gate.stop();
    throw error;
  }
}

/** A ruled gate and Chromium, started side by side; Chromium is closed if the gate does not start. */
export async function ruledGateAndBrowser(options: RuledGateOptions): Promise<{ gate: LocalWorker; browser: Browser }> {
  const launched = launchChromium();
  const gate = await ruledGate(options).catch(async (error: unknown) => {
    await (await launched).close();
    throw error;
  });
  return { gate, browser: await launched };
}
