/**
 * Runs the Go clientv3 load generator (bench/go/clientv3-load) as a child process and reads the
 * one JSON line it prints. Its flags are those of etcd's tools/benchmark where it has the knob.
 * The child is ended by its PID if it outlives its own deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { LatencySummary } from '../load/latency.js';
import type { MatrixRow } from './clientv3-matrix.js';

/** What the generator prints after a measured workload (its loadResult). */
export interface GoLoadResult {
  workload: string;
  consistency?: string;
  endpoints: string[];
  clients: number;
  conns: number;
  key_size: number;
  value_size: number;
  key_space: number;
  warmup_s: number;
  measured_s: number;
  ops: number;
  ops_per_sec: number;
  errors: number;
  error_kinds: Record<string, number>;
  latency: LatencySummary;
  /** Successful answers per second since the first request, warm-up included. */
  per_second: number[];
  /** Ranges that found no key (the key space was not preloaded). */
  empty_ranges: number;
  /** txn: compares that failed (another writer changed the key first) before the one that succeeded. */
  cas_retries: number;
  /** txn: seconds spent reading every key's revision before the clock started. */
  prime_s: number;
  /** The generator's CPU over the measured window, in cores. */
  client_cores: number;
}

/** What the generator prints after the preload workload. */
export interface GoPreloadResult {
  workload: 'preload';
  keys: number;
  txns: number;
  seconds: number;
  errors: number;
  first_error?: string;
}

/** The key space and timing every invocation of one benchmark run shares. */
export interface GoLoadShape {
  endpoints: readonly string[];
  keySpace: number;
  keySize: number;
  valueSize: number;
  durationSeconds: number;
  warmupSeconds: number;
}

/** Preload connections: each balances over every endpoint, so a few carry any number of Txns in flight. */
const PRELOAD_CONNS_MAX = 4;
/** How long past its own run time the generator may take (connecting, priming, draining) before it is killed. */
const DEADLINE_SLACK_MS = 120_000;
/** The tail of the generator's stderr kept for an error message. */
const STDERR_TAIL_BYTES = 4096;

/** Generators running now: whatever way this process exits (Ctrl-C included), they are killed by PID. */
const running = new Set<ChildProcess>();
process.on('exit', () => { for (const child of running) child.kill('SIGKILL'); });

function shapeFlags(shape: GoLoadShape): string[] {
  return [
    '--endpoints', shape.endpoints.join(','), '--key-space-size', String(shape.keySpace), '--key-size', String(shape.keySize),
    '--val-size', String(shape.valueSize),
  ];
}

/** The generator's command line for one matrix row. */
export function rowArgs(row: MatrixRow, shape: GoLoadShape): string[] {
  return [
    row.workload, ...shapeFlags(shape), '--clients', String(row.clients), '--conns', String(row.conns),
    ...(row.consistency === undefined ? [] : ['--consistency', row.consistency]),
    '--duration', `${shape.durationSeconds}s`, '--warmup', `${shape.warmupSeconds}s`,
  ];
}

/** The generator's command line for the preload: every key once, `clients` Txns in flight. */
export function preloadArgs(shape: GoLoadShape, clients: number): string[] {
  return ['preload', ...shapeFlags(shape), '--clients', String(clients), '--conns', String(Math.min(clients, PRELOAD_CONNS_MAX))];
}

/** Runs the generator with `args`; resolves with its JSON line, rejects with its stderr's tail when it fails. */
export function runGo<T>(binary: string, args: readonly string[], runMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES); });
    const timer = setTimeout(() => child.kill('SIGKILL'), runMs + DEADLINE_SLACK_MS);
    child.once('error', (error) => { clearTimeout(timer); running.delete(child); reject(error); });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0) {
        reject(new Error(`clientv3-load ${args[0] ?? ''} exited with ${code ?? signal}: ${line}\n${stderr.trim()}`));
        return;
      }
      try {
        resolve(JSON.parse(line) as T);
      } catch {
        reject(new Error(`clientv3-load ${args[0] ?? ''} printed no JSON line: ${stdout.slice(-500)}\n${stderr.trim()}`));
      }
    });
  });
}
