/**
 * Bundles the pages' client scripts (src/pages/client/*.ts, hls.js included
 * from npm — no CDN) and their stylesheet into public/gate/assets, where the
 * Worker serves them. Runs before dev, test and deploy.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';

const outdir = new URL('../public/gate/assets/', import.meta.url).pathname;
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: ['help', 'console', 'demo'].map((name) => new URL(`../src/pages/client/${name}.ts`, import.meta.url).pathname),
  outdir,
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(new URL('../src/pages/client/hearth.css', import.meta.url), `${outdir}hearth.css`);
