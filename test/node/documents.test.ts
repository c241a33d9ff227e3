/**
 * The documents a user gets stand alone and stay walkable: the README is a
 * short front door (issue 22: at most 250 lines, the rest in docs/), and
 * every relative link in the user-facing documents names a file in this
 * repository (nothing outside it, such as the team's ../shared).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const DOCUMENTS = [
  'README.md',
  'CONTRIBUTING.md',
  'CHANGELOG.md',
  'SECURITY.md',
  'storage-schema.md',
  ...readdirSync('docs')
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const ROOT = resolve('.');

/** The targets of a document's Markdown links and `<a href>`s, outside code blocks. */
function linksOf(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)|href="([^"]+)"/g)].map((match) => (match[1] ?? match[2])!);
}

describe('the documents', () => {
  it('keep the README within 250 lines', () => {
    expect(readFileSync('README.md', 'utf8').trimEnd().split('\n').length).toBeLessThanOrEqual(250);
  });

  it('link only to files in this repository', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const document of DOCUMENTS) {
      for (const link of linksOf(readFileSync(document, 'utf8'))) {
        checked += 1;
        if (/^(https?:|mailto:|#)/.test(link)) continue;
        const target = resolve(dirname(document), decodeURIComponent(link.split('#')[0]!));
        const inside = !relative(ROOT, target).startsWith('..');
        if (!inside || !existsSync(target)) broken.push(`${document}: ${link}`);
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });

  it('find a link to a missing file, and one outside the repository', () => {
    expect(linksOf('see [the plan](docs/nowhere.md) and [the contract](../shared/CONTRACT.md), not `[x](y)`')).toEqual(['docs/nowhere.md', '../shared/CONTRACT.md']);
    expect(existsSync(join(ROOT, 'docs/nowhere.md'))).toBe(false);
    expect(relative(ROOT, resolve('../shared/CONTRACT.md')).startsWith('..')).toBe(true);
  });
});
