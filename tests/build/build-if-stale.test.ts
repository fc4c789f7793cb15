/**
 * The npm scripts that run a server, a benchmark or a profile rebuild dist/ only when it is stale
 * (bin/build-if-stale.mjs): a source or the build's settings newer than the last build, or a
 * source added or removed since, and not otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface BuildIfStale {
  buildInputs(root: string): string[];
  staleReason(root: string): string | null;
}

// Plain JavaScript at the repository's root (it runs before anything is compiled); npm test runs there.
const { buildInputs, staleReason } = await import(pathToFileURL(resolve('bin/build-if-stale.mjs')).href) as BuildIfStale;

test('dist/ is stale with no build, after a source or the lock file changed, and after a source was added; not otherwise', () => {
  const root = mkdtempSync(join(tmpdir(), 'build-stale-'));
  try {
    mkdirSync(join(root, 'engine'));
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'engine', 'a.ts'), 'export {};\n');
    writeFileSync(join(root, 'tsconfig.json'), '{}');
    writeFileSync(join(root, 'package-lock.json'), '{}');
    assert.equal(staleReason(root), 'no build yet');
    const past = new Date(Date.now() - 60_000);
    for (const file of ['engine/a.ts', 'tsconfig.json', 'package-lock.json']) utimesSync(join(root, file), past, past);
    const stamp = (): void => writeFileSync(join(root, 'dist', '.build-stamp.json'), JSON.stringify({ builtAtMs: Date.now(), inputs: buildInputs(root) }));
    stamp();
    assert.equal(staleReason(root), null, 'built after every change');
    const future = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'engine', 'a.ts'), future, future);
    assert.equal(staleReason(root), 'engine/a.ts changed');
    utimesSync(join(root, 'engine', 'a.ts'), past, past);
    utimesSync(join(root, 'package-lock.json'), future, future);
    assert.equal(staleReason(root), 'package-lock.json changed');
    utimesSync(join(root, 'package-lock.json'), past, past);
    writeFileSync(join(root, 'engine', 'b.ts'), 'export {};\n');
    utimesSync(join(root, 'engine', 'b.ts'), past, past);
    assert.equal(staleReason(root), 'sources were added or removed');
    stamp();
    assert.equal(staleReason(root), null);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
