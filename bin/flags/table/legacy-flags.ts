/**
 * The v2 Proxy, Experimental, Unsafe and TO BE DEPRECATED sections of the flag table, and the
 * legacy flags etcd itself accepts and ignores with a warning.
 */
import type { FlagSpec } from '../flag-spec.js';
import { group, honoured, key, noOp, OBSOLETE, OPERATIONS_ISSUE, refused, refusedYet } from './spec.js';

const proxy = group('v2 Proxy (to be deprecated in v4)');
const experimental = group('Experimental feature');
const unsafe = group('Unsafe feature');
const deprecated = group('TO BE DEPRECATED');

const V2_PROXY = 'the v2 proxy is out of scope: cairn serves etcd\'s v3 API only';
const TRACING = 'cairn exports no OpenTelemetry traces';
const DEFRAG = `defragmentation comes with ${OPERATIONS_ISSUE}`;

/** etcd's ignored flags (etcdmain's `ignored` list): set, they only print a warning. */
const IGNORED_BY_ETCD = [
  'cluster-active-size', 'cluster-remove-delay', 'cluster-sync-interval', 'config', 'force', 'max-result-buffer',
  'max-retry-attempts', 'peer-heartbeat-interval', 'peer-election-timeout', 'retry-interval', 'snapshot', 'v', 'vv',
];

