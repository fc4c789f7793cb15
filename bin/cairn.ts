#!/usr/bin/env node
/**
 * cairn: the server. Reads etcd's flags (or CAIRN_* environment, or a --config-file) through
 * bin/flags, refuses settings whose features are not built yet, starts one cluster member with
 * its gRPC and HTTP endpoints (HTTP on the client URL unless --listen-client-http-urls moves it),
 * prints where it listens, and shuts down cleanly on SIGINT/SIGTERM.
 * Errors and exit codes follow etcd: 2 when the command line does not parse (with usage), 1 when
 * a check fails, and 1 after a fatal storage fault (disk full or failing), logged in one line.
 */
import { readFileSync } from 'node:fs';
import { CairnServer } from '../net/cairn-server.js';
import { loadServerConfig } from './flags/server-config.js';
import { unsupportedSetting } from './unsupported-settings.js';

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function main(): Promise<void> {
  const loaded = loadServerConfig(process.argv.slice(2), process.env);
  switch (loaded.kind) {
    case 'help':
      process.stdout.write(loaded.text);
      return;
    case 'version':
      process.stdout.write(`cairn Version: ${PACKAGE_VERSION}\netcd API Version: 3.4\nNode.js Version: ${process.version}\n`);
      return;
    case 'error':
      process.stderr.write(`${loaded.error}\n`);
      process.exit(loaded.exitCode);
  }
  const { config, warnings } = loaded;
  for (const warning of warnings) process.stderr.write(`cairn: warning: ${warning}\n`);
  const unsupported = unsupportedSetting(config);
  if (unsupported !== null) {
    process.stderr.write(`cairn: error verifying flags, ${unsupported}. See 'cairn --help'.\n`);
    process.exit(1);
  }
  const client = config.listenClientUrls[0]!;
  const http = config.listenClientHttpUrls[0];
  const peer = config.listenPeerUrls[0]!;
  server = await CairnServer.start({
    name: config.name,
    dataDir: config.dataDir,
    clientListen: { host: client.host, port: client.port },
    ...(http !== undefined ? { clientHttpListen: { host: http.host, port: http.port } } : {}),
    peerListen: { host: peer.host, port: peer.port },
    advertiseClientUrls: config.advertiseClientUrls,
    initialCluster: config.initialCluster,
    clusterToken: config.clusterToken,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    electionTimeoutMs: config.electionTimeoutMs,
    maxRequestBytes: config.maxRequestBytes,
    maxTxnOps: config.maxTxnOps,
    snapshotCount: config.snapshotCount,
    snapshotCatchUpEntries: config.snapshotCatchUpEntries,
    watchProgressNotifyIntervalMs: config.watchProgressNotifyIntervalMs,
    initialCorruptCheck: config.initialCorruptCheck,
    corruptCheckIntervalMs: config.corruptCheckIntervalMs,
    log: (line) => process.stderr.write(`cairn: ${line}\n`),
    initialClusterState: config.initialClusterState,
    // As etcd: a member removed from the cluster stops (with an error exit status).
    onRemoved: () => stop('removal from the cluster', 1),
    onFatal: exitOnFatal,
  });
  const peerAddress = server.member.peerAddress();
  process.stdout.write(
    `cairn: member ${server.member.id.toString(16)} (${config.name}), data dir ${config.dataDir}\n` +
    `cairn: serving peer traffic on ${peerAddress.host}:${peerAddress.port}\n` +
    `cairn: serving client requests (gRPC) on ${client.host}:${server.clientPort}\n` +
    `cairn: serving client requests (HTTP: JSON gateway, WebSocket /ws, /health, /metrics) on ${(http ?? client).host}:${server.httpPort}\n`);
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

let stopping = false;
let server: CairnServer | null = null;

/** Stops the server once (a signal, or this member's removal from the cluster) and exits. */
function stop(reason: string, exitCode = 0): void {
  if (stopping || server === null) return;
  stopping = true;
  process.stdout.write(`cairn: ${reason.startsWith('SIG') ? `received ${reason}` : reason}, shutting down\n`);
  server.stop().then(() => process.exit(exitCode), (error: Error) => {
    process.stderr.write(`cairn: error while stopping: ${error.message}\n`);
    process.exit(1);
  });
}

/**
 * A storage fault stopped the member: one line naming the cause, then exit 1 at once, as etcd
 * does after a fatal log. No clean stop first: it would wait on the disk that just failed, and
 * everything acknowledged is already durable (the restarted member replays its WAL).
 */
function exitOnFatal(error: Error): never {
  process.stderr.write(`cairn: fatal: ${error.message}; exiting\n`);
  process.exit(1);
}

main().catch((error: Error) => {
  process.stderr.write(`cairn: ${error.message}\n`);
  process.exit(1);
});
