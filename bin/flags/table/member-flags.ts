/** The Member section of the flag table: this member's identity, storage, timers, listeners and limits. */
import type { FlagSpec } from '../flag-spec.js';
import { DEFAULT_DATA_DIR, DEFAULT_NAME, group, honoured, key, noOp, OPERATIONS_ISSUE, refused, refusedYet } from './spec.js';

const row = group('Member');

/** etcd's backend quota when --quota-backend-bytes is 0: 2 GiB (asking for it is asking for the default). */
const ETCD_DEFAULT_QUOTA_BYTES = 2n * 1024n ** 3n;

/** --max-wals 0 asks to keep every WAL file; cairn deletes what a snapshot covers. */
function refuseUnlimitedWals(value: unknown): string | null {
  return value === 0n ? '--max-wals 0 (keep every WAL file) is not supported: cairn deletes the WAL segments a snapshot covers' : null;
}

export const MEMBER_FLAGS: readonly FlagSpec[] = [
  row('name', 'string', DEFAULT_NAME, 'Human-readable name for this member.', key('string'), honoured()),
  row('data-dir', 'string', DEFAULT_DATA_DIR, 'Path to the data directory.', key('string'), honoured()),
  row('wal-dir', 'string', '', 'Path to the dedicated wal directory.', key('string'), honoured(), { note: 'cairn\'s WAL segments go there instead of <data-dir>/member/wal' }),
  row('snapshot-count', 'uint', '100000', 'Number of committed transactions to trigger a snapshot to disk.', key('uint64'), honoured()),
  row('heartbeat-interval', 'uint', '100', 'Time (in milliseconds) of a heartbeat interval.', key('uint'), honoured()),
  row('election-timeout', 'uint', '1000', 'Time (in milliseconds) for an election to timeout. See tuning documentation for details.', key('uint'), honoured()),
  row('initial-election-tick-advance', 'bool', 'true', 'Whether to fast-forward initial election ticks on boot for faster election.', key('bool'), honoured(),
    { note: 'as etcd: a one-member cluster always advances; a larger one once connected to more than one peer (waiting up to 5 s)' }),
  row('listen-peer-urls', 'urls', 'http://localhost:2380', 'List of URLs to listen on for peer traffic.', key('string'), honoured(), { note: 'one http:// URL for now' }),
  row('listen-client-urls', 'urls', 'http://localhost:2379', 'List of URLs to listen on for client traffic.', key('string'), honoured(),
    { note: 'one http:// URL for now: gRPC and, unless --listen-client-http-urls is set, HTTP/1.1 (JSON gateway, WebSocket API, /metrics, /health) on the same port, as etcd' }),
  row('listen-client-http-urls', 'urls', '', 'List of URLs to listen on for http only client traffic. Enabling this flag removes http services from --listen-client-urls.', key('string'), honoured(),
    { since: '3.5', note: 'one http:// URL at most for now; served by uWebSockets.js (cairn\'s fastest WebSocket path)' }),
  row('max-snapshots', 'uint', '5', 'Maximum number of snapshot files to retain (0 is unlimited).', key('uint'),
    noOp('cairn writes no snapshot files to retain: a Raft snapshot is a marker in the WAL over the LMDB store')),
  row('max-wals', 'uint', '5', 'Maximum number of wal files to retain (0 is unlimited).', key('uint'), honoured(refuseUnlimitedWals),
    { note: 'cairn keeps no WAL segment a snapshot covers, so it stays under any maximum; 0 (keep all) is refused' }),
  row('quota-backend-bytes', 'int64', '0', 'Raise alarms when backend size exceeds the given quota (0 defaults to low space quota).', key('int64'),
    refusedYet(`the space quota and the NOSPACE alarm come with ${OPERATIONS_ISSUE}`, (value) => value === 0n || value === ETCD_DEFAULT_QUOTA_BYTES)),
  row('backend-batch-interval', 'duration', '0s', 'BackendBatchInterval is the maximum time before commit the backend transaction.', key('time.Duration'),
    noOp('bbolt commit batching: cairn commits the store once per batch of applied entries (at most 4,096)')),
  row('backend-batch-limit', 'int', '0', 'BackendBatchLimit is the maximum operations before commit the backend transaction.', key('int'),
    noOp('bbolt commit batching: cairn commits the store once per batch of applied entries (at most 4,096)')),
  row('backend-bbolt-freelist-type', 'string', 'map', 'BackendFreelistType specifies the type of freelist that boltdb backend uses (array and map are supported types).', key('string'),
    noOp('bbolt\'s freelist: cairn\'s store is LMDB, which has none'), { since: '3.5' }),
  row('max-txn-ops', 'uint', '128', 'Maximum number of operations permitted in a transaction.', key('uint'), honoured()),
  row('max-request-bytes', 'uint', '1572864', 'Maximum client request size in bytes the server will accept.', key('uint'), honoured()),
  row('max-concurrent-streams', 'uint32', '4294967295', 'Maximum concurrent streams that each client can open at a time.', key('uint32'), honoured(), { helpDefault: 'math.MaxUint32', note: 'the gRPC listener\'s HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS' }),
  row('grpc-keepalive-min-time', 'duration', '5s', 'Minimum duration interval that a client should wait before pinging server.', key('time.Duration'), honoured(),
    { note: 'as gRPC-Go enforces it: more than two early pings get GOAWAY ENHANCE_YOUR_CALM "too_many_pings"' }),
  row('grpc-keepalive-interval', 'duration', '2h0m0s', 'Frequency duration of server-to-client ping to check if a connection is alive (0 to disable).', key('time.Duration'), honoured()),
  row('grpc-keepalive-timeout', 'duration', '20s', 'Additional duration of wait before closing a non-responsive connection (0 to disable).', key('time.Duration'), honoured(),
    { note: '0 means gRPC\'s default of 20 s, as in gRPC-Go' }),
  row('socket-reuse-port', 'bool', 'false', 'Enable to set socket option SO_REUSEPORT on listeners allowing rebinding of a port already in use.', key('bool', 'socket-options', 'reuse-port'),
    refused('Node.js 20 cannot set SO_REUSEPORT on a listener'), { since: '3.5' }),
  row('socket-reuse-address', 'bool', 'false', 'Enable to set socket option SO_REUSEADDR on listeners allowing binding to an address in TIME_WAIT state.', key('bool', 'socket-options', 'reuse-address'),
    noOp('Node.js sets SO_REUSEADDR on every TCP listener already'), { since: '3.5' }),
  row('raft-read-timeout', 'duration', '5s', 'Read timeout set on each rafthttp connection.', null,
    refused('cairn\'s peer transport is not rafthttp: a peer connection is judged by Raft\'s heartbeats'), { since: '3.5' }),
  row('raft-write-timeout', 'duration', '5s', 'Write timeout set on each rafthttp connection.', null,
    refused('cairn\'s peer transport is not rafthttp: a peer connection is judged by Raft\'s heartbeats'), { since: '3.5' }),
  row('config-file', 'string', '', 'Path to the server configuration file. Flags and environment variables are then ignored.', null, honoured()),
  row('version', 'bool', 'false', 'Print the version and exit.', null, honoured()),
];
