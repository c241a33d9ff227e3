/**
 * Runs the Worker's custom build (`[build] command` in wrangler.toml) before the
 * tests, as `wrangler dev` and `wrangler deploy` do: the vitest integration does
 * not run custom builds itself. The command is read from wrangler.toml, so it is
 * defined in one place.
 */
import { execSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { unstable_readConfig } from 'wrangler';

export default function customBuild(): void {
  const config = unstable_readConfig({ config: 'wrangler.toml' });
  const command = config.build?.command;
  if (!command) throw new Error('wrangler.toml names no [build] command');
  // `node` in the command is the project's own, as under npm or npx.
  const bin = join(process.cwd(), 'node_modules/.bin');
  execSync(command, { cwd: process.cwd(), stdio: 'inherit', env: { ...process.env, PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH}` } });
}
