/**
 * The keep-alive benchmark's command line (npm run bench:keepalive -- ...):
 *
 *   --server cairn|etcd (etcd: /usr/bin/etcd 3.4, the yardstick)   --protocol native|grpc (the put load's; etcd: grpc only;
 *   default native for cairn)   --processes N (load client processes; default 1 for native, 2 for grpc)
 *   --concurrency 256 (puts in flight)   --connections 16   --members 3
 *   --leases 2000   --lease-ttl 60   --keepalive-rate 5000 (per second, all streams)
 *   --keepalive-streams 6 (round robin over the members)   --keepalive-window 256 (unanswered per stream)
 *   --rounds 1 (baseline then keepalive, this many times: alternating shows how much is noise)
 *   --sink (a third phase per round: the same keep-alives sent to do-nothing servers, keepalive-sink.ts)
 *   --name lease-keepalive (lease-keepalive-etcd with --server etcd, lease-keepalive-grpc for cairn with --protocol grpc)
 *   --results-dir results   --data-root DIR
 *   and the load generator's workload flags (load-options.ts): --duration 15 --warmup 2
 *   --key-size --value-size --key-space --op/--mix --seed ...
 */
import { tmpdir } from 'node:os';
import type { ServerKind } from '../cluster/bench-cluster.js';
import { PROCESSES_DEFAULT, stepShape } from '../cluster/bench-args.js';
import { applyLoadFlag, applyLoadSwitch, flagAt, integer, LOAD_DEFAULTS, UsageError, type LoadOptions, type Protocol, resultsName } from '../load/load-options.js';

export interface KeepAliveBenchPlan {
  /** The server under test: cairn, or etcd 3.4 as the yardstick. */
  server: ServerKind;
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
  /** Adds the sink phase to every round. */
  sink: boolean;
  name: string;
  resultsDir: string;
  dataRoot: string;
}

const CONCURRENCY_DEFAULT = 256;
const CONNECTIONS_DEFAULT = 16;
/** etcd's KeepAlive server refuses a stream with more unanswered; cairn's bound (KEEPALIVES_PENDING_MAX) is 1024. */
const KEEPALIVE_WINDOW_MAX = 1024;


export function parseKeepAliveArgs(argv: readonly string[]): KeepAliveBenchPlan {
  const load: LoadOptions = { ...LOAD_DEFAULTS, mix: { ...LOAD_DEFAULTS.mix }, durationSeconds: 15, warmupSeconds: 2 };
  let server: ServerKind = 'cairn';
  let protocol: Protocol | null = null;
  let processes: number | null = null;
  let name: string | null = null;
  let concurrency = CONCURRENCY_DEFAULT;
  let connectionsMax = CONNECTIONS_DEFAULT;
  const plan = {
    members: 3, leases: 2000, leaseTtlSeconds: 60, keepAliveRate: 5000, keepAliveStreams: 6, keepAliveWindow: 256, rounds: 1, sink: false,
    resultsDir: 'results', dataRoot: tmpdir(),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (applyLoadSwitch(load, arg)) continue;
    if (arg === '--sink') { plan.sink = true; continue; }
    const { flag, value, last } = flagAt(argv, i);
    i = last;
    switch (flag) {
      case '--server':
        if (value !== 'cairn' && value !== 'etcd') throw new UsageError(`--server is cairn or etcd, got "${value ?? ''}"`);
        server = value;
        break;
      case '--protocol':
        if (value !== 'native' && value !== 'grpc') throw new UsageError(`--protocol is native or grpc, got "${value ?? ''}"`);
        protocol = value;
        break;
      case '--processes': processes = integer(flag, value, 1, 64); break;
      case '--concurrency': concurrency = integer(flag, value, 1, 65_536); break;
      case '--connections': connectionsMax = integer(flag, value, 1, 4096); break;
      case '--members': plan.members = integer(flag, value, 1, 7); break;
      case '--leases': plan.leases = integer(flag, value, 1, 1_000_000); break;
      case '--lease-ttl': plan.leaseTtlSeconds = integer(flag, value, 5, 9_000_000); break;
      case '--keepalive-rate': plan.keepAliveRate = integer(flag, value, 1, 1_000_000); break;
      case '--keepalive-streams': plan.keepAliveStreams = integer(flag, value, 1, 1024); break;
      case '--keepalive-window': plan.keepAliveWindow = integer(flag, value, 1, KEEPALIVE_WINDOW_MAX); break;
      case '--rounds': plan.rounds = integer(flag, value, 1, 10); break;
      case '--name': name = resultsName(flag, value); break;
      case '--results-dir': plan.resultsDir = value ?? ''; break;
      case '--data-root': plan.dataRoot = value ?? ''; break;
      default:
        if (flag === '--endpoints') throw new UsageError('--endpoints is not for this benchmark: it starts its own cluster for each phase');
        if (!applyLoadFlag(load, flag, value)) throw new UsageError(`unknown flag ${arg}`);
    }
  }
  const chosenProtocol: Protocol = protocol ?? (server === 'etcd' ? 'grpc' : 'native');
  if (server === 'etcd' && chosenProtocol === 'native') throw new UsageError('etcd speaks gRPC only: --server etcd needs --protocol grpc');
  // As bench:cluster: one grpc-js client process tops out near 4k calls/s, one `ws` process carries far more.
  const shape = stepShape(concurrency, connectionsMax, processes ?? PROCESSES_DEFAULT[chosenProtocol]);
  if (plan.keepAliveStreams > plan.leases) throw new UsageError(`--keepalive-streams (${plan.keepAliveStreams}) cannot exceed --leases (${plan.leases})`);
  return {
    ...plan, server, name: name ?? defaultName(server, chosenProtocol),
    concurrency: shape.connections * shape.depth, load: { ...load, protocol: chosenProtocol, ...shape },
  };
}

/** Each server and load protocol gets its own results file unless --name says otherwise. */
function defaultName(server: ServerKind, protocol: Protocol): string {
  if (server === 'etcd') return 'lease-keepalive-etcd';
  return protocol === 'grpc' ? 'lease-keepalive-grpc' : 'lease-keepalive';
}
