/**
 * Runs the Worker's custom build (`[build] command` in wrangler.toml) before the
 * tests, as `wrangler dev` and `wrangler deploy` do: the vitest integration does
 * not run custom builds itself. The command is read from wrangler.toml, so it is
 * defined in one place.
 */
import { execSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// Node's own `require`, not an `import`: vitest runs a global setup through vite, which would transform
// wrangler's whole 15 MB CLI bundle first (7.5 s, then 6 s to run it) before every run of the workerd
// projects; loaded by Node it takes under 2 s (docs/testing.md, "Where a run's first seconds went").
const { unstable_readConfig } = createRequire(import.meta.url)('wrangler') as typeof import('wrangler');

export default function customBuild(): void {
  const config = unstable_readConfig({ config: 'wrangler.toml' });
  const command = config.build?.command;
  if (!command) throw new Error('wrangler.toml names no [build] command');
  // `node` in the command is the project's own, as under npm or npx.
  const bin = join(process.cwd(), 'node_modules/.bin');
  execSync(command, { cwd: process.cwd(), stdio: 'inherit', env: { ...process.env, PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH}` } });
}
