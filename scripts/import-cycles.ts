/**
 * Finds import cycles among the project's own modules and among the folders
 * of src/ (its layers), type-only imports included: a cycle is a structural knot whether or not it survives
 * compilation. `npm run lint` fails on any (oxlint's import/no-cycle does not
 * follow type-only imports).
 *
 *   node scripts/import-cycles.ts [dir…]     (default: src scripts bench dev)
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const SPECIFIER = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]/g;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    // node_modules, and the demo stream's video segments (MPEG-TS files that share TypeScript's extension).
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'demo-stream' ? [] : sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function resolveImport(from: string, specifier: string): string | null {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  return null;
}

export function importGraph(dirs: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of dirs.flatMap((dir) => sources(resolve(root, dir)))) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(SPECIFIER)].map((match) => resolveImport(file, match[1]!)).filter((target): target is string => target !== null);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Strongly connected components with more than one member (or a self-import): each is a knot of cycles. */
export function knots(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.toSorted());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) connect(node);
  return found;
}

/** The same graph between the top-level folders of src/ (api, routes, state, …): layers must not import each other both ways. */
export function folderGraph(graph: Map<string, string[]>): Map<string, string[]> {
  const folder = (file: string) => {
    const path = relative(join(root, 'src'), file);
    return path.startsWith('..') || !path.includes('/') ? null : `src/${path.split('/')[0]}`;
  };
  const folders = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = folder(file);
    if (!from) continue;
    const set = folders.get(from) ?? new Set<string>();
    for (const target of targets) {
      const to = folder(target);
      if (to && to !== from) set.add(to);
    }
    folders.set(from, set);
  }
  return new Map([...folders].map(([from, to]) => [from, [...to]]));
}

if (import.meta.main) {
  const dirs = process.argv.slice(2);
  const graph = importGraph(dirs.length > 0 ? dirs : ['src', 'scripts', 'bench', 'dev']);
  const modules = knots(graph).map((knot) => knot.map((file) => relative(root, file)));
  const folders = knots(folderGraph(graph));
  for (const knot of modules) console.error(`modules import each other: ${knot.join(', ')}`);
  for (const knot of folders) console.error(`folders import each other: ${knot.join(', ')}`);
  if (modules.length + folders.length > 0) {
    console.error('Imports must flow one way (README, "Layout").');
    process.exit(1);
  }
  console.log(`No import cycles among ${graph.size} modules.`);
}