export const LEGACY_FLAGS: readonly FlagSpec[] = [
  proxy('proxy', 'choice', 'off', 'Proxy mode setting (\'off\', \'readonly\' or \'on\').', key('string'), refused(V2_PROXY), { choices: ['off', 'readonly', 'on'] }),
  proxy('proxy-failure-wait', 'uint', '5000', 'Time (in milliseconds) an endpoint will be held in a failed state.', key('uint'), refused(V2_PROXY)),
  proxy('proxy-refresh-interval', 'uint', '30000', 'Time (in milliseconds) of the endpoints refresh interval.', key('uint'), refused(V2_PROXY)),
  proxy('proxy-dial-timeout', 'uint', '1000', 'Time (in milliseconds) for a dial to timeout.', key('uint'), refused(V2_PROXY)),
  proxy('proxy-write-timeout', 'uint', '5000', 'Time (in milliseconds) for a write to timeout.', key('uint'), refused(V2_PROXY)),
  proxy('proxy-read-timeout', 'uint', '0', 'Time (in milliseconds) for a read to timeout.', key('uint'), refused(V2_PROXY)),
  experimental('experimental-initial-corrupt-check', 'bool', 'false', 'Enable to check data corruption before serving any client/peer traffic.', key('bool'), honoured()),
  experimental('experimental-corrupt-check-time', 'duration', '0s', 'Duration of time between cluster corruption check passes.', key('time.Duration'), honoured()),
  experimental('experimental-compact-hash-check-enabled', 'bool', 'false', 'Enable leader to periodically check followers compaction hashes.', key('bool'),
    refusedYet(`the compaction hash check comes with ${OPERATIONS_ISSUE}`), { since: '3.5' }),
  experimental('experimental-compact-hash-check-time', 'duration', '1m0s', 'Duration of time between leader checks followers compaction hashes.', key('time.Duration'),
    refusedYet(`the compaction hash check comes with ${OPERATIONS_ISSUE}`), { since: '3.5' }),
  experimental('experimental-backend-bbolt-freelist-type', 'string', 'array', 'ExperimentalBackendFreelistType specifies the type of freelist that boltdb backend uses (array and map are supported types).', key('string'),
    noOp('bbolt\'s freelist: cairn\'s store is LMDB, which has none')),
  experimental('experimental-enable-lease-checkpoint', 'bool', 'false', 'Enable leader to send regular checkpoints to other members to prevent reset of remaining TTL on leader change.', key('bool'),
    noOp('cairn always checkpoints leases, so a leader change never resets their remaining TTL')),
  experimental('experimental-enable-lease-checkpoint-persist', 'bool', 'false', 'Enable persisting remainingTTL to prevent indefinite auto-renewal of long lived leases.', key('bool'),
    noOp('cairn always stores lease checkpoints with the data')),
  experimental('experimental-compaction-batch-limit', 'int', '1000', 'Sets the maximum revisions deleted in each compaction batch.', key('int'),
    refusedYet(`tuning compaction comes with ${OPERATIONS_ISSUE}: cairn compacts in bounded chunks between applied batches`)),
  experimental('experimental-compaction-sleep-interval', 'duration', '10ms', 'Sets the sleep interval between each compaction batch.', key('time.Duration'),
    refusedYet(`tuning compaction comes with ${OPERATIONS_ISSUE}: cairn compacts in bounded chunks between applied batches`), { since: '3.5' }),
  experimental('experimental-watch-progress-notify-interval', 'duration', '10m0s', 'Duration of periodic watch progress notifications.', key('time.Duration'), honoured()),
  experimental('experimental-warning-apply-duration', 'duration', '100ms', 'Time duration after which a warning is generated if request takes more time.', key('time.Duration'), honoured(),
    { note: 'measured per applied batch (cairn applies committed entries in batches of up to 4,096 in one LMDB transaction)' }),
  experimental('experimental-snapshot-catchup-entries', 'uint', '5000', 'Number of entries for a slow follower to catch up after compacting the raft storage entries.',
    key('uint64', undefined, 'experimental-snapshot-catch-up-entries'), honoured(), { since: '3.5' }),
  experimental('experimental-downgrade-check-time', 'duration', '5s', 'Duration of time between two downgrade status check.', key('time.Duration'),
    refused('cairn speaks one cluster version (3.4) and has no downgrade'), { since: '3.5' }),
  experimental('experimental-memory-mlock', 'bool', 'false', 'Enable to enforce etcd pages (in particular bbolt) to stay in RAM.', key('bool'),
    refused('Node.js cannot lock the LMDB map in memory'), { since: '3.5' }),
  experimental('experimental-txn-mode-write-with-shared-buffer', 'bool', 'true', 'Enable the write transaction to use a shared buffer in its readonly check operations.', key('bool'),
    noOp('a bbolt read-buffer optimisation: cairn\'s apply worker reads its own writes in one LMDB transaction'), { since: '3.5' }),
  experimental('experimental-stop-grpc-service-on-defrag', 'bool', 'false', 'Enable etcd gRPC service to stop serving client requests on defragmentation.', key('bool'), refusedYet(DEFRAG), { since: '3.5' }),
  experimental('experimental-bootstrap-defrag-threshold-megabytes', 'uint', '0', 'Enable the defrag during etcd server bootstrap on condition that it will free at least the provided threshold of disk space.', key('uint'),
    refusedYet(DEFRAG), { since: '3.5' }),
  experimental('experimental-enable-distributed-tracing', 'bool', 'false', 'Enable experimental distributed tracing using OpenTelemetry Tracing.', key('bool'), refused(TRACING), { since: '3.5' }),
  experimental('experimental-distributed-tracing-address', 'string', 'localhost:4317', 'Address for distributed tracing used for OpenTelemetry Tracing.', key('string'), refused(TRACING), { since: '3.5' }),
  experimental('experimental-distributed-tracing-service-name', 'string', 'etcd', 'Configures service name for distributed tracing.', key('string'), refused(TRACING), { since: '3.5' }),
  experimental('experimental-distributed-tracing-instance-id', 'string', '', 'Configures service instance ID for distributed tracing.', key('string'), refused(TRACING), { since: '3.5' }),
  experimental('experimental-distributed-tracing-sampling-rate', 'int', '0', 'Number of samples to collect per million spans for OpenTelemetry Tracing.', key('int'), refused(TRACING), { since: '3.5' }),
  experimental('enable-grpc-gateway', 'bool', 'true', 'Enable GRPC gateway.', key('bool'), honoured(), { note: 'false leaves etcd\'s JSON gateway (/v3/...) off the HTTP listener' }),
  unsafe('force-new-cluster', 'bool', 'false', 'Force to create a new one-member cluster.', key('bool'), refusedYet(`recovering a cluster as one member comes with ${OPERATIONS_ISSUE}`)),
  unsafe('unsafe-no-fsync', 'bool', 'false', 'Disables fsync, unsafe, will cause data loss.', key('bool'), refused('cairn always fdatasyncs its WAL before acknowledging')),
  deprecated('debug', 'bool', 'false', 'Enable debug-level logging for etcd. Use \'--log-level=debug\' instead.', key('bool'), honoured(), { note: 'the same as --log-level debug' }),
  deprecated('log-package-levels', 'string', '', 'Specify a particular log level for each etcd package (eg: \'etcdmain=CRITICAL,etcdserver=DEBUG\').', key('string'),
    refused('capnslog\'s per-package levels do not exist in cairn: use --log-level')),
  deprecated('log-output', 'strings', 'default', 'Use \'--log-outputs\'.', key('[]string'), honoured(), { note: 'used when --log-outputs is not set, as in etcd 3.4' }),
  ...IGNORED_BY_ETCD.map((name) => deprecated(name, 'ignored', '', 'Ignored (a flag of etcd before 3.0).', null, OBSOLETE)),
];
