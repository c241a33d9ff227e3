/**
 * What `npm test` prints: vitest's own lines, ending with the summary — not
 * a JSON report's path, and not a "Using secrets defined in .dev.vars" line
 * from wrangler for every test file's Worker. Runs one small workerd test
 * file the way `npm test` runs them all (same config, same environment).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm test output', () => {
  it('ends with the test summary, without wrangler chatter or a report path', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
    delete env.WRANGLER_LOG;
    delete env.VITEST;
    delete env.VITEST_MODE;
    delete env.VITEST_POOL_ID;
    delete env.VITEST_WORKER_ID;
    delete env.TEST;
    const { stdout, stderr } = await run(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--project', 'workers', 'test/config/config.test.ts'], { env, maxBuffer: 10_000_000 });
    const output = `${stdout}\n${stderr}`;
    expect(output).not.toContain('Using secrets defined in');
    expect(output).not.toContain('JSON report written');
    const lines = stdout
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    const summary = lines.findIndex((line) => /^Test Files\s+1 passed/.test(line));
    expect(summary).toBeGreaterThan(-1);
    // After the summary only its own lines: tests, start, duration (and vitest's note on isolates).
    expect(lines.slice(summary).join('\n')).toMatch(/^Test Files[^\n]*\nTests\s+\d+ passed[^\n]*\nStart at[^\n]*\nDuration/);
    expect(lines.slice(summary + 4).filter((line) => !/^(Isolate|at least|\d+ workers)/.test(line) && !/workers spawned|faster with isolate/.test(line))).toEqual([]);
  }, 900_000);
});
