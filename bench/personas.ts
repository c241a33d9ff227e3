/**
 * `npm run personas` — fairness, measured (docs/fairness.md): the people a
 * household rule may forget, and the sharers it exists for, over 120
 * simulated days through the gate's own pure modules.
 *
 * The gate's sources are written for a bundler (imports without file
 * extensions, TypeScript that Node's type stripping does not take), so the
 * run is bundled with esbuild first — the same sources, as they are — into
 * node_modules/.cache, where its packages resolve.
 */
import { build } from 'esbuild';

const outfile = 'node_modules/.cache/hearth-personas/run.mjs';
await build({ entryPoints: ['bench/personas/run.ts'], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile, logLevel: 'warning' });
await import(new URL(`../${outfile}`, import.meta.url).href);
