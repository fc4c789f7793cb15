/**
 * The fan-out benchmark's command line (npm run bench:watch -- ...):
 *
 *   --targets cairn,etcd   --members 3   --watchers 1000   --streams 10   --processes 2
 *   --watch-on all|leader|followers (which members serve the Watch streams, round robin)
 *   --in-flight 4 (the writer's puts in flight)   --value-size 256   --duration 15   --warmup 2
 *   --baseline 5 (seconds the writer runs alone before the watchers exist, for puts/s without them; 0 skips it)
 *   --key fanout   --name watch-fanout   --results-dir results   --data-root DIR   --etcd-binary /usr/bin/etcd
 */
import { tmpdir } from 'node:os';
import type { ServerKind } from '../cluster/bench-cluster.js';
import { ETCD_BINARY_DEFAULT } from '../cluster/etcd-launcher.js';
import { flagAt, integer, number as seconds, UsageError, resultsName } from '../load/load-options.js';

export type WatchOn = 'all' | 'leader' | 'followers';

export interface WatchPlan {
  targets: ServerKind[];
  members: number;
  watchers: number;
  streams: number;
  processes: number;
  watchOn: WatchOn;
  inFlight: number;
  valueSize: number;
  durationSeconds: number;
  warmupSeconds: number;
  baselineSeconds: number;
  key: string;
  name: string;
  resultsDir: string;
  dataRoot: string;
  etcdBinary: string;
}

export const WATCH_DEFAULTS: WatchPlan = {
  targets: ['cairn', 'etcd'], members: 3, watchers: 1000, streams: 10, processes: 2, watchOn: 'all', inFlight: 4,
  valueSize: 256, durationSeconds: 15, warmupSeconds: 2, baselineSeconds: 5, key: 'fanout', name: 'watch-fanout', resultsDir: 'results',
  dataRoot: tmpdir(), etcdBinary: ETCD_BINARY_DEFAULT,
};

/** Bounds that keep a typo from starting something absurd on a 2-core machine. */
const WATCHERS_MAX = 100_000;
const PROCESSES_MAX = 16;



export function parseWatchArgs(argv: readonly string[]): WatchPlan {
  const plan: WatchPlan = { ...WATCH_DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const { flag, value, last } = flagAt(argv, i);
    i = last;
    switch (flag) {
      case '--targets': {
        const targets = (value ?? '').split(',');
        if (targets.length === 0 || targets.some((t) => t !== 'cairn' && t !== 'etcd')) throw new UsageError(`--targets is a list of cairn and etcd, got "${value ?? ''}"`);
        plan.targets = targets as ServerKind[];
        break;
      }
      case '--members': plan.members = integer(flag, value, 1, 7); break;
      case '--watchers': plan.watchers = integer(flag, value, 1, WATCHERS_MAX); break;
      case '--streams': plan.streams = integer(flag, value, 1, WATCHERS_MAX); break;
      case '--processes': plan.processes = integer(flag, value, 1, PROCESSES_MAX); break;
      case '--watch-on':
        if (value !== 'all' && value !== 'leader' && value !== 'followers') throw new UsageError(`--watch-on is all, leader or followers, got "${value ?? ''}"`);
        plan.watchOn = value;
        break;
      case '--in-flight': plan.inFlight = integer(flag, value, 1, 1024); break;
      case '--value-size': plan.valueSize = integer(flag, value, 0, 1 << 20); break;
      case '--duration': plan.durationSeconds = seconds(flag, value, 1); break;
      case '--warmup': plan.warmupSeconds = seconds(flag, value, 0); break;
      case '--baseline': plan.baselineSeconds = seconds(flag, value, 0); break;
      case '--key': plan.key = value ?? ''; break;
      case '--name': plan.name = resultsName(flag, value); break;
      case '--results-dir': plan.resultsDir = value ?? ''; break;
      case '--data-root': plan.dataRoot = value ?? ''; break;
      case '--etcd-binary': plan.etcdBinary = value ?? ''; break;
      default: throw new UsageError(`unknown flag ${arg}`);
    }
  }
  if (plan.streams > plan.watchers) throw new UsageError(`--streams (${plan.streams}) cannot exceed --watchers (${plan.watchers})`);
  if (plan.processes > plan.streams) throw new UsageError(`--processes (${plan.processes}) cannot exceed --streams (${plan.streams})`);
  if (plan.watchOn === 'followers' && plan.members < 2) throw new UsageError('--watch-on followers needs at least 2 members');
  if (plan.key === '') throw new UsageError('--key cannot be empty');
  return plan;
}
