/**
 * Every flag `cairn` accepts, declared once: the argv parser, the environment reader, the config
 * file reader and the help text all walk this table. Names and defaults are etcd's, except the
 * data directory (`<name>.cairn`).
 */

/**
 * How a flag's text becomes a value, as Go's flag package types them in etcd: `uint` and `int64`
 * follow strconv (base prefixes allowed), `bool` takes no separate argument, `urls` is a
 * comma-separated URL list, `choice` must be one of `choices`, `duration` is a Go duration (`10m`).
 */
export type FlagType = 'string' | 'uint' | 'int64' | 'bool' | 'urls' | 'choice' | 'duration';

/** Go field types of etcd's config-file struct; they name the type in a config-file type error. */
export type GoFieldType = 'string' | 'uint' | 'uint64' | 'int64' | 'bool';

/** Help-text sections, in the order they are printed. */
export const HELP_GROUPS = ['Member', 'Clustering', 'Security', 'Logging'] as const;
/** One help-text section. */
export type HelpGroup = (typeof HELP_GROUPS)[number];

/** Where a TLS flag lives in the config file (etcd nests them under *-transport-security). */
export type TlsSection = 'client-transport-security' | 'peer-transport-security';

/** One flag's declaration. */
export interface FlagSpec {
  name: string;
  type: FlagType;
  /** The default as etcd prints it in help, parsed by the same rules as a user's value. */
  defaultValue: string;
  group: HelpGroup;
  description: string;
  /** Go type of the matching config-file field, or null for flags the config file does not hold. */
  configType: GoFieldType | null;
  /** For TLS flags: the config-file section and key, since the key drops the `peer-` prefix. */
  tls?: { section: TlsSection; key: string };
  choices?: readonly string[];
}

