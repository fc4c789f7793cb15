#!/usr/bin/env node
/**
 * cairn: the server. Reads etcd's flags (or CAIRN_* environment, or a --config-file) through
 * bin/flags, refuses settings cairn cannot honour, sets up the logger (--logger, --log-level,
 * --log-outputs: etcd's JSON lines by default), starts one cluster member with its gRPC and HTTP
 * endpoints (HTTP on the client URL unless --listen-client-http-urls moves it), prints where it
 * listens on stdout, and shuts down cleanly on SIGINT/SIGTERM.
 * Errors and exit codes follow etcd: 2 when the command line does not parse (with usage), 1 when
 * a check fails, and 1 after a fatal storage fault, logged as one fatal line.
 */
import { CairnServer } from '../net/cairn-server.js';
import { createLineLogger, type ServerLogger } from './log/line-logger.js';
import { openLogSinks } from './log/log-sinks.js';
import { loadServerConfig } from './flags/server-config.js';
import { logStarting } from './starting-log.js';
import { reviewSettings } from './unsupported-settings.js';
import { versionInfo, versionText } from './version.js';

let logger: ServerLogger | null = null;

async function main(): Promise<void> {
  const loaded = loadServerConfig(process.argv.slice(2), process.env);
  switch (loaded.kind) {
    case 'help':
      process.stdout.write(loaded.text);
      return;
    case 'version':
      process.stdout.write(versionText(versionInfo()));
      return;
    case 'error':
      process.stderr.write(`${loaded.error}\n`);
      process.exit(loaded.exitCode);
  }
  const { config, warnings, explicit } = loaded;
  const sinks = openLogSinks(config.logOutputs);
  if (typeof sinks === 'string') refuse(sinks);
  logger = createLineLogger({ kind: config.logger, level: config.logLevel, fds: sinks.fds }, 'etcdmain');
  if (config.configFile !== null) {
    logger.info('loaded server configuration, other configuration command line flags and environment variables will be ignored if provided',
      { path: config.configFile });
  }
  const review = reviewSettings(config, explicit);
  for (const warning of [...warnings, ...review.warnings]) logger.warn(warning);
  if (review.refusal !== null) refuse(review.refusal);
  logStarting(logger.named('embed'), config, versionInfo());
  const client = config.listenClientUrls[0]!;
  const http = config.listenClientHttpUrls[0];
  const peer = config.listenPeerUrls[0]!;
  server = await CairnServer.start({
    name: config.name,
    dataDir: config.dataDir,
    ...(config.walDir !== '' ? { walDir: config.walDir } : {}),
    clientListen: { host: client.host, port: client.port },
    ...(http !== undefined ? { clientHttpListen: { host: http.host, port: http.port } } : {}),
    peerListen: { host: peer.host, port: peer.port },
    advertiseClientUrls: config.advertiseClientUrls,
    initialCluster: config.initialCluster,
    clusterToken: config.clusterToken,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    electionTimeoutMs: config.electionTimeoutMs,
    initialElectionTickAdvance: config.initialElectionTickAdvance,
    preVote: config.preVote,
    strictReconfigCheck: config.strictReconfigCheck,
    maxRequestBytes: config.maxRequestBytes,
    maxTxnOps: config.maxTxnOps,
    grpcKeepAlive: config.grpcKeepAlive,
    maxConcurrentStreams: config.maxConcurrentStreams,
    enableGrpcGateway: config.enableGrpcGateway,
    snapshotCount: config.snapshotCount,
    snapshotCatchUpEntries: config.snapshotCatchUpEntries,
    watchProgressNotifyIntervalMs: config.watchProgressNotifyIntervalMs,
    warningApplyDurationMs: config.warningApplyDurationMs,
    initialCorruptCheck: config.initialCorruptCheck,
    corruptCheckIntervalMs: config.corruptCheckIntervalMs,
    metricsListen: config.listenMetricsUrls.map((address) => ({ host: address.host, port: address.port })),
    metricsExtensive: config.metrics === 'extensive',
    quotaBackendBytes: config.quotaBackendBytes,
    logger,
    initialClusterState: config.initialClusterState,
    // As etcd: a member removed from the cluster stops (with an error exit status).
    onRemoved: () => stop('removal from the cluster', 1),
    onFatal: exitOnFatal,
  });
  const peerAddress = server.wired.network.address();
  process.stdout.write(
    `cairn: member ${server.member.id.toString(16)} (${config.name}), data dir ${config.dataDir}\n` +
    `cairn: serving peer traffic on ${peerAddress.host}:${peerAddress.port}\n` +
    `cairn: serving client requests (gRPC) on ${client.host}:${server.clientPort}\n` +
    `cairn: serving client requests (HTTP: JSON gateway, WebSocket /ws, /health, /metrics) on ${(http ?? client).host}:${server.httpPort}\n` +
    config.listenMetricsUrls.map((address) => `cairn: serving /metrics and /health on ${address.host}:${address.port}\n`).join(''));
  const embed = logger.named('embed');
  embed.info('serving peer traffic', { address: `${peerAddress.host}:${peerAddress.port}` });
  embed.info('serving client traffic insecurely; this is strongly discouraged!', { address: `${client.host}:${server.clientPort}` });
  if (http !== undefined) embed.info('serving client traffic insecurely; this is strongly discouraged!', { address: `${http.host}:${server.httpPort}` });
  for (const address of config.listenMetricsUrls) embed.info('serving metrics', { address: `${address.host}:${address.port}` });
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** A setting cairn cannot honour: etcd's "error verifying flags" line, exit 1. */
function refuse(detail: string): never {
  process.stderr.write(`cairn: error verifying flags, ${detail}. See 'cairn --help'.\n`);
  process.exit(1);
}

let stopping = false;
let server: CairnServer | null = null;

/** Stops the server once (a signal, or this member's removal from the cluster) and exits. */
function stop(reason: string, exitCode = 0): void {
  if (stopping || server === null) return;
  stopping = true;
  const signal = reason.startsWith('SIG');
  process.stdout.write(`cairn: ${signal ? `received ${reason}` : reason}, shutting down\n`);
  if (signal) logger?.named('osutil').info('received signal; shutting down', { signal: reason === 'SIGINT' ? 'interrupt' : 'terminated' });
  server.stop().then(() => {
    logger?.named('embed').info('closed etcd server', { name: server?.name });
    process.exit(exitCode);
  }, (error: Error) => {
    logger?.named('embed').error('error while stopping', { error: error.message });
    process.exit(1);
  });
}

/**
 * A storage fault stopped the member: one fatal line naming the cause, then exit 1 at once, as etcd
 * does after a fatal log. No clean stop first: it would wait on the disk that just failed, and
 * everything acknowledged is already durable (the restarted member replays its WAL).
 */
function exitOnFatal(error: Error): never {
  logger!.named('etcdserver').fatal('storage fault; exiting', { error: error.message });
  process.exit(1);
}

main().catch((error: Error) => {
  if (logger === null) process.stderr.write(`cairn: ${error.message}\n`);
  else logger.named('etcdmain').fatal('failed to start', { error: error.message });
  process.exit(1);
});
