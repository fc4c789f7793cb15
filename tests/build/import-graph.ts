/**
 * The project's import graph, read from the TypeScript sources: every relative `import`/`export
 * ... from`, type-only ones included (a cycle through types still ties two files together). Used
 * to keep the layering DESIGN.md asks for: engine/ imports nothing outside engine/, and no file
 * imports itself through others.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Matches `from './x.js'`, `import './x.js'` and `import('./x.js')` with a relative path. */
const IMPORT_PATTERN = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/** file (relative to root, forward slashes) -> the files it imports. */
export type ImportGraph = Map<string, string[]>;

/** Reads every .ts file under `dirs` (relative to `root`), skipping .d.ts files. */
export function readImportGraph(root: string, dirs: readonly string[]): ImportGraph {
  const graph: ImportGraph = new Map();
  const visit = (path: string): void => {
    for (const name of readdirSync(path)) {
      const child = join(path, name);
      if (statSync(child).isDirectory()) visit(child);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) graph.set(toKey(root, child), importsOf(root, child));
    }
  };
  for (const dir of dirs) visit(join(root, dir));
  return graph;
}

function importsOf(root: string, file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const targets = new Set<string>();
  for (const match of text.matchAll(IMPORT_PATTERN)) {
    const target = resolve(dirname(file), match[1]!).replace(/\.js$/, '.ts');
    targets.add(toKey(root, target));
  }
  return [...targets];
}

function toKey(root: string, path: string): string {
  return relative(root, path).split('\\').join('/');
}

/** The imports that leave `from` for a folder that is not in `allowed` (folder prefixes). */
export function importsLeaving(graph: ImportGraph, from: string, allowed: readonly string[]): string[] {
  const leaving: string[] = [];
  for (const [file, targets] of graph) {
    if (!file.startsWith(from)) continue;
    for (const target of targets) if (!allowed.some((prefix) => target.startsWith(prefix))) leaving.push(`${file} -> ${target}`);
  }
  return leaving;
}

/** Every import cycle: each strongly connected set of two or more files, or a file importing itself (Tarjan). */
export function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let next = 0;
  const connect = (file: string): void => {
    index.set(file, next);
    low.set(file, next);
    next++;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        connect(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) connect(file);
  return cycles;
}
