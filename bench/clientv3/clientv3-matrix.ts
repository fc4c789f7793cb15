/**
 * The workload matrix of issue #18 ("Faster than etcd where its users are"), each row one run of
 * the Go clientv3 load generator (bench/go/clientv3-load): puts at 1, 8, 100 and 1,000 clients,
 * linearizable ranges and compare-and-swap Txns at 8, and 100 clients sharing 10 connections.
 *
 * Connections follow etcd's tools/benchmark conventions: a "client" is a goroutine with one request
 * in flight, a "connection" a clientv3 client the goroutines share round-robin. Up to 100 clients
 * each row gives every client its own connection (a control plane of many processes); 1,000
 * clients share 100 (as etcd's performance docs run them: --conns=100 --clients=1000), and one row
 * packs 100 clients onto 10 connections (many goroutines of one process, as in Kubernetes).
 */

export type GoWorkload = 'put' | 'range' | 'txn';

export interface MatrixRow {
  /** Stable name, for --rows and the results file. */
  name: string;
  /** How the results table names it. */
  label: string;
  workload: GoWorkload;
  /** range only: linearizable (l) or serializable (s). */
  consistency?: 'l' | 's';
  clients: number;
  conns: number;
}

export const MATRIX: readonly MatrixRow[] = [
  { name: 'put-1', label: 'put, 1 client', workload: 'put', clients: 1, conns: 1 },
  { name: 'put-8', label: 'put, 8 clients', workload: 'put', clients: 8, conns: 8 },
  { name: 'put-100', label: 'put, 100 clients', workload: 'put', clients: 100, conns: 100 },
  { name: 'put-1000', label: 'put, 1,000 clients / 100 conns', workload: 'put', clients: 1000, conns: 100 },
  { name: 'range-8', label: 'linearizable range, 8 clients', workload: 'range', consistency: 'l', clients: 8, conns: 8 },
  { name: 'txn-8', label: 'txn (compare + put), 8 clients', workload: 'txn', clients: 8, conns: 8 },
  { name: 'put-100-10', label: 'put, 100 clients / 10 conns', workload: 'put', clients: 100, conns: 10 },
];

/** A row that is not in the matrix but the generator runs as well: local reads. */
export const EXTRA_ROWS: readonly MatrixRow[] = [
  { name: 'range-serializable-8', label: 'serializable range, 8 clients', workload: 'range', consistency: 's', clients: 8, conns: 8 },
];

export const ALL_ROWS: readonly MatrixRow[] = [...MATRIX, ...EXTRA_ROWS];
