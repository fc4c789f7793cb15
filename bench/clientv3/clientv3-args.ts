/**
 * The clientv3 benchmark's command line (npm run bench:clientv3 -- ...); USAGE is what --help prints.
 */
import { tmpdir } from 'node:os';
import type { ServerKind } from '../cluster/bench-cluster.js';
import { ETCD_BINARY_DEFAULT } from '../cluster/etcd-launcher.js';
import { flagAt, integer, number, resultsName, UsageError } from '../load/load-options.js';
import { ALL_ROWS, MATRIX, type MatrixRow } from './clientv3-matrix.js';

export const USAGE = `usage: npm run bench:clientv3 -- [flags]

Runs etcd's own Go client (clientv3, built from Debian's golang-etcd-server-dev by
bench/go/clientv3-load) against cairn and etcd 3.4 side by side: per round a fresh cluster of each
server on 127.0.0.1, the key space preloaded, then every row of issue #18's matrix. Rounds
alternate servers (cairn, etcd, cairn, etcd). Writes results/<date>-clientv3-<name>.json and .md
with ops/s, p50/p99 and the cairn/etcd ratio per row.

  --servers cairn,etcd   servers, in the order each round runs them
  --rounds 2             rounds of every server
  --rows NAMES           comma-separated rows (default: the issue's matrix):
                         ${ALL_ROWS.map((row) => row.name).join(', ')}
  --duration 10          measured seconds per row
  --warmup 2             unmeasured seconds before each row
  --key-space 100000     keys (all preloaded)   --key-size 8   --value-size 256
  --preload-clients 16   Txns of 128 puts in flight while preloading
  --members 3
  --quick                a smoke run: 1 round, 1 s per row, 0.5 s warm-up, 1,000 keys, name "quick"
  --name compare         results file name (clientv3-<name>); one server alone: its name
  --results-dir results  --data-root DIR   --etcd-binary ${ETCD_BINARY_DEFAULT}
  --help
`;

export interface ClientV3Plan {
  servers: ServerKind[];
  rounds: number;
  rows: MatrixRow[];
  durationSeconds: number;
  warmupSeconds: number;
  keySpace: number;
  keySize: number;
  valueSize: number;
  preloadClients: number;
  members: number;
  name: string;
  resultsDir: string;
  dataRoot: string;
  etcdBinary: string;
}

export const CLIENTV3_DEFAULTS: ClientV3Plan = {
  servers: ['cairn', 'etcd'], rounds: 2, rows: [...MATRIX], durationSeconds: 10, warmupSeconds: 2, keySpace: 100_000, keySize: 8,
  valueSize: 256, preloadClients: 16, members: 3, name: 'compare', resultsDir: 'results', dataRoot: tmpdir(), etcdBinary: ETCD_BINARY_DEFAULT,
};

/** What --quick changes; flags given beside it still win. */
export const QUICK: Partial<ClientV3Plan> = { rounds: 1, durationSeconds: 1, warmupSeconds: 0.5, keySpace: 1000, name: 'quick' };

export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

function servers(flag: string, value: string | undefined): ServerKind[] {
  const names = (value ?? '').split(',');
  if (names.some((name) => name !== 'cairn' && name !== 'etcd') || new Set(names).size !== names.length) {
    throw new UsageError(`${flag} is cairn, etcd, or both separated by a comma, got "${value ?? ''}"`);
  }
  return names as ServerKind[];
}

function rows(flag: string, value: string | undefined): MatrixRow[] {
  return (value ?? '').split(',').map((name) => {
    const row = ALL_ROWS.find((candidate) => candidate.name === name);
    if (row === undefined) throw new UsageError(`${flag}: unknown row "${name}" (rows: ${ALL_ROWS.map((r) => r.name).join(', ')})`);
    return row;
  });
}

export function parseClientV3Args(argv: readonly string[]): ClientV3Plan {
  const plan: ClientV3Plan = { ...CLIENTV3_DEFAULTS, ...(argv.includes('--quick') ? QUICK : {}) };
  let name: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') continue;
    const { flag, value, last } = flagAt(argv, i);
    i = last;
    switch (flag) {
      case '--servers': plan.servers = servers(flag, value); break;
      case '--rounds': plan.rounds = integer(flag, value, 1, 10); break;
      case '--rows': plan.rows = rows(flag, value); break;
      case '--duration': plan.durationSeconds = number(flag, value, 0.1); break;
      case '--warmup': plan.warmupSeconds = number(flag, value, 0); break;
      case '--key-space': plan.keySpace = integer(flag, value, 1, 10_000_000); break;
      case '--key-size': plan.keySize = integer(flag, value, 1, 1024); break;
      case '--value-size': plan.valueSize = integer(flag, value, 0, 1 << 20); break;
      case '--preload-clients': plan.preloadClients = integer(flag, value, 1, 256); break;
      case '--members': plan.members = integer(flag, value, 1, 7); break;
      case '--name': name = resultsName(flag, value); break;
      case '--results-dir': plan.resultsDir = value ?? ''; break;
      case '--data-root': plan.dataRoot = value ?? ''; break;
      case '--etcd-binary': plan.etcdBinary = value ?? ''; break;
      default: throw new UsageError(`unknown flag ${arg} (see --help)`);
    }
  }
  // The generator's keys are the zero-padded index: the key space must fit in key-size digits.
  if (String(plan.keySpace - 1).length > plan.keySize) {
    throw new UsageError(`--key-space ${plan.keySpace} needs keys longer than --key-size ${plan.keySize}`);
  }
  // One server alone gets its own file, so it never overwrites a side-by-side run of the same day.
  plan.name = name ?? (plan.servers.length === 1 ? `${plan.name}-${plan.servers[0]}` : plan.name);
  return plan;
}

/** One round of one server: a fresh cluster, the preload, then every row. */
export interface RoundSlot {
  server: ServerKind;
  /** 1-based. */
  round: number;
}

/** The rounds in the order they run: servers alternate within each round (cairn, etcd, cairn, etcd, ...). */
export function scheduleOf(plan: Pick<ClientV3Plan, 'servers' | 'rounds'>): RoundSlot[] {
  const slots: RoundSlot[] = [];
  for (let round = 1; round <= plan.rounds; round++) for (const server of plan.servers) slots.push({ server, round });
  return slots;
}
