#!/usr/bin/env node
/**
 * cairn: the server. Takes etcd's flag names (see bin/server-flags.ts), starts one cluster member
 * with its gRPC endpoint, prints where it listens, and shuts down cleanly on SIGINT/SIGTERM.
 */
import { CairnServer, addressOfUrl } from '../net/cairn-server.js';
import { parseServerFlags, SERVER_USAGE } from './server-flags.js';

async function main(): Promise<void> {
  const parsed = parseServerFlags(process.argv.slice(2));
  if (parsed.kind === 'help') {
    process.stdout.write(SERVER_USAGE);
    return;
  }
  if (parsed.kind === 'error') {
    process.stderr.write(`${parsed.message}\n`);
    process.exit(parsed.exitCode);
  }
  const flags = parsed.flags;
  const server = await CairnServer.start({
    name: flags.name,
    dataDir: flags.dataDir,
    clientListen: addressOfUrl(flags.listenClientUrls[0]!),
    peerListen: addressOfUrl(flags.listenPeerUrls[0]!),
    advertiseClientUrls: flags.advertiseClientUrls,
    initialCluster: flags.initialCluster,
    clusterToken: flags.initialClusterToken,
    heartbeatIntervalMs: flags.heartbeatIntervalMs,
    electionTimeoutMs: flags.electionTimeoutMs,
    maxRequestBytes: flags.maxRequestBytes,
    maxTxnOps: flags.maxTxnOps,
  });
  const peer = server.member.peerAddress();
  process.stdout.write(
    `cairn: member ${server.member.id.toString(16)} (${flags.name}) data dir ${flags.dataDir}\n` +
    `cairn: serving peer traffic on ${peer.host}:${peer.port}\n` +
    `cairn: serving client requests (gRPC) on ${addressOfUrl(flags.listenClientUrls[0]!).host}:${server.grpc.port}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`cairn: received ${signal}, shutting down\n`);
    server.stop().then(() => process.exit(0), (error: Error) => {
      process.stderr.write(`cairn: error while stopping: ${error.message}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: Error) => {
  process.stderr.write(`cairn: ${error.message}\n`);
  process.exit(1);
});
