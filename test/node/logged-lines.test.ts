/**
 * Every log line carries the version (docs/ops.md, "Gradual deployments"):
 * the gate's structured lines go through `logged` (src/version.ts), never a
 * bare `JSON.stringify` — a module added or moved later included.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') && !entry.name.endsWith('.generated.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('log lines', () => {
  it('are written through logged(), which adds the version, everywhere in src', () => {
    const bare = sources('src').flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) => (/console\.(log|info|warn|error)\(\s*JSON\.stringify\(/.test(line) ? [`${file}:${index + 1}`] : [])),
    );
    expect(bare).toEqual([]);
    // Multi-line calls too: a console call whose first argument is a JSON.stringify on the next line.
    const split = sources('src').filter((file) => /console\.(log|info|warn|error)\(\s*\n\s*JSON\.stringify\(/.test(readFileSync(file, 'utf8')));
    expect(split).toEqual([]);
  });
});
