/**
 * argv + environment (+ config file) → a validated ServerConfig, or the error etcd would print.
 * Precedence as etcd: a config file (--config-file or CAIRN_CONFIG_FILE) replaces flags and
 * environment entirely; otherwise a command-line flag beats its CAIRN_* variable, which beats the
 * default. Nothing here prints or exits: bin/cairn prints `error` (then the usage text when
 * `showUsage`) to stderr and exits with `exitCode`, as etcd does (2: argv did not parse or the log
 * level is unknown; 1: every later check). etcd writes its help to stdout and exits 0.
 */
import { readFileSync } from 'node:fs';
import type { LogLevel } from '../log/line-logger.js';
import { fatalError, logLevelError, usageError, verifyError, type ConfigError } from './config-error.js';
import { readConfigFile, type ReadTextFile } from './config-file.js';
import { envName, readEnv } from './env.js';
import { DEFAULT_NAME, LOG_LEVELS, flagSpec } from './flag-table.js';
import { defaultValueOf, type FlagValue } from './flag-value.js';
import { checkLogOutputs } from '../log/log-sinks.js';
import { LOGGER_KINDS, type LoggerKind } from '../log/line-logger.js';
import { goQuote } from './go-values.js';
import { helpText } from './help.js';
import { parseArgs } from './parse-args.js';
import type { ListenAddress } from './urls.js';
import {
  checkAdvertisedPeers, checkBindable, checkClientTls, checkCompactionMode, checkPeerTls, checkTimers,
  parseCompactionRetention, parseInitialCluster, type AutoCompaction, type CompactionMode,
} from './validate.js';

/** etcd's backend quota when --quota-backend-bytes is 0: 2 GiB. */
export const DEFAULT_QUOTA_BACKEND_BYTES = 2 * 1024 ** 3;

/** One listener's TLS material (the client listeners' or the peer listener's). */
export interface TlsSettings {
  certFile: string;
  keyFile: string;
  trustedCaFile: string;
  /** Require the other side to present a certificate signed by trustedCaFile. */
  clientCertAuth: boolean;
  /** Generate a self-signed certificate when certFile/keyFile are not given. */
  autoTls: boolean;
}

export type { LogLevel } from '../log/line-logger.js';

