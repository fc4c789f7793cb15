/**
 * The read-storm benchmark's command line (npm run bench:readstorm -- ...):
 *
 *   --server cairn|etcd|both (default both: cairn, then etcd 3.4 as the yardstick)   --members 3
 *   --keys 100000 (loaded before the storm)   --value-size 512   --load-in-flight 8 (Txn batches in flight while loading)
 *   --duration 20 (seconds of storm)   --range-clients 4 (each loops a full-keyspace linearizable Range on the leader)
 *   --hashkv-clients 4 (each loops HashKV on the leader)   --probe-interval 100 (ms between /health GETs on the leader)
 *   --probe-timeout 5000 (ms; a probe that takes longer counts as this long, and as a failure)
 *   --name readstorm (readstorm-cairn / readstorm-etcd when one server runs)   --results-dir results
 *   --data-root DIR   --etcd-binary /usr/bin/etcd
 */
import { tmpdir } from 'node:os';
import type { ServerKind } from '../cluster/bench-cluster.js';
import { ETCD_BINARY_DEFAULT } from '../cluster/etcd-launcher.js';
import { flagAt, integer, number as seconds, UsageError, resultsName } from '../load/load-options.js';

export interface ReadStormPlan {
  /** Servers run one after the other, each on a fresh cluster. */
  servers: ServerKind[];
  members: number;
  keys: number;
  valueSize: number;
  loadInFlight: number;
  durationSeconds: number;
  rangeClients: number;
  hashKvClients: number;
  probeIntervalMs: number;
  probeTimeoutMs: number;
  name: string;
  resultsDir: string;
  dataRoot: string;
  etcdBinary: string;
}

export const READSTORM_DEFAULTS: ReadStormPlan = {
  servers: ['cairn', 'etcd'], members: 3, keys: 100_000, valueSize: 512, loadInFlight: 8, durationSeconds: 20, rangeClients: 4,
  hashKvClients: 4, probeIntervalMs: 100, probeTimeoutMs: 5000, name: 'readstorm', resultsDir: 'results', dataRoot: tmpdir(),
  etcdBinary: ETCD_BINARY_DEFAULT,
};

/** Bounds that keep a typo from starting something absurd on a 2-core machine (1M keys of 512 B is a 0.5 GB range). */
const KEYS_MAX = 1_000_000;
const VALUE_BYTES_MAX = 64 * 1024;
const CLIENTS_MAX = 64;

export function parseReadStormArgs(argv: readonly string[]): ReadStormPlan {
  const plan: ReadStormPlan = { ...READSTORM_DEFAULTS };
  let name: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const { flag, value, last } = flagAt(argv, i);
    i = last;
    switch (flag) {
      case '--server':
        if (value === 'both') plan.servers = ['cairn', 'etcd'];
        else if (value === 'cairn' || value === 'etcd') plan.servers = [value];
        else throw new UsageError(`--server is cairn, etcd or both, got "${value ?? ''}"`);
        break;
      case '--members': plan.members = integer(flag, value, 1, 7); break;
      case '--keys': plan.keys = integer(flag, value, 1, KEYS_MAX); break;
      case '--value-size': plan.valueSize = integer(flag, value, 1, VALUE_BYTES_MAX); break;
      case '--load-in-flight': plan.loadInFlight = integer(flag, value, 1, 256); break;
      case '--duration': plan.durationSeconds = seconds(flag, value, 1); break;
      case '--range-clients': plan.rangeClients = integer(flag, value, 0, CLIENTS_MAX); break;
      case '--hashkv-clients': plan.hashKvClients = integer(flag, value, 0, CLIENTS_MAX); break;
      case '--probe-interval': plan.probeIntervalMs = integer(flag, value, 10, 10_000); break;
      case '--probe-timeout': plan.probeTimeoutMs = integer(flag, value, 100, 60_000); break;
      case '--name': name = resultsName(flag, value); break;
      case '--results-dir': plan.resultsDir = value ?? ''; break;
      case '--data-root': plan.dataRoot = value ?? ''; break;
      case '--etcd-binary': plan.etcdBinary = value ?? ''; break;
      default: throw new UsageError(`unknown flag ${arg}`);
    }
  }
  if (plan.rangeClients + plan.hashKvClients === 0) throw new UsageError('--range-clients and --hashkv-clients cannot both be 0: there would be no storm');
  // A run of one server gets its own file, so it never overwrites a side-by-side run of the same day.
  plan.name = name ?? (plan.servers.length === 1 ? `readstorm-${plan.servers[0]}` : READSTORM_DEFAULTS.name);
  return plan;
}
