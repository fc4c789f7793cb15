/** The Auth, Profiling and Monitoring, and Logging sections of the flag table. */
import type { FlagSpec } from '../flag-spec.js';
import { group, honoured, key, noOp, refused, refusedYet } from './spec.js';

const auth = group('Auth');
const monitoring = group('Profiling and Monitoring');
const logging = group('Logging');

const AUTH_NOT_BUILT = 'cairn has no Auth API yet, so no user can log in: the token type takes effect with it (issue #15)';

/** --metrics: basic, or extensive (adds grpc_server_handling_seconds). */
function refuseUnknownMetrics(value: unknown): string | null {
  if (value === 'basic' || value === 'extensive') return null;
  return `--metrics must be 'basic' or 'extensive' (got ${JSON.stringify(value)})`;
}

export const OPERATION_FLAGS: readonly FlagSpec[] = [
  auth('auth-token', 'string', 'simple', 'Specify a v3 authentication token type and its options (\'simple\' or \'jwt\').', key('string'),
    refusedYet('JWT tokens come with authentication (issue #15)', (value) => value === 'simple')),
  auth('bcrypt-cost', 'uint', '10', 'Specify the cost / strength of the bcrypt algorithm for hashing auth passwords. Valid values are between 4 and 31.', key('uint'), noOp(AUTH_NOT_BUILT)),
  auth('auth-token-ttl', 'uint', '300', 'Time (in seconds) of the auth-token-ttl.', key('uint'), noOp(AUTH_NOT_BUILT)),
  monitoring('enable-pprof', 'bool', 'false', 'Enable runtime profiling data via HTTP server. Address is at client URL + "/debug/pprof/"', key('bool'),
    refused('Go\'s pprof endpoints have no Node.js counterpart: profile with `npm run flamegraph` or node --cpu-prof')),
  monitoring('metrics', 'string', 'basic', 'Set level of detail for exported metrics, specify \'extensive\' to include histogram metrics.', key('string'), honoured(refuseUnknownMetrics),
    { note: 'extensive adds grpc_server_handling_seconds; a value other than basic or extensive is refused (etcd takes it as basic)' }),
  monitoring('listen-metrics-urls', 'urls', '', 'List of URLs to listen on for the metrics and health endpoints.', key('string'), honoured(),
    { note: 'each URL serves /metrics and /health on a listener of its own (plain http://)' }),
  logging('logger', 'string', 'zap', 'Specify \'zap\' for structured logging or \'capnslog\'.', key('string'), honoured(),
    { note: 'zap (etcd 3.5\'s default): one JSON object a line; capnslog: etcd 3.4\'s text layout' }),
  logging('log-outputs', 'strings', 'default', 'Specify \'stdout\' or \'stderr\' to skip journald logging even when running under systemd, or list of comma separated output targets.', key('[]string'), honoured(),
    { note: 'default/stderr, stdout, file paths (appended); journal is refused (cairn does not speak to journald)' }),
  logging('log-level', 'string', 'info', 'Configures log level. Only supports debug, info, warn, error, panic, or fatal.', key('string'), honoured()),
  logging('enable-log-rotation', 'bool', 'false', 'Enable log rotation of a single log-outputs file target.', key('bool'),
    refused('cairn appends to its log file; rotate it with logrotate\'s copytruncate'), { since: '3.5' }),
  logging('log-rotation-config-json', 'string', '{"maxsize": 100, "maxage": 0, "maxbackups": 0, "localtime": false, "compress": false}',
    'Configures log rotation if enabled with a JSON logger config.', key('string'),
    refused('cairn appends to its log file; rotate it with logrotate\'s copytruncate'), { since: '3.5' }),
];
