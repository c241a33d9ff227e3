/**
 * The player SDK's size budget (docs/players.md): the core, minified and
 * gzipped as an app's bundler would ship it, stays within 8 KB; each adapter
 * adds little on top. Measured with esbuild and zlib on every test run.
 */
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const BUDGET_BYTES = 8 * 1024;

/** Min+gzip bytes of a bundle of `entry` (everything it imports included). */
async function shipped(contents: string): Promise<number> {
  const result = await build({
    stdin: { contents, resolveDir: 'packages/player/src', loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    treeShaking: true,
  });
  return gzipSync(result.outputFiles[0]!.contents, { level: 9 }).length;
}

describe('player SDK size', () => {
  it('keeps the core within 8 KB min+gzip, and each adapter with it', async () => {
    const sizes = {
      core: await shipped("export * from './index';"),
      'core + hls.js adapter': await shipped("export * from './index'; export * from './hls';"),
      'core + Shaka adapter': await shipped("export * from './index'; export * from './shaka';"),
      'core + video.js adapter': await shipped("export * from './index'; export * from './videojs';"),
    };
    console.log(
      `player SDK min+gzip: ${Object.entries(sizes)
        .map(([name, bytes]) => `${name} ${bytes} B`)
        .join(', ')}`,
    );
    for (const bytes of Object.values(sizes)) expect(bytes).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});
