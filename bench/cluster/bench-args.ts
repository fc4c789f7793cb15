/**
 * The orchestrator's command line (npm run bench:cluster -- ...): what to start, which sweep to
 * run against it, and the workload (the load generator's own flags, load-options.ts).
 *
 *   --target cairn|etcd   --protocol native|grpc   --compare (cairn-native, cairn-grpc, etcd-grpc)
 *   --concurrency 16,64,256,1024 (requests in flight over all connections, one step each; etcd's own benchmark uses 1,000 clients)
 *   --connections N (most connections a step opens)   --processes N (client processes)
 *   --members 3   --name NAME   --results-dir results   --data-root DIR   --etcd-binary /usr/bin/etcd
 *   and every load flag: --duration --warmup --count --rate --key-size --value-size --key-space
 *   --sequential --op/--mix --seed
 */
import { tmpdir } from 'node:os';
import { applyLoadFlag, applyLoadSwitch, flagAt, LOAD_DEFAULTS, UsageError, resultsName, type LoadOptions, type Protocol } from '../load/load-options.js';
import type { ServerKind } from './bench-cluster.js';
import { ETCD_BINARY_DEFAULT } from './etcd-launcher.js';

/** One server + protocol pair a run measures. */
export interface Configuration {
  target: ServerKind;
  protocol: Protocol;
}

export interface BenchPlan {
  name: string;
  configurations: Configuration[];
  concurrencies: number[];
  connectionsMax: number;
  /** Client processes per protocol (null: the protocol's default). */
  processes: number | null;
  members: number;
  resultsDir: string;
  dataRoot: string;
  etcdBinary: string;
  /** The workload; endpoints, connections, depth and processes are set per step. */
  load: LoadOptions;
}

export const CONCURRENCIES_DEFAULT = [16, 64, 256, 1024];
export const CONNECTIONS_MAX_DEFAULT = 16;
export const MEMBERS_DEFAULT = 3;
/**
 * The grpc-js client spends ~240 us of CPU per call, so one process tops out near 4k calls/s: gRPC
 * loads get two processes by default; one `ws` process carries >100k/s, so native gets one.
 */
export const PROCESSES_DEFAULT: Record<Protocol, number> = { native: 1, grpc: 2 };

/** The configurations --compare runs, in this order; the last is the reference of the ratios. */
export const COMPARE_CONFIGURATIONS: Configuration[] = [
  { target: 'cairn', protocol: 'native' },
  { target: 'cairn', protocol: 'grpc' },
  { target: 'etcd', protocol: 'grpc' },
];

export function labelOf(configuration: Configuration): string {
  return `${configuration.target}-${configuration.protocol}`;
}

function mixName(load: LoadOptions): string {
  const operations = Object.keys(load.mix);
  return operations.length === 1 ? operations[0]! : 'mixed';
}

function positiveIntegers(flag: string, text: string | undefined): number[] {
  const values = (text ?? '').split(',').map(Number);
  if (values.length === 0 || values.some((value) => !Number.isInteger(value) || value < 1)) {
    throw new UsageError(`${flag} needs positive integers separated by commas, got "${text ?? ''}"`);
  }
  return values;
}

function positiveInteger(flag: string, text: string | undefined): number {
  return positiveIntegers(flag, text)[0]!;
}

export function parseBenchArgs(argv: readonly string[]): BenchPlan {
  const load: LoadOptions = { ...LOAD_DEFAULTS, mix: { ...LOAD_DEFAULTS.mix }, endpoints: [] };
  let target: ServerKind = 'cairn';
  let protocol: Protocol | null = null;
  let compare = false;
  let name: string | null = null;
  const plan = {
    concurrencies: CONCURRENCIES_DEFAULT, connectionsMax: CONNECTIONS_MAX_DEFAULT, processes: null as number | null,
    members: MEMBERS_DEFAULT, resultsDir: 'results', dataRoot: tmpdir(), etcdBinary: ETCD_BINARY_DEFAULT,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--compare') { compare = true; continue; }
    if (applyLoadSwitch(load, arg)) continue;
    const { flag, value, last } = flagAt(argv, i);
    i = last;
    switch (flag) {
      case '--target':
        if (value !== 'cairn' && value !== 'etcd') throw new UsageError(`--target is cairn or etcd, got "${value ?? ''}"`);
        target = value;
        break;
      case '--protocol':
        if (value !== 'native' && value !== 'grpc') throw new UsageError(`--protocol is native or grpc, got "${value ?? ''}"`);
        protocol = value;
        break;
      case '--concurrency': plan.concurrencies = positiveIntegers(flag, value); break;
      case '--connections': plan.connectionsMax = positiveInteger(flag, value); break;
      case '--processes': plan.processes = positiveInteger(flag, value); break;
      case '--members': plan.members = positiveInteger(flag, value); break;
      case '--name': name = resultsName(flag, value); break;
      case '--results-dir': plan.resultsDir = value ?? ''; break;
      case '--data-root': plan.dataRoot = value ?? ''; break;
      case '--etcd-binary': plan.etcdBinary = value ?? ''; break;
      default:
        if (flag === '--endpoints') throw new UsageError('--endpoints is not for the orchestrator: it starts its own cluster');
        if (!applyLoadFlag(load, flag, value)) throw new UsageError(`unknown flag ${arg}`);
    }
  }
  if (compare && (protocol !== null || target !== 'cairn')) throw new UsageError('--compare runs every target and protocol: drop --target/--protocol');
  const chosenProtocol: Protocol = protocol ?? (target === 'etcd' ? 'grpc' : 'native');
  if (target === 'etcd' && chosenProtocol === 'native') throw new UsageError('etcd speaks gRPC only: --target etcd needs --protocol grpc');
  const configurations = compare ? COMPARE_CONFIGURATIONS : [{ target, protocol: chosenProtocol }];
  return {
    ...plan,
    name: name ?? (compare ? `compare-${mixName(load)}` : `${labelOf(configurations[0]!)}-${mixName(load)}`),
    configurations,
    load,
  };
}

/** The connections, depth and processes of one step: concurrency spread over at most connectionsMax connections. */
export function stepShape(concurrency: number, connectionsMax: number, processes: number): { connections: number; depth: number; processes: number } {
  const connections = Math.min(concurrency, connectionsMax);
  return { connections, depth: Math.ceil(concurrency / connections), processes: Math.min(processes, connections) };
}
