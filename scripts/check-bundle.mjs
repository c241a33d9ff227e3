// The deploy bundle's budget (docs/performance.md, "Bundle"): `npm run deploy:check` writes dist/index.js;
// this fails when it grows past BUDGET_KIB, naming the figure, so a dependency that drags in a library's
// whole namespace (as `import { z } from 'zod'` did: 550 KiB) is caught in CI rather than at deploy.
import { statSync } from 'node:fs';

const BUDGET_KIB = 1152;
const kib = statSync(new URL('../dist/index.js', import.meta.url)).size / 1024;
const line = `deploy bundle: ${kib.toFixed(0)} KiB (budget ${BUDGET_KIB} KiB)`;
if (kib > BUDGET_KIB) {
  console.error(`${line}: over budget. docs/performance.md, "Bundle", says what fills it and how to look.`);
  process.exit(1);
}
console.log(line);
