/**
 * The cairn server's flags: etcd's names, defaults and error wording (Go's flag package as etcd
 * uses it), for the flags the server implements today. A flag etcd has but cairn does not
 * implement yet is refused as undefined rather than accepted and ignored.
 *
 * Go flag semantics: `-flag` or `--flag`, `--flag=value` or `--flag value`; parsing stops at
 * `--` or the first non-flag argument, which etcd then rejects ("'x' is not a valid flag").
 * Exit codes as etcd: 2 for a flag that does not parse, 1 for a failed cross-flag check.
 */

export interface ServerFlags {
  name: string;
  dataDir: string;
  listenClientUrls: string[];
  advertiseClientUrls: string[];
  listenPeerUrls: string[];
  initialAdvertisePeerUrls: string[];
  initialCluster: Map<string, string[]>;
  initialClusterToken: string;
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  maxRequestBytes: number;
  maxTxnOps: number;
}

export type ParsedFlags =
  | { kind: 'flags'; flags: ServerFlags }
  | { kind: 'help' }
  | { kind: 'error'; message: string; exitCode: number };

type FlagKind = 'string' | 'urls' | 'uint' | 'state';

interface FlagSpec {
  kind: FlagKind;
  defaultValue: string;
  help: string;
}

const DEFAULT_NAME = 'default';
const DEFAULT_INITIAL_CLUSTER = 'default=http://localhost:2380';
/** etcd refuses election timeouts of 50 s or more. */
const ELECTION_TIMEOUT_MS_MAX = 50_000;

const FLAGS: Readonly<Record<string, FlagSpec>> = {
  'name': { kind: 'string', defaultValue: DEFAULT_NAME, help: 'Human-readable name of this member.' },
  'data-dir': { kind: 'string', defaultValue: '${name}.cairn', help: 'Directory of this member\'s WAL and MVCC store.' },
  'listen-client-urls': { kind: 'urls', defaultValue: 'http://localhost:2379', help: 'URL to serve etcd\'s gRPC API on (port 0: any free port).' },
  'advertise-client-urls': { kind: 'urls', defaultValue: 'http://localhost:2379', help: 'Client URLs this member tells the cluster about.' },
  'listen-peer-urls': { kind: 'urls', defaultValue: 'http://localhost:2380', help: 'URL to accept Raft traffic from other members on.' },
  'initial-advertise-peer-urls': { kind: 'urls', defaultValue: 'http://localhost:2380', help: 'Peer URLs of this member, as named in --initial-cluster.' },
  'initial-cluster': { kind: 'string', defaultValue: DEFAULT_INITIAL_CLUSTER, help: 'The founding members: name=peerURL,... .' },
  'initial-cluster-state': { kind: 'state', defaultValue: 'new', help: 'new (found a cluster). Joining an existing cluster is not supported yet.' },
  'initial-cluster-token': { kind: 'string', defaultValue: 'etcd-cluster', help: 'Distinguishes clusters founded from the same member list.' },
  'heartbeat-interval': { kind: 'uint', defaultValue: '100', help: 'Milliseconds between a leader\'s heartbeats.' },
  'election-timeout': { kind: 'uint', defaultValue: '1000', help: 'Milliseconds without a leader before a member campaigns.' },
  'max-request-bytes': { kind: 'uint', defaultValue: '1572864', help: 'Largest client request accepted, in bytes.' },
  'max-txn-ops': { kind: 'uint', defaultValue: '128', help: 'Most operations allowed in one transaction.' },
};

export const SERVER_USAGE = [
  'Usage:',
  '',
  '  cairn [flags]',
  '    Start a cairn server (one member of a cluster).',
  '',
  '  cairn -h | --help',
  '    Show this help.',
  '',
  'Flags:',
  ...Object.entries(FLAGS).flatMap(([name, spec]) => [`  --${name} '${spec.defaultValue}'`, `    ${spec.help}`]),
  '',
].join('\n');

const URL_SCHEMES = new Set(['http:', 'https:', 'unix:', 'unixs:']);

/** Checks a comma-separated URL list the way etcd's URLsValue does; returns an error text or null. */
function checkUrls(value: string): string | null {
  for (const item of value.split(',')) {
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      return `URL scheme must be http, https, unix, or unixs: ${item}`;
    }
    if (!URL_SCHEMES.has(url.protocol)) return `URL scheme must be http, https, unix, or unixs: ${item}`;
    if (url.pathname !== '' && url.pathname !== '/') return `URL must not contain a path: ${item}`;
    if (url.port === '' && url.protocol.startsWith('http')) return `URL address does not have the form "host:port": ${item}`;
  }
  return null;
}

