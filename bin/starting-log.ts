/**
 * etcd's first server line, "starting an etcd server", with the configuration in force as etcd
 * lists it (its field names; cairn's version and runtime where etcd names Go's), so an operator
 * reading a log sees what the member was started with.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { goDuration, type Logger } from '../engine/logger.js';
import type { ServerConfig } from './flags/server-config.js';
import type { VersionInfo } from './version.js';

/** etcd's `--initial-cluster` text of a parsed cluster: name=url pairs, sorted as etcd's URLsMap prints them. */
function initialClusterText(cluster: ReadonlyMap<string, readonly string[]>): string {
  return [...cluster].flatMap(([name, urls]) => urls.map((url) => `${name}=${url}`)).sort().join(',');
}

/** Logs "starting an etcd server" with `config`. */
export function logStarting(logger: Logger, config: ServerConfig, version: VersionInfo): void {
  const compaction = config.autoCompaction;
  logger.info('starting an etcd server', {
    'etcd-version': version.etcdApiVersion,
    'cairn-version': version.version,
    'git-sha': version.gitSha,
    'node-version': version.nodeVersion,
    'node-os-arch': version.platform,
    'max-cpu-available': availableParallelism(),
    name: config.name,
    'data-dir': config.dataDir,
    'wal-dir': config.walDir,
    'wal-dir-dedicated': config.walDir,
    'member-dir': join(config.dataDir, 'member'),
    'force-new-cluster': false,
    'heartbeat-interval': goDuration(config.heartbeatIntervalMs),
    'election-timeout': goDuration(config.electionTimeoutMs),
    'initial-election-tick-advance': config.initialElectionTickAdvance,
    'snapshot-count': config.snapshotCount,
    'snapshot-catchup-entries': config.snapshotCatchUpEntries,
    'initial-advertise-peer-urls': config.initialAdvertisePeerUrls,
    'listen-peer-urls': config.listenPeerUrls.map((address) => address.url),
    'advertise-client-urls': config.advertiseClientUrls,
    'listen-client-urls': config.listenClientUrls.map((address) => address.url),
    'listen-client-http-urls': config.listenClientHttpUrls.map((address) => address.url),
    cors: config.cors,
    'host-whitelist': config.hostWhitelist,
    'initial-cluster': initialClusterText(config.initialCluster),
    'initial-cluster-state': config.initialClusterState,
    'initial-cluster-token': config.clusterToken,
    'quota-backend-bytes': config.quotaBackendBytes ?? -1,
    'max-request-bytes': config.maxRequestBytes,
    'max-concurrent-streams': config.maxConcurrentStreams,
    'pre-vote': config.preVote,
    'initial-corrupt-check': config.initialCorruptCheck,
    'corrupt-check-time-interval': goDuration(config.corruptCheckIntervalMs),
    'auto-compaction-mode': compaction.mode === 'off' ? 'periodic' : compaction.mode,
    'auto-compaction-retention': compaction.mode === 'periodic' ? goDuration(compaction.retentionMs)
      : compaction.mode === 'revision' ? String(compaction.retentionRevisions) : '0s',
    'warning-apply-duration': goDuration(config.warningApplyDurationMs),
    logger: config.logger,
    'log-level': config.logLevel,
    'log-outputs': config.logOutputs,
  });
}