/** Everything the server needs to start one member, validated. */
export interface ServerConfig {
  name: string;
  dataDir: string;
  /** gRPC listeners (etcd v3 API). */
  listenClientUrls: ListenAddress[];
  /** uWS listeners: JSON gateway, WebSocket protocol, /metrics, /health. */
  listenClientHttpUrls: ListenAddress[];
  /** Listeners of /metrics and /health only (--listen-metrics-urls; none by default). */
  listenMetricsUrls: ListenAddress[];
  /** --metrics: 'extensive' adds the gRPC handling-time histograms. */
  metrics: 'basic' | 'extensive';
  advertiseClientUrls: string[];
  listenPeerUrls: ListenAddress[];
  initialAdvertisePeerUrls: string[];
  /** Founding members: name → peer URLs (this member's entry equals initialAdvertisePeerUrls). */
  initialCluster: Map<string, string[]>;
  initialClusterState: 'new' | 'existing';
  /** --initial-cluster-token: mixed into member and cluster ids. */
  clusterToken: string;
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  snapshotCount: number;
  /** How often an idle progress_notify watcher hears the revision (--experimental-watch-progress-notify-interval). */
  watchProgressNotifyIntervalMs: number;
  /** Check this member's store against its peers' before serving clients (--experimental-initial-corrupt-check). */
  initialCorruptCheck: boolean;
  /** Between two corruption checks by the leader; 0 turns them off (--experimental-corrupt-check-time). */
  corruptCheckIntervalMs: number;
  /** Entries kept in the Raft log below a snapshot (etcd 3.6's --experimental-snapshot-catchup-entries). */
  snapshotCatchUpEntries: number;
  /** The NOSPACE threshold; null when the quota is disabled (a negative flag, as etcd). */
  quotaBackendBytes: number | null;
  maxRequestBytes: number;
  maxTxnOps: number;
  autoCompaction: AutoCompaction;
  clientTls: TlsSettings;
  peerTls: TlsSettings;
  logLevel: LogLevel;
  /** --logger: etcd's JSON lines (zap) or its capnslog text lines. */
  logger: LoggerKind;
  /** --log-outputs: 'default', 'stderr', 'stdout' or file paths. */
  logOutputs: string[];
  /** A dedicated WAL directory (--wal-dir), or '' for <data-dir>/member/wal. */
  walDir: string;
  /** Fast-forward the election clock at start so a restarted cluster elects sooner (--initial-election-tick-advance). */
  initialElectionTickAdvance: boolean;
  /** Raft's PreVote phase (--pre-vote). */
  preVote: boolean;
  /** Refuse membership changes that would leave too few started members for a quorum (--strict-reconfig-check). */
  strictReconfigCheck: boolean;
  /** gRPC keepalive: the least time between client pings, and the server's own ping interval and timeout (0 disables). */
  grpcKeepAlive: { minTimeMs: number; intervalMs: number; timeoutMs: number };
  /** HTTP/2 streams one gRPC client connection may have open at once (--max-concurrent-streams). */
  maxConcurrentStreams: number;
  /** Origins allowed to make cross-origin HTTP requests ('*': any) (--cors). */
  cors: string[];
  /** Host headers the HTTP listener accepts ('*': any) (--host-whitelist). */
  hostWhitelist: string[];
  /** An applied batch taking longer than this is logged as "apply request took too long". */
  warningApplyDurationMs: number;
  /** Serve etcd's JSON gateway on the HTTP listener (--enable-grpc-gateway). */
  enableGrpcGateway: boolean;
  /** The config file the values came from, or null when they came from flags and environment. */
  configFile: string | null;
}

/** What loadServerConfig found: a config (with warnings to log), a request for help or version, or an error. */
export type LoadResult =
  | {
    kind: 'config';
    config: ServerConfig;
    /** What to warn about at start (unknown environment variables or config-file keys, shadowed variables). */
    warnings: string[];
    /** Every flag given a value (on the command line, in the environment or the config file), by name. */
    explicit: ReadonlyMap<string, FlagValue>;
  }
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | ConfigError;

/** The flag values in force: set ones, else defaults; `isSet` tells which. */
interface Settings {
  get(name: string): FlagValue;
  isSet(name: string): boolean;
  fromConfigFile: boolean;
  explicit: ReadonlyMap<string, FlagValue>;
}

function settingsOf(values: ReadonlyMap<string, FlagValue>, fromConfigFile: boolean): Settings {
  return {
    get: (name) => values.get(name) ?? defaultValueOf(flagSpec(name)!),
    isSet: (name) => values.has(name),
    fromConfigFile,
    explicit: values,
  };
}

const readUtf8: ReadTextFile = (path) => readFileSync(path, 'utf8');

/**
 * Turns the server's argv (without node and script), its environment and, when named, its config
 * file into a ServerConfig. `readTextFile` is how the config file is read (tests pass their own).
 */
export function loadServerConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, readTextFile: ReadTextFile = readUtf8): LoadResult {
  const args = parseArgs(argv);
  if (args.kind === 'help') return { kind: 'help', text: helpText() };
  if (args.kind === 'error') return usageError(args.message);
  if (args.rest.length > 0) return verifyError(`'${args.rest[0]}' is not a valid flag`);
  if (args.values.get('version') === true) return { kind: 'version' };
  const configFile = (args.values.get('config-file') as string | undefined) || env[envName('config-file')] || '';
  if (configFile !== '') {
    const file = readConfigFile(configFile, readTextFile);
    if (file.kind === 'error') return file.family === 'verify' ? verifyError(file.message) : fatalError(file.message);
    return buildConfig(settingsOf(file.values, true), configFile, file.warnings);
  }
  const fromEnv = readEnv(env, new Set(args.values.keys()));
  if (fromEnv.kind === 'error') return verifyError(fromEnv.message);
  const values = new Map([...fromEnv.values, ...args.values]);
  return buildConfig(settingsOf(values, false), null, fromEnv.warnings);
}