/** Parses `name=url,name=url` (a name may repeat with more URLs). */
function parseInitialCluster(value: string): Map<string, string[]> | string {
  const cluster = new Map<string, string[]>();
  for (const item of value.split(',')) {
    const at = item.indexOf('=');
    if (at <= 0) return `invalid value "${value}" for flag -initial-cluster: missing "=" in ${item}`;
    const name = item.slice(0, at);
    const url = item.slice(at + 1);
    const invalid = checkUrls(url);
    if (invalid !== null) return `invalid value "${value}" for flag -initial-cluster: ${invalid}`;
    cluster.set(name, [...(cluster.get(name) ?? []), url]);
  }
  return cluster;
}

function parseError(message: string): ParsedFlags {
  return { kind: 'error', message, exitCode: 2 };
}

function verifyError(detail: string): ParsedFlags {
  return { kind: 'error', message: `cairn: error verifying flags, ${detail}. See 'cairn --help'.`, exitCode: 1 };
}

/** Reads argv into raw flag values with Go's flag rules; returns them or an error. */
function readArgs(argv: readonly string[]): Map<string, string> | ParsedFlags {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      if (i + 1 < argv.length) return verifyError(`'${argv[i + 1]}' is not a valid flag`);
      break;
    }
    if (!arg.startsWith('-') || arg === '-') return verifyError(`'${arg}' is not a valid flag`);
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    if (name === 'h' || name === 'help') return { kind: 'help' };
    const spec = FLAGS[name];
    if (spec === undefined) return parseError(`flag provided but not defined: -${name}`);
    let value: string;
    if (eq >= 0) {
      value = body.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length) return parseError(`flag needs an argument: -${name}`);
      value = argv[++i]!;
    }
    const invalid = checkValue(spec.kind, value);
    if (invalid !== null) return parseError(`invalid value "${value}" for flag -${name}: ${invalid}`);
    values.set(name, value);
  }
  return values;
}

function checkValue(kind: FlagKind, value: string): string | null {
  switch (kind) {
    case 'uint': return /^\d+$/.test(value) && Number.isSafeInteger(Number(value)) ? null : 'parse error';
    case 'urls': return checkUrls(value);
    case 'state': return value === 'new' || value === 'existing' ? null : 'invalid value';
    case 'string': return null;
  }
}

/** Parses the server's command line into flags, help, or an error worded as etcd words it. */
export function parseServerFlags(argv: readonly string[]): ParsedFlags {
  const values = readArgs(argv);
  if (!(values instanceof Map)) return values;
  const get = (name: string): string => values.get(name) ?? FLAGS[name]!.defaultValue;
  const name = get('name');
  const advertisePeer = get('initial-advertise-peer-urls');
  // As etcd: naming a member without naming the cluster founds a one-member cluster of it.
  const clusterText = values.has('initial-cluster') || name === DEFAULT_NAME ? get('initial-cluster') : `${name}=${advertisePeer}`;
  const initialCluster = parseInitialCluster(clusterText);
  if (typeof initialCluster === 'string') return parseError(initialCluster);
  const heartbeatIntervalMs = Number(get('heartbeat-interval'));
  const electionTimeoutMs = Number(get('election-timeout'));
  if (heartbeatIntervalMs === 0) return verifyError('--heartbeat-interval must be > 0 (set to 0ms)');
  if (5 * heartbeatIntervalMs > electionTimeoutMs) {
    return verifyError(`--election-timeout[${electionTimeoutMs}ms] should be at least as 5 times as --heartbeat-interval[${heartbeatIntervalMs}ms]`);
  }
  if (electionTimeoutMs > ELECTION_TIMEOUT_MS_MAX) {
    return verifyError(`--election-timeout[${electionTimeoutMs}ms] is too long, and should be set less than ${ELECTION_TIMEOUT_MS_MAX}ms`);
  }
  if (get('initial-cluster-state') === 'existing') {
    return verifyError('--initial-cluster-state=existing is not supported yet (members cannot join a running cluster)');
  }
  if (!initialCluster.has(name)) {
    return { kind: 'error', message: `cairn: couldn't find local name "${name}" in the initial cluster configuration`, exitCode: 1 };
  }
  const flags: ServerFlags = {
    name,
    dataDir: values.get('data-dir') ?? `${name}.cairn`,
    listenClientUrls: get('listen-client-urls').split(','),
    advertiseClientUrls: get('advertise-client-urls').split(','),
    listenPeerUrls: get('listen-peer-urls').split(','),
    initialAdvertisePeerUrls: advertisePeer.split(','),
    initialCluster,
    initialClusterToken: get('initial-cluster-token'),
    heartbeatIntervalMs,
    electionTimeoutMs,
    maxRequestBytes: Number(get('max-request-bytes')),
    maxTxnOps: Number(get('max-txn-ops')),
  };
  return { kind: 'flags', flags };
}
