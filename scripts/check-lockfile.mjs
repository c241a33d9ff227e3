/**
 * Fails when package-lock.json lacks an entry for any dependency of a locked
 * package — above all an optional one: another platform's native binary
 * (workerd, oxlint, esbuild). npm can record only the current platform's binaries when a
 * lockfile is updated with node_modules present, and `npm ci` on any other
 * platform then refuses the lockfile ("Missing: … from lock file").
 *
 * Plain JavaScript on purpose: it runs before `npm ci`, with whatever Node the
 * machine has. Fix a failure by regenerating from scratch:
 *   rm -rf node_modules package-lock.json && npm install
 */
import { readFileSync } from 'node:fs';

const path = process.argv[2] ?? new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages ?? {};

/** Where Node would find `name` from the package at `location`: its own node_modules, then each parent's. */
function resolves(location, name) {
  let here = location;
  for (;;) {
    if (packages[`${here ? `${here}/` : ''}node_modules/${name}`]) return true;
    if (!here) return false;
    const parent = here.lastIndexOf('/node_modules/');
    here = parent === -1 ? '' : here.slice(0, parent);
  }
}

const missing = [];
for (const [location, entry] of Object.entries(packages)) {
  if (entry.link) continue;
  const owner = location || 'the project';
  for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
    if (!resolves(location, name)) missing.push(`${name}@${range} (optional dependency of ${owner})`);
  }
  // A dependency npm failed to record (it happens when a lockfile is updated in place) breaks every install.
  for (const [name, range] of Object.entries({ ...entry.dependencies, ...entry.devDependencies })) {
    if (!resolves(location, name)) missing.push(`${name}@${range} (dependency of ${owner})`);
  }
}

if (missing.length > 0) {
  console.error(`package-lock.json lacks ${missing.length} package(s); \`npm ci\` refuses it:`);
  for (const line of missing) console.error(`  ${line}`);
  console.error('Regenerate it from scratch: rm -rf node_modules package-lock.json && npm install');
  process.exit(1);
}
console.log(`package-lock.json holds every package, every platform's included (${Object.keys(packages).length - 1} packages locked).`);