/** The "error verifying flags" checks, in etcd's order; null when all pass. */
function verifyFailure(settings: Settings): ConfigError | null {
  const urls = (name: string): ListenAddress[] => settings.get(name) as ListenAddress[];
  if (!settings.fromConfigFile && settings.isSet('listen-client-urls') && !settings.isSet('advertise-client-urls')) {
    const error = verifyError('--advertise-client-urls is required when --listen-client-urls is set explicitly');
    // etcd adds a second line explaining why.
    error.error += '\nWhen listening on specific address(es), this cairn process must advertise accessible url(s) to each connected client.';
    return error;
  }
  const detail = checkBindable([...urls('listen-peer-urls'), ...urls('listen-client-urls'), ...urls('listen-client-http-urls'),
    ...urls('listen-metrics-urls')])
    ?? checkTimers(settings.get('heartbeat-interval') as bigint, settings.get('election-timeout') as bigint)
    ?? checkCompactionMode(settings.get('auto-compaction-mode') as string);
  return detail === null ? null : verifyError(detail);
}

/** The member's initial cluster as given, or as etcd derives it when no cluster is given. */
function initialClusterOf(settings: Settings, name: string, advertisedPeers: string[]): Map<string, string[]> | string {
  // As etcd: a member named on its own, with no cluster given, founds a cluster of itself.
  return settings.isSet('initial-cluster') || name === DEFAULT_NAME
    ? parseInitialCluster(settings.get('initial-cluster') as string)
    : new Map([[name, advertisedPeers]]);
}

/**
 * etcd's checks in etcd's order (probed: log level, the verify family, listener TLS, cluster
 * parsing, compaction retention, this member's place in the cluster), then the typed config.
 */
