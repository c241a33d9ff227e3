/**
 * Counts the suite's test cases and `expect(…)` calls per test file, so a
 * change that moves or speeds up tests can show it removed none: run it
 * before and after and compare the totals (a file moved to another folder
 * keeps its name, so per-file rows still line up).
 *
 *   node scripts/count-assertions.ts [--files] [dir…]     (default: test)
 *
 * It counts text, not executions: an `expect` in a loop or a helper counts
 * once, a `fc.assert` property once as written. That is what a diff can
 * check, and what a removed assertion changes.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
/** `expect(`, `expect.soft(`, `expect.poll(` — each call is one assertion as written. */
const EXPECT = /\bexpect(?:\.(?:soft|poll))?\(/g;
/** `it(`, `test(`, and their modifiers (`it.each(…)(`, `it.skip(`), counted once each. */
const CASE = /(?<![.\w])(?:it|test)(?:\.\w+)*\(/g;
/** Property checks written with fast-check. */
const PROPERTY = /\bfc\.assert\(/g;

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

const args = process.argv.slice(2);
const perFile = args.includes('--files');
const dirs = args.filter((a) => !a.startsWith('--'));
const files = (dirs.length ? dirs : ['test']).flatMap((d) => testFiles(resolve(root, d))).toSorted();

const totals = { files: 0, cases: 0, expects: 0, properties: 0 };
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const row = { cases: count(text, CASE), expects: count(text, EXPECT), properties: count(text, PROPERTY) };
  totals.files += 1;
  totals.cases += row.cases;
  totals.expects += row.expects;
  totals.properties += row.properties;
  if (perFile) console.log(`${String(row.cases).padStart(4)} cases ${String(row.expects).padStart(5)} expects ${String(row.properties).padStart(3)} properties  ${relative(root, file)}`);
}
console.log(`${totals.files} files, ${totals.cases} cases, ${totals.expects} expects, ${totals.properties} properties`);
