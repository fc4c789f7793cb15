/**
 * Runs one load (load-options.ts) with `processes` forked client processes (load-worker.ts) and
 * merges what they report: every process connects first, then all start on the same wall-clock
 * instant, so their warm-ups, windows and per-second series line up and simply add.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { encodeHistogram, mergeHistograms, summarize, type LatencySummary } from './latency.js';
import type { LoadOptions } from './load-options.js';
import type { ProcessResult } from './load-process.js';
import type { ParentMessage, WorkerMessage } from './load-worker.js';

const WORKER = fileURLToPath(new URL('./load-worker.js', import.meta.url));
/** Head start between "everyone is connected" and the common start instant. */
const START_DELAY_MS = 200;
/** How long a worker may linger after its result before it is killed. */
const EXIT_GRACE_MS = 2000;

export interface LoadResult {
  ops: number;
  errors: number;
  errorKinds: Record<string, number>;
  ops_per_sec: number;
  latency: LatencySummary;
  /** The merged HdrHistogram (compressed base64, microseconds), for later re-analysis. */
  histogram: string;
  /** Successful answers per wall-clock second since the start, warm-up included. */
  perSecond: number[];
  measuredSeconds: number;
  generator: {
    processes: number;
    /** CPU seconds of all client processes over the measured window. */
    cpuSeconds: number;
    /** Cores the client processes kept busy on average (1.0 = one core fully used). */
    cores: number;
  };
}

/** Adds up process results (the pure part of a run; tests call it directly). */
export function mergeProcessResults(results: readonly ProcessResult[]): LoadResult {
  const histogram = mergeHistograms(results.map((result) => result.histogram));
  const perSecond: number[] = [];
  const errorKinds: Record<string, number> = {};
  let ops = 0;
  let errors = 0;
  let cpuSeconds = 0;
  let cores = 0;
  let measuredSeconds = 0;
  for (const result of results) {
    ops += result.ops;
    errors += result.errors;
    cpuSeconds += result.cpuSeconds;
    cores += result.cpuWallSeconds > 0 ? result.cpuSeconds / result.cpuWallSeconds : 0;
    // Count mode: the run lasts until its slowest process is done.
    measuredSeconds = Math.max(measuredSeconds, result.measuredSeconds);
    for (const [message, count] of Object.entries(result.errorKinds)) errorKinds[message] = (errorKinds[message] ?? 0) + count;
    result.perSecond.forEach((count, second) => { perSecond[second] = (perSecond[second] ?? 0) + (count ?? 0); });
  }
  // Seconds in which some process answered nothing are holes in the sparse arrays: they are zeros.
  for (let second = 0; second < perSecond.length; second++) perSecond[second] ??= 0;
  return {
    ops, errors, errorKinds,
    ops_per_sec: measuredSeconds > 0 ? ops / measuredSeconds : 0,
    latency: summarize(histogram),
    histogram: encodeHistogram(histogram),
    perSecond,
    measuredSeconds,
    generator: { processes: results.length, cpuSeconds, cores },
  };
}

function send(child: ChildProcess, message: ParentMessage): void {
  child.send(message);
}

/** Waits for the next message of `type` from `child`; rejects when it fails or exits first. */
function nextMessage<T extends WorkerMessage['type']>(child: ChildProcess, type: T, onProgress?: (ops: number) => void):
  Promise<Extract<WorkerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerMessage): void => {
      if (message.type === 'progress') { onProgress?.(message.ops); return; }
      if (message.type === 'failed') { cleanup(); reject(new Error(`load process ${child.pid}: ${message.message}`)); return; }
      if (message.type === type) { cleanup(); resolve(message as Extract<WorkerMessage, { type: T }>); }
    };
    const onExit = (code: number | null): void => { cleanup(); reject(new Error(`load process ${child.pid} exited (${code}) early`)); };
    const cleanup = (): void => { child.off('message', onMessage); child.off('exit', onExit); };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Runs `options` and resolves with the merged result; `onProgress` gets the successful answers so far over all processes. */
export async function runLoad(options: LoadOptions, onProgress?: (ops: number) => void): Promise<LoadResult> {
  const children = Array.from({ length: options.processes }, () => fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const progress = new Array<number>(children.length).fill(0);
  try {
    await Promise.all(children.map((child, processIndex) => {
      const ready = nextMessage(child, 'ready');
      send(child, { type: 'plan', options, processIndex });
      return ready;
    }));
    const startAtMs = Date.now() + START_DELAY_MS;
    const results = await Promise.all(children.map((child, i) => {
      const result = nextMessage(child, 'result', (ops) => {
        progress[i] = ops;
        onProgress?.(progress.reduce((sum, value) => sum + value, 0));
      });
      send(child, { type: 'start', startAtMs });
      return result;
    }));
    return mergeProcessResults(results.map((message) => message.result));
  } finally {
    // Each worker exits by itself after its result; one that does not is ended by its PID.
    for (const child of children) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_GRACE_MS);
      child.once('exit', () => clearTimeout(timer));
    }
  }
}