/** etcd's default member name; a cluster left at defaults is one member of this name. */
export const DEFAULT_NAME = 'default';
/** The data directory's default: the name, with cairn's suffix where etcd uses `.etcd`. */
export const DEFAULT_DATA_DIR = '${name}.cairn';
/** The cluster's default founding list, the same as etcd's. */
export const DEFAULT_INITIAL_CLUSTER = 'default=http://localhost:2380';
/** The log levels etcd 3.4 accepts. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'panic', 'fatal'] as const;

function tlsFlags(prefix: '' | 'peer-', section: TlsSection, who: string): FlagSpec[] {
  const flag = (key: string, type: 'string' | 'bool', defaultValue: string, description: string): FlagSpec => ({
    name: `${prefix}${key}`, type, defaultValue, group: 'Security', description,
    configType: type, tls: { section, key },
  });
  return [
    flag('cert-file', 'string', '', `Certificate file presented to ${who}.`),
    flag('key-file', 'string', '', `Private key of the ${who} certificate.`),
    flag('client-cert-auth', 'bool', 'false', `Require ${who} to present a certificate signed by the trusted CA.`),
    flag('trusted-ca-file', 'string', '', `CA bundle that ${who} certificates must chain to.`),
    flag('auto-tls', 'bool', 'false', `Generate a self-signed certificate for ${who} when no cert/key is given.`),
  ];
}

/** All flags, in help order within each group. */
export const FLAG_TABLE: readonly FlagSpec[] = [
  { name: 'name', type: 'string', defaultValue: DEFAULT_NAME, group: 'Member', configType: 'string', description: 'This member\'s name, unique in the cluster.' },
  { name: 'data-dir', type: 'string', defaultValue: DEFAULT_DATA_DIR, group: 'Member', configType: 'string', description: 'Directory holding this member\'s WAL and MVCC store.' },
  { name: 'snapshot-count', type: 'uint', defaultValue: '100000', group: 'Member', configType: 'uint64', description: 'Applied entries between two Raft snapshots.' },
  { name: 'experimental-watch-progress-notify-interval', type: 'duration', defaultValue: '10m0s', group: 'Member', configType: null, description: 'Duration of periodic watch progress notifications.' },
  { name: 'experimental-snapshot-catchup-entries', type: 'uint', defaultValue: '5000', group: 'Member', configType: 'uint64', description: 'Raft log entries kept below a snapshot for slow followers to catch up from.' },
  { name: 'experimental-initial-corrupt-check', type: 'bool', defaultValue: 'false', group: 'Member', configType: 'bool', description: 'Enable to check data corruption before serving any client/peer traffic.' },
  { name: 'experimental-corrupt-check-time', type: 'duration', defaultValue: '0s', group: 'Member', configType: null, description: 'Duration of time between cluster corruption check passes.' },
  { name: 'heartbeat-interval', type: 'uint', defaultValue: '100', group: 'Member', configType: 'uint', description: 'Milliseconds between two heartbeats of a leader.' },
  { name: 'election-timeout', type: 'uint', defaultValue: '1000', group: 'Member', configType: 'uint', description: 'Milliseconds without a leader before a follower campaigns.' },
  { name: 'listen-peer-urls', type: 'urls', defaultValue: 'http://localhost:2380', group: 'Member', configType: 'string', description: 'URLs on which to accept Raft traffic from other members.' },
  { name: 'listen-client-urls', type: 'urls', defaultValue: 'http://localhost:2379', group: 'Member', configType: 'string', description: 'URLs on which to serve the etcd v3 gRPC API and, unless --listen-client-http-urls is set, HTTP (JSON gateway, WebSocket API, /metrics, /health).' },
  { name: 'listen-client-http-urls', type: 'urls', defaultValue: '', group: 'Member', configType: 'string', description: 'URLs on which to serve HTTP only (JSON gateway, WebSocket API, /metrics, /health, /livez, /readyz, /version). Enabling this flag removes HTTP services from --listen-client-urls.' },
  { name: 'quota-backend-bytes', type: 'int64', defaultValue: '0', group: 'Member', configType: 'int64', description: 'Store size that raises the NOSPACE alarm (0: 2 GiB, negative: no quota).' },
  { name: 'max-txn-ops', type: 'uint', defaultValue: '128', group: 'Member', configType: 'uint', description: 'Most operations one transaction may hold.' },
  { name: 'max-request-bytes', type: 'uint', defaultValue: '1572864', group: 'Member', configType: 'uint', description: 'Largest client request accepted, in bytes.' },
  { name: 'initial-advertise-peer-urls', type: 'urls', defaultValue: 'http://localhost:2380', group: 'Clustering', configType: 'string', description: 'Peer URLs of this member as the other members reach it.' },
  { name: 'initial-cluster', type: 'string', defaultValue: DEFAULT_INITIAL_CLUSTER, group: 'Clustering', configType: 'string', description: 'Founding members as name=peerURL,... (a name may repeat).' },
  { name: 'initial-cluster-state', type: 'choice', defaultValue: 'new', group: 'Clustering', configType: 'string', choices: ['new', 'existing'], description: 'new to found a cluster, existing to join one.' },
  { name: 'initial-cluster-token', type: 'string', defaultValue: 'etcd-cluster', group: 'Clustering', configType: 'string', description: 'Token that keeps clusters founded from the same member list apart.' },
  { name: 'advertise-client-urls', type: 'urls', defaultValue: 'http://localhost:2379', group: 'Clustering', configType: 'string', description: 'Client URLs of this member as clients reach it.' },
  { name: 'auto-compaction-retention', type: 'string', defaultValue: '0', group: 'Clustering', configType: 'string', description: 'History kept by auto compaction: hours or a duration (periodic), revisions (revision); 0 disables it.' },
  { name: 'auto-compaction-mode', type: 'string', defaultValue: 'periodic', group: 'Clustering', configType: 'string', description: 'How to read --auto-compaction-retention: periodic or revision.' },
  ...tlsFlags('', 'client-transport-security', 'clients'),
  ...tlsFlags('peer-', 'peer-transport-security', 'peers'),
  { name: 'log-level', type: 'string', defaultValue: 'info', group: 'Logging', configType: 'string', description: `Least severe level logged: ${LOG_LEVELS.join(', ')}.` },
  { name: 'config-file', type: 'string', defaultValue: '', group: 'Member', configType: null, description: 'YAML file to read the configuration from; flags and environment are then ignored.' },
  { name: 'version', type: 'bool', defaultValue: 'false', group: 'Member', configType: null, description: 'Print the version and exit.' },
];

const FLAGS_BY_NAME: ReadonlyMap<string, FlagSpec> = new Map(FLAG_TABLE.map((spec) => [spec.name, spec]));

/** The flag of this name, or undefined when cairn has no such flag. */
export function flagSpec(name: string): FlagSpec | undefined {
  return FLAGS_BY_NAME.get(name);
}
