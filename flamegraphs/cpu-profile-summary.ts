/**
 * Summarizes V8 .cpuprofile files (node --cpu-prof, one per thread): which thread a profile belongs
 * to (by the worker script it ran), how its samples split between running code, idle and GC, and
 * the functions with the most self time. Plain data in, plain data out, so it is unit-tested.
 */

/** The parts of a V8 CPU profile this reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface FunctionTime {
  name: string;
  /** Where it is: file (relative to the project when inside it) and 1-based line. */
  location: string;
  selfMs: number;
  /** Share of the thread's wall-clock profile duration. */
  percent: number;
}

export interface ThreadSummary {
  thread: string;
  durationMs: number;
  busyMs: number;
  idleMs: number;
  gcMs: number;
  top: FunctionTime[];
  /** Self time by where the code comes from (a package, node's internals, a cairn folder), largest first. */
  bySource: { source: string; selfMs: number }[];
}

/** The thread a profile came from: the cairn worker script found among its frames, else main. */
export function threadOf(profile: CpuProfile): string {
  const urls = new Set(profile.nodes.map((node) => node.callFrame.url));
  const has = (file: string) => [...urls].some((url) => url.endsWith(file));
  if (has('/wal/wal-worker.js')) return 'WAL worker';
  if (has('/mvcc/apply-worker.js')) return 'apply worker';
  if (has('/snapshot/snapshot-pool-worker.js')) return 'snapshot pool worker';
  if (has('/bin/cairn.js')) return 'main';
  return 'other thread';
}

function locationOf(url: string, line: number, root: string): string {
  const path = url.replace(/^file:\/\//, '');
  const shown = path.startsWith(root) ? path.slice(root.length).replace(/^\//, '') : path || '(native)';
  return line >= 0 && path !== '' ? `${shown}:${line + 1}` : shown;
}

/**
 * Where a function's code comes from: the npm package (node_modules/<name> or @scope/name), node's
 * own JavaScript (node:...), the cairn folder under dist/ (engine/lease, net/grpc ...), else a
 * V8 pseudo-frame such as (program) or (garbage collector).
 */
export function sourceOf(url: string, functionName: string, root: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (modules !== null) return modules[1]!;
  const path = url.replace(/^file:\/\//, '');
  const inside = path.startsWith(root) ? path.slice(root.length).replace(/^\//, '').replace(/^dist[^/]*\//, '') : path;
  const parts = inside.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/**
 * A span of a profile to summarize, in the profile's own clock (V8's monotonic microseconds, which
 * on Linux is CLOCK_MONOTONIC: process.hrtime in another process reads the same clock).
 */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/** Self time per function (samples x their time deltas), busy/idle/GC split, top `count` functions. */
export function summarizeProfile(profile: CpuProfile, root: string, count = 15, window?: ProfileWindow): ThreadSummary {
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const fromUs = window?.fromUs ?? -Infinity;
  const toUs = window?.toUs ?? Infinity;
  // Each sample's time is the delta to the next one (V8's convention; the last sample gets none).
  let atUs = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    atUs += deltas[i] ?? 0;
    if (atUs < fromUs || atUs > toUs) continue;
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + (deltas[i + 1] ?? 0));
  }
  const byFunction = new Map<string, FunctionTime>();
  const durationMs = (Math.min(profile.endTime, toUs) - Math.max(profile.startTime, fromUs)) / 1000;
  let idleMs = 0;
  let gcMs = 0;
  let sampledMs = 0;
  const bySource = new Map<string, number>();
  for (const node of profile.nodes) {
    const ms = (selfUs.get(node.id) ?? 0) / 1000;
    if (ms === 0) continue;
    sampledMs += ms;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') { idleMs += ms; continue; }
    if (functionName === '(garbage collector)') gcMs += ms;
    const source = sourceOf(url, functionName, root);
    bySource.set(source, (bySource.get(source) ?? 0) + ms);
    const name = functionName === '' ? '(anonymous)' : functionName;
    const location = locationOf(url, lineNumber, root);
    const key = `${name} ${location}`;
    const entry = byFunction.get(key) ?? { name, location, selfMs: 0, percent: 0 };
    entry.selfMs += ms;
    byFunction.set(key, entry);
  }
  const top = [...byFunction.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, count)
    .map((entry) => ({ ...entry, percent: durationMs > 0 ? (100 * entry.selfMs) / durationMs : 0 }));
  const sources = [...bySource].map(([source, selfMs]) => ({ source, selfMs })).sort((a, b) => b.selfMs - a.selfMs);
  return { thread: threadOf(profile), durationMs, busyMs: sampledMs - idleMs, idleMs, gcMs, top, bySource: sources };
}

/** A markdown section per thread. */
export function summaryMarkdown(summaries: readonly ThreadSummary[]): string {
  return summaries.map((s) => {
    const head = `### ${s.thread}\n\n${(s.durationMs / 1000).toFixed(1)} s profiled: busy ${(s.busyMs / 1000).toFixed(1)} s ` +
      `(${((100 * s.busyMs) / s.durationMs).toFixed(0)}%), idle ${(s.idleMs / 1000).toFixed(1)} s, GC ${(s.gcMs / 1000).toFixed(2)} s.\n\n`;
    const rows = s.top.map((f) => `| ${f.selfMs.toFixed(0)} | ${f.percent.toFixed(1)}% | \`${f.name}\` | ${f.location} |`).join('\n');
    const sources = s.bySource.slice(0, 10).map((x) => `${x.source} ${x.selfMs.toFixed(0)} ms`).join(', ');
    return `${head}By source: ${sources}.\n\n| self ms | of wall | function | where |\n|---:|---:|---|---|\n${rows}\n`;
  }).join('\n');
}
