/**
 * The keep-alive benchmark's command line (npm run bench:keepalive -- ...):
 *
 *   --concurrency 256 (puts in flight)   --connections 16   --members 3
 *   --leases 2000   --lease-ttl 60   --keepalive-rate 5000 (per second, all streams)
 *   --keepalive-streams 6 (round robin over the members)   --keepalive-window 256 (unanswered per stream)
 *   --rounds 1 (baseline then keepalive, this many times: alternating shows how much is noise)
 *   --name lease-keepalive   --results-dir results   --data-root DIR
 *   and the load generator's workload flags (load-options.ts): --duration 15 --warmup 2
 *   --key-size --value-size --key-space --op/--mix --processes --seed ...
 */
import { tmpdir } from 'node:os';
import { stepShape } from '../cluster/bench-args.js';
import { applyLoadFlag, applyLoadSwitch, LOAD_DEFAULTS, UsageError, type LoadOptions } from '../load/load-options.js';

export interface KeepAliveBenchPlan {
  members: number;
  /** The put load; endpoints are set once the cluster runs. */
  load: LoadOptions;
  concurrency: number;
  leases: number;
  leaseTtlSeconds: number;
  keepAliveRate: number;
  keepAliveStreams: number;
  keepAliveWindow: number;
  rounds: number;
  name: string;
  resultsDir: string;
  dataRoot: string;
}

const CONCURRENCY_DEFAULT = 256;
const CONNECTIONS_DEFAULT = 16;
/** etcd's KeepAlive server refuses a stream with more unanswered; cairn's bound (KEEPALIVES_PENDING_MAX) is 1024. */
const KEEPALIVE_WINDOW_MAX = 1024;

function integer(flag: string, text: string | undefined, min: number, max: number): number {
  const value = Number(text);
  if (text === undefined || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} needs an integer in [${min}, ${max}], got "${text ?? ''}"`);
  }
  return value;
}

export function parseKeepAliveArgs(argv: readonly string[]): KeepAliveBenchPlan {
  const load: LoadOptions = { ...LOAD_DEFAULTS, mix: { ...LOAD_DEFAULTS.mix }, durationSeconds: 15, warmupSeconds: 2, protocol: 'native' };
  let concurrency = CONCURRENCY_DEFAULT;
  let connectionsMax = CONNECTIONS_DEFAULT;
  const plan = {
    members: 3, leases: 2000, leaseTtlSeconds: 60, keepAliveRate: 5000, keepAliveStreams: 6, keepAliveWindow: 256, rounds: 1,
    name: 'lease-keepalive', resultsDir: 'results', dataRoot: tmpdir(),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (applyLoadSwitch(load, arg)) continue;
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) as [string, string] : [arg, undefined];
    const value = inline ?? argv[i + 1];
    if (inline === undefined) i++;
    switch (flag) {
      case '--concurrency': concurrency = integer(flag, value, 1, 65_536); break;
      case '--connections': connectionsMax = integer(flag, value, 1, 4096); break;
      case '--members': plan.members = integer(flag, value, 1, 7); break;
      case '--leases': plan.leases = integer(flag, value, 1, 1_000_000); break;
      case '--lease-ttl': plan.leaseTtlSeconds = integer(flag, value, 5, 9_000_000); break;
      case '--keepalive-rate': plan.keepAliveRate = integer(flag, value, 1, 1_000_000); break;
      case '--keepalive-streams': plan.keepAliveStreams = integer(flag, value, 1, 1024); break;
      case '--keepalive-window': plan.keepAliveWindow = integer(flag, value, 1, KEEPALIVE_WINDOW_MAX); break;
      case '--rounds': plan.rounds = integer(flag, value, 1, 10); break;
      case '--name':
        if (value === undefined || !/^[\w.-]+$/.test(value)) throw new UsageError(`--name needs letters, digits, '.', '_' or '-', got "${value ?? ''}"`);
        plan.name = value;
        break;
      case '--results-dir': plan.resultsDir = value ?? ''; break;
      case '--data-root': plan.dataRoot = value ?? ''; break;
      default:
        if (flag === '--endpoints' || flag === '--protocol') throw new UsageError(`${flag} is not for this benchmark: it starts its own cairn cluster and loads it over the native protocol`);
        if (!applyLoadFlag(load, flag, value)) throw new UsageError(`unknown flag ${arg}`);
    }
  }
  const shape = stepShape(concurrency, connectionsMax, load.processes);
  if (plan.keepAliveStreams > plan.leases) throw new UsageError(`--keepalive-streams (${plan.keepAliveStreams}) cannot exceed --leases (${plan.leases})`);
  return { ...plan, concurrency: shape.connections * shape.depth, load: { ...load, ...shape } };
}
