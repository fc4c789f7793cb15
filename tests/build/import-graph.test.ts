/**
 * The layering DESIGN.md asks for, checked on every run: engine/ (everything that decides and
 * stores) imports nothing from net/, bin/, bench/ or tests/, and no source file takes part in an
 * import cycle. The checker itself is tested on a graph with a cycle, so it can fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCycles, importsLeaving, readImportGraph } from './import-graph.js';

// npm test runs at the repository's root, where the sources are.
const graph = readImportGraph(process.cwd(), ['engine', 'net', 'bin', 'bench', 'tests']);

test('engine/ imports only engine/ (no sockets, no entry points, no tests)', () => {
  assert.ok(graph.size > 100, `read ${graph.size} files`);
  assert.deepEqual(importsLeaving(graph, 'engine/', ['engine/']), []);
});

test('no source file is part of an import cycle', () => {
  assert.deepEqual(importCycles(graph), []);
});

test('the checker finds a cycle through a type-only import, and an import out of a folder', () => {
  const root = mkdtempSync(join(tmpdir(), 'import-graph-'));
  try {
    mkdirSync(join(root, 'engine'));
    mkdirSync(join(root, 'net'));
    writeFileSync(join(root, 'engine', 'a.ts'), "import { b } from './b.js';\nexport const a = b;\n");
    writeFileSync(join(root, 'engine', 'b.ts'), "import type { A } from './c.js';\nexport const b: A = 1;\n");
    writeFileSync(join(root, 'engine', 'c.ts'), "export type { a as A } from './a.js';\nimport '../net/n.js';\n");
    writeFileSync(join(root, 'net', 'n.ts'), 'export {};\n');
    const small = readImportGraph(root, ['engine', 'net']);
    assert.deepEqual(importCycles(small), [['engine/a.ts', 'engine/b.ts', 'engine/c.ts']]);
    assert.deepEqual(importsLeaving(small, 'engine/', ['engine/']), ['engine/c.ts -> net/n.ts']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
