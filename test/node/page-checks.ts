/**
 * What the page tests check in Chromium, shared by the files that drive the
 * pages: waits for what a person would see (text, visibility, focus),
 * axe-core's serious and critical findings, and the code the development gate
 * writes to its log instead of sending it to the owner.
 */
import { readFileSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { LocalWorker } from '../../scripts/local-worker.ts';

export const WAIT = { timeout: 20_000 };

/** Waits for what a person would see: text, visibility, focus (playwright-core has no test matchers). */
// Each poll is returned to the caller, which awaits it (oxlint 1.89 does not follow a returned arrow expression).
/* oxlint-disable vitest/require-awaited-expect-poll */
export const textOf = (locator: Locator) => expect.poll(async () => (await locator.textContent())?.trim() ?? '', WAIT);
export const visible = (locator: Locator) => expect.poll(() => locator.isVisible(), WAIT).toBe(true);
export const focused = (locator: Locator) => expect.poll(() => locator.evaluate((el) => el === document.activeElement).catch(() => false), WAIT).toBe(true);
/* oxlint-enable vitest/require-awaited-expect-poll */

/** axe-core in the page; returns the serious and critical violations (and prints what they are about). */
export async function accessibilityProblems(page: Page): Promise<Array<{ id: string; impact: string; nodes: number }>> {
  await page.evaluate(readFileSync('node_modules/axe-core/axe.min.js', 'utf8'));
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: () => Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> } }).axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (serious.length > 0)
    console.error(
      JSON.stringify(
        await page.evaluate(async () =>
          (await (window as any).axe.run()).violations
            .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
            .map((v: any) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n: any) => n.html).slice(0, 3) })),
        ),
      ),
    );
  return serious;
}

/** The last development-delivered code that `deviceId` asked for, from the gate's log. */
export async function codeFromLog(gate: LocalWorker, deviceId: string): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const lines = gate
      .output()
      .split('\n')
      .filter((line) => line.includes('verification_code_development_delivery') && line.includes(`"deviceId":"${deviceId}"`));
    const code = lines.at(-1)?.match(/"code":"(\d{6})"/)?.[1];
    if (code) return code;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no code for ${deviceId} in the gate's log`);
}
