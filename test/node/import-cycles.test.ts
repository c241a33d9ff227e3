import { describe, expect, it } from 'vitest';
import { folderGraph, importGraph, knots } from '../../scripts/import-cycles.ts';

describe('imports flow one way', () => {
  it('finds a knot of modules, and one of folders, when there is one', () => {
    const graph = new Map([
      ['/a', ['/b']],
      ['/b', ['/c']],
      ['/c', ['/a', '/d']],
      ['/d', []],
    ]);
    expect(knots(graph)).toEqual([['/a', '/b', '/c']]);
    expect(knots(new Map([['/self', ['/self']]]))).toEqual([['/self']]);
  });

  it('holds for the project: no module, and no folder of src/, imports itself through others', () => {
    const graph = importGraph(['src', 'scripts', 'bench', 'dev']);
    expect(graph.size).toBeGreaterThan(50);
    expect(knots(graph)).toEqual([]);
    expect(knots(folderGraph(graph))).toEqual([]);
  });
});
