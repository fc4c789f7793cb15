// Builds dist/ (removed, then tsc; with --force always: `npm run build`) only when it is stale: when a source file
// (the .ts files tsconfig.json compiles), tsconfig.json or package-lock.json is newer than the last
// build, or a source was added or removed since. The npm scripts that run a server, a benchmark or
// a profile call this, so a second call starts at once instead of after a full compile. It is plain
// JavaScript because it runs before anything is compiled.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeEtcdDescriptor } from './etcd-descriptor.mjs';

/** The folders tsconfig.json compiles, and the files whose change means a rebuild. */
const SOURCE_DIRS = ['engine', 'net', 'bench', 'tests', 'bin', 'flamegraphs'];
const INPUT_FILES = ['tsconfig.json', 'package-lock.json', 'bin/etcd-descriptor.mjs'];
/** Written into dist/ after a build: the sources it was built from. */
const STAMP = join('dist', '.build-stamp.json');

function sourcesUnder(root, dir, found) {
  let entries;
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sourcesUnder(root, path, found);
    else if (entry.name.endsWith('.ts')) found.push(path);
  }
}

/** Every input of a build, relative to `root`, sorted. */
export function buildInputs(root) {
  const found = [];
  for (const dir of SOURCE_DIRS) sourcesUnder(root, dir, found);
  return [...found, ...INPUT_FILES].sort();
}

/** Why dist/ under `root` must be rebuilt, or null when it is up to date. */
export function staleReason(root) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(root, STAMP), 'utf8'));
  } catch {
    return 'no build yet';
  }
  const inputs = buildInputs(root);
  if (JSON.stringify(inputs) !== JSON.stringify(stamp.inputs)) return 'sources were added or removed';
  const newer = inputs.find((path) => statSync(join(root, path), { throwIfNoEntry: false })?.mtimeMs > stamp.builtAtMs);
  return newer === undefined ? null : `${newer} changed`;
}

/** Rebuilds dist/ under `root` when stale (or always, with `force`); returns whether it did. */
export function buildIfStale(root, force = false) {
  const reason = force ? null : staleReason(root);
  if (!force && reason === null) return false;
  if (reason !== null) process.stderr.write(`build: ${reason}; compiling\n`);
  // Taken before compiling: a source saved during the compile makes the next call build again.
  const builtAtMs = Date.now();
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
  writeEtcdDescriptor(root, join(root, 'dist'));
  writeFileSync(join(root, STAMP), JSON.stringify({ builtAtMs, inputs: buildInputs(root) }));
  return true;
}

if (process.argv[1] !== undefined && relative(process.argv[1], fileURLToPath(import.meta.url)) === '') {
  buildIfStale(join(fileURLToPath(import.meta.url), '..', '..'), process.argv.includes('--force'));
}
