/**
 * Builds the package as `npm pack` ships it (`prepack` runs this): the
 * TypeScript sources compiled to ES modules with their declarations in
 * dist/, one file per entry point (`exports` in package.json), and the
 * API's types (src/gate-api.d.ts, written by the repository's
 * `npm run openapi`) beside them. The compiler is the repository's
 * TypeScript (this package is a workspace of it).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
rmSync(join(here, 'dist'), { recursive: true, force: true });
const built = spawnSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.build.json')], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);
copyFileSync(join(here, 'src', 'gate-api.d.ts'), join(here, 'dist', 'gate-api.d.ts'));