function buildConfig(settings: Settings, configFile: string | null, warnings: string[]): LoadResult {
  const text = (name: string): string => settings.get(name) as string;
  const count = (name: string): number => Number(settings.get(name) as bigint);
  const urls = (name: string): ListenAddress[] => settings.get(name) as ListenAddress[];
  if (!(LOG_LEVELS as readonly string[]).includes(text('log-level'))) return logLevelError(text('log-level'));
  if (!(LOGGER_KINDS as readonly string[]).includes(text('logger'))) return verifyError(`unknown logger option ${goQuote(text('logger'))}`);
  const logOutputs = logOutputsOf(settings);
  const outputsFailure = checkLogOutputs(logOutputs, text('logger') as LoggerKind);
  if (outputsFailure !== null) return verifyError(outputsFailure);
  const failure = verifyFailure(settings);
  if (failure !== null) return failure;
  const tlsFailure = checkPeerTls(urls('listen-peer-urls'), hasCertificate(settings, 'peer-'))
    ?? checkClientTls([...urls('listen-client-urls'), ...urls('listen-client-http-urls')], hasCertificate(settings, ''));
  if (tlsFailure !== null) return fatalError(tlsFailure);
  const name = text('name');
  const advertisedPeers = urls('initial-advertise-peer-urls').map((address) => address.url);
  const initialCluster = initialClusterOf(settings, name, advertisedPeers);
  if (typeof initialCluster === 'string') return fatalError(initialCluster);
  const autoCompaction = parseCompactionRetention(text('auto-compaction-mode') as CompactionMode, text('auto-compaction-retention'));
  if (typeof autoCompaction === 'string') return fatalError(autoCompaction);
  if (!initialCluster.has(name)) return fatalError(`couldn't find local name ${goQuote(name)} in the initial cluster configuration`);
  const mismatch = checkAdvertisedPeers(name, initialCluster, advertisedPeers);
  if (mismatch !== null) return fatalError(mismatch);
  const quota = count('quota-backend-bytes');
  const config: ServerConfig = {
    name,
    dataDir: settings.isSet('data-dir') ? text('data-dir') : `${name}.cairn`,
    listenClientUrls: urls('listen-client-urls'),
    listenClientHttpUrls: urls('listen-client-http-urls'),
    listenMetricsUrls: urls('listen-metrics-urls'),
    metrics: text('metrics') as 'basic' | 'extensive',
    advertiseClientUrls: urls('advertise-client-urls').map((address) => address.url),
    listenPeerUrls: urls('listen-peer-urls'),
    initialAdvertisePeerUrls: advertisedPeers,
    initialCluster,
    initialClusterState: text('initial-cluster-state') as 'new' | 'existing',
    clusterToken: text('initial-cluster-token'),
    heartbeatIntervalMs: count('heartbeat-interval'),
    electionTimeoutMs: count('election-timeout'),
    snapshotCount: count('snapshot-count'),
    snapshotCatchUpEntries: count('experimental-snapshot-catchup-entries'),
    initialCorruptCheck: settings.get('experimental-initial-corrupt-check') as boolean,
    corruptCheckIntervalMs: durationMs(settings, 'experimental-corrupt-check-time'),
    watchProgressNotifyIntervalMs: durationMs(settings, 'experimental-watch-progress-notify-interval'),
    quotaBackendBytes: quota < 0 ? null : quota === 0 ? DEFAULT_QUOTA_BACKEND_BYTES : quota,
    maxRequestBytes: count('max-request-bytes'),
    maxTxnOps: count('max-txn-ops'),
    autoCompaction,
    clientTls: tlsOf(settings, ''),
    peerTls: tlsOf(settings, 'peer-'),
    logLevel: settings.get('debug') === true ? 'debug' : text('log-level') as LogLevel,
    logger: text('logger') as LoggerKind,
    logOutputs,
    walDir: text('wal-dir'),
    initialElectionTickAdvance: settings.get('initial-election-tick-advance') as boolean,
    preVote: settings.get('pre-vote') as boolean,
    strictReconfigCheck: settings.get('strict-reconfig-check') as boolean,
    grpcKeepAlive: {
      minTimeMs: durationMs(settings, 'grpc-keepalive-min-time'),
      intervalMs: durationMs(settings, 'grpc-keepalive-interval'),
      timeoutMs: durationMs(settings, 'grpc-keepalive-timeout'),
    },
    maxConcurrentStreams: count('max-concurrent-streams'),
    cors: settings.get('cors') as string[],
    hostWhitelist: settings.get('host-whitelist') as string[],
    warningApplyDurationMs: durationMs(settings, 'experimental-warning-apply-duration'),
    enableGrpcGateway: settings.get('enable-grpc-gateway') as boolean,
    configFile,
  };
  return { kind: 'config', config, warnings, explicit: settings.explicit };
}

function durationMs(settings: Settings, name: string): number {
  return (settings.get(name) as { durationNs: number }).durationNs / 1e6;
}

/** --log-outputs, or etcd 3.4's older --log-output when only that one is set. */
function logOutputsOf(settings: Settings): string[] {
  const name = !settings.isSet('log-outputs') && settings.isSet('log-output') ? 'log-output' : 'log-outputs';
  return settings.get(name) as string[];
}

function tlsOf(settings: Settings, prefix: '' | 'peer-'): TlsSettings {
  return {
    certFile: settings.get(`${prefix}cert-file`) as string,
    keyFile: settings.get(`${prefix}key-file`) as string,
    trustedCaFile: settings.get(`${prefix}trusted-ca-file`) as string,
    clientCertAuth: settings.get(`${prefix}client-cert-auth`) as boolean,
    autoTls: settings.get(`${prefix}auto-tls`) as boolean,
  };
}

/** A listener can serve TLS with a cert/key pair, or with auto-tls generating one. */
function hasCertificate(settings: Settings, prefix: '' | 'peer-'): boolean {
  const tls = tlsOf(settings, prefix);
  return (tls.certFile !== '' && tls.keyFile !== '') || tls.autoTls;
}
