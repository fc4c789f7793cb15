/**
 * One cairn server process: a cluster member and the endpoints clients reach it on. It derives
 * member and cluster ids from the initial cluster the way etcd does (every member computes the
 * same ids on its own), starts the member, opens a main-thread reader on its MVCC store, builds
 * the member's one EtcdServer (engine/server/) and hands it to every transport: etcd's gRPC API
 * and the HTTP app (JSON gateway, WebSocket protocol, health endpoints, /metrics). As etcd: both
 * on the client URL, or, with --listen-client-http-urls, HTTP there and only gRPC on the client URL.
 * With the corruption checks on, it compares its store with its peers' before serving (and refuses
 * to start when it differs), and checks the cluster every interval while it leads.
 */
import { ETCD_API_VERSION } from '../engine/node/cluster-members.js';
import { ClusterMembership } from '../engine/node/membership.js';
import { resolveIdentity, type MembersAnswer } from './member-identity.js';
import type { Member } from '../engine/node/member.js';
import { attachWiredServices, closeWiredServices, startMember, type WiredMember, type WiredServices } from './member-wiring.js';
import type { MemberAttributes } from '../engine/mvcc/members.js';
import { MvccReader } from '../engine/mvcc/store.js';
import { EtcdServer } from '../engine/server/etcd-server.js';
import { membersWithOwnAttributes } from '../engine/server/cluster-server.js';
import type { PeerAddress } from './peer/peer-sender.js';
import { GrpcEndpoint } from './grpc/grpc-server.js';
import { ClientListener } from './client-listener.js';
import { registerGateway } from './http/gateway-endpoint.js';
import { HttpApp } from './http/http-app.js';
import { serveMetrics } from './http/metrics/metrics-endpoint.js';
import { checkInitialHashKV, type CorruptionCheckPorts } from '../engine/node/corruption-check.js';
import { CorruptionMonitor, memberCheckPorts } from '../engine/node/corruption-monitor.js';
import { peerHashesOverGrpc } from './grpc/peer-hashes.js';
import { goDuration, SILENT_LOGGER, type Logger } from '../engine/logger.js';
import type { GrpcTransportSettings } from './grpc/grpc-server.js';

export interface ServerOptions {
  name: string;
  dataDir: string;
  /** Where clients connect (--listen-client-urls): gRPC, and HTTP too unless `clientHttpListen` is given; port 0 picks a free port. */
  clientListen: PeerAddress;
  /** Where the HTTP app listens instead of the client URL (--listen-client-http-urls); port 0 picks a free port. */
  clientHttpListen?: PeerAddress;
  /** Where Raft peers connect (--listen-peer-urls). */
  peerListen: PeerAddress;
  /** This member's client URLs as clients should use them (--advertise-client-urls). */
  advertiseClientUrls: string[];
  /** Every founding member's name and peer URLs (--initial-cluster). */
  initialCluster: ReadonlyMap<string, readonly string[]>;
  clusterToken: string;
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  maxRequestBytes: number;
  maxTxnOps: number;
  /** Applied entries between Raft snapshots (--snapshot-count; 0 means etcd's default). */
  snapshotCount?: number;
  /** Raft log entries kept below a snapshot for slow followers. */
  snapshotCatchUpEntries?: number;
  /** Where the server and its member log events (etcd's messages); silent when absent. */
  logger?: Logger;
  /** A dedicated WAL directory (--wal-dir). */
  walDir?: string;
  /** --initial-election-tick-advance (etcd: on). */
  initialElectionTickAdvance?: boolean;
  /** --pre-vote (on unless false). */
  preVote?: boolean;
  /** --strict-reconfig-check (on unless false). */
  strictReconfigCheck?: boolean;
  /** --grpc-keepalive-min-time, -interval and -timeout. */
  grpcKeepAlive?: GrpcTransportSettings['keepAlive'];
  /** --max-concurrent-streams. */
  maxConcurrentStreams?: number;
  /** --enable-grpc-gateway: serve etcd's JSON gateway on the HTTP listener (on unless false). */
  enableGrpcGateway?: boolean;
  /** --experimental-warning-apply-duration. */
  warningApplyDurationMs?: number;
  /** 'new' founds the cluster; 'existing' joins a running one (added first with MemberAdd). */
  initialClusterState?: 'new' | 'existing';
  /** Called once this member applied its own removal from the cluster. */
  onRemoved?: () => void;
  /**
   * Called once when a storage fault (disk full or failing, a worker died) stopped the member for
   * good; the server has already stopped taking requests. bin/cairn.ts logs it and exits 1, as etcd does.
   */
  onFatal?: (error: Error) => void;
  /** How often a progress_notify watcher that saw no event hears the revision (etcd: 10 minutes). */
  watchProgressNotifyIntervalMs?: number;
  /** Compare this member's store with its peers' before serving clients (--experimental-initial-corrupt-check). */
  initialCorruptCheck?: boolean;
  /** Between two corruption checks by the leader; 0 or absent turns them off (--experimental-corrupt-check-time). */
  corruptCheckIntervalMs?: number;
  /** Where /metrics and /health are served on listeners of their own (--listen-metrics-urls). */
  metricsListen?: PeerAddress[];
  /** --metrics extensive: also time every gRPC call (grpc_server_handling_seconds). */
  metricsExtensive?: boolean;
  /** The NOSPACE threshold as configured (null: disabled), shown as etcd_server_quota_backend_bytes. */
  quotaBackendBytes?: number | null;
}

/** The cluster version as etcd names it in logs ("3.4"). */
const CLUSTER_VERSION = ETCD_API_VERSION.split('.').slice(0, 2).join('.');

/** How long to wait before publishing this member's attributes again after a failed attempt. */
const PUBLISH_RETRY_MS = 500;

export class CairnServer {
  private stopping: Promise<void> | null = null;
  /** Closes the --listen-metrics-urls listeners and stops the runtime samplers. */
  private stopMetrics = (): Promise<void> => Promise.resolve();
  private corruptionMonitor: CorruptionMonitor | null = null;

  private constructor(
    readonly wired: WiredMember,
    private readonly reader: MvccReader,
    readonly services: WiredServices,
    /** The one etcd server API every transport of this process answers with. */
    readonly etcd: EtcdServer,
    private readonly grpc: GrpcEndpoint,
    private readonly http: HttpApp,
    private readonly clientListener: ClientListener,
    /** Whether HTTP has a port of its own (--listen-client-http-urls) rather than the client URL's. */
    private readonly httpApart: boolean,
    readonly name: string,
    private readonly logger: Logger,
  ) {}

  get member(): Member {
    return this.wired.member;
  }

  /** The client URL's port: gRPC, and HTTP unless it has a port of its own. */
  get clientPort(): number {
    return this.clientListener.port;
  }

  /** Where HTTP is served: the port of --listen-client-http-urls, else the client URL's. */
  get httpPort(): number {
    return this.httpApart ? this.http.port : this.clientListener.port;
  }

  static async start(options: ServerOptions): Promise<CairnServer> {
    const self = options.initialCluster.get(options.name);
    if (self === undefined) throw new Error(`couldn't find local name "${options.name}" in the initial cluster configuration`);
    const identity = await resolveIdentity(options, self);
    const logger = options.logger ?? SILENT_LOGGER;
    let reader: MvccReader | null = null;
    let server: CairnServer | null = null;
    const wired = await startMember({
      id: identity.memberId,
      clusterId: identity.clusterId,
      clusterToken: options.clusterToken,
      dataDir: options.dataDir,
      ...(identity.founders !== null ? { bootstrap: { members: identity.founders } } : {}),
      peerListen: options.peerListen,
      peers: identity.peers,
      advertisePeerUrls: self,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      electionTimeoutMs: options.electionTimeoutMs,
      maxRequestBytes: options.maxRequestBytes,
      ...(options.snapshotCount ? { snapshotCount: options.snapshotCount } : {}),
      ...(options.snapshotCatchUpEntries ? { snapshotCatchUpEntries: options.snapshotCatchUpEntries } : {}),
      logger,
      ...(options.walDir !== undefined ? { walDir: options.walDir } : {}),
      ...(options.initialElectionTickAdvance !== undefined ? { initialElectionTickAdvance: options.initialElectionTickAdvance } : {}),
      ...(options.preVote !== undefined ? { preVote: options.preVote } : {}),
      ...(options.warningApplyDurationMs !== undefined ? { warningApplyDurationMs: options.warningApplyDurationMs } : {}),
      ...(options.onRemoved ? { onRemoved: options.onRemoved } : {}),
      // A member that lost its disk must not leave endpoints answering from its frozen state.
      onFatal: (error) => {
        // The fault is what gets reported; a stop that then fails too adds nothing to it.
        server?.stop().catch(() => {});
        options.onFatal?.(error);
      },
      answerMembersQuery: () => (reader === null ? undefined
        : { cluster_id: identity.clusterId, members: reader.members() } satisfies MembersAnswer),
      isMemberPeerUrl: (url) => reader !== null && reader.members().some((record) => record.peer_urls.includes(url)),
    });
    const { member } = wired;
    reader = new MvccReader(member.kvPath);
    const services = attachWiredServices(wired, reader, options.clusterToken, {
      maxTxnOps: options.maxTxnOps,
      ...(options.watchProgressNotifyIntervalMs ? { watchProgressNotifyIntervalMs: options.watchProgressNotifyIntervalMs } : {}),
    });
    const { kv } = services;
    // After a restart the replicated membership is the truth about where the others are.
    member.noteRemovedMembers(reader.removedMembers());
    for (const record of reader.members()) {
      if (record.id !== member.id) wired.network.setPeer(record.id, record.peer_urls);
    }
    // The cluster version cairn speaks is fixed: its capabilities are on from the start.
    logger.named('api').info('enabled capabilities for version', { 'cluster-version': CLUSTER_VERSION });
    const membership = new ClusterMembership(member, reader, options.clusterToken,
      options.strictReconfigCheck === undefined ? {} : { strictReconfigCheck: options.strictReconfigCheck });
    const members = membersWithOwnAttributes(membership, { id: member.id, name: options.name, clientUrls: options.advertiseClientUrls });
    const etcd = new EtcdServer({ member, kv, hub: services.hub, lease: services.lease, cluster: { membership, members } });
    const server0 = logger.named('etcdserver');
    const log = (line: string): void => server0.warn(line);
    // etcd's request timeout bounds each peer's HashKV answer.
    const peerHashes = peerHashesOverGrpc(members, member.id, 5000 + 2 * options.electionTimeoutMs);
    const checkPorts = memberCheckPorts(member, kv, peerHashes, log);
    if (options.initialCorruptCheck === true) {
      try {
        await initialCorruptionCheck(member, checkPorts, server0);
      } catch (error) {
        closeWiredServices(services);
        await member.stop();
        await reader.close();
        throw error;
      }
    }
    const grpc = GrpcEndpoint.create({
      server: etcd, maxRequestBytes: options.maxRequestBytes,
      metricsExtensive: options.metricsExtensive === true,
      transport: {
        ...(options.grpcKeepAlive !== undefined ? { keepAlive: options.grpcKeepAlive } : {}),
        ...(options.maxConcurrentStreams !== undefined ? { maxConcurrentStreams: options.maxConcurrentStreams } : {}),
      },
    });
    // Without a port of its own, the uWS app listens on loopback only to serve the WebSocket
    // upgrades the client URL pipes to it.
    const httpListen = options.clientHttpListen ?? { host: '127.0.0.1', port: 0 };
    const http = await HttpApp.listen({
      host: httpListen.host, port: httpListen.port, server: etcd, maxRequestBytes: options.maxRequestBytes,
    });
    if (options.enableGrpcGateway !== false) registerGateway(http, etcd);
    const httpApart = options.clientHttpListen !== undefined;
    let clientListener: ClientListener;
    try {
      clientListener = await ClientListener.listen(options.clientListen.host, options.clientListen.port, {
        http2: (socket) => grpc.serve(socket),
        other: httpApart ? (socket) => grpc.refuse(socket) : (socket) => http.nodeServer().serve(socket),
      });
    } catch (error) {
      http.close();
      await grpc.close();
      closeWiredServices(services);
      await member.stop();
      await reader.close();
      throw error;
    }
    server = new CairnServer(wired, reader, services, etcd, grpc, http, clientListener, httpApart, options.name, logger);
    server.stopMetrics = await serveMetrics(http, {
      member, server: etcd, network: wired.network, log: wired.log, services, grpc: grpc.metrics, quotaBackendBytes: options.quotaBackendBytes ?? null,
    }, options.metricsListen ?? []);
    if (options.corruptCheckIntervalMs !== undefined && options.corruptCheckIntervalMs > 0) {
      server0.info('enabled corruption checking', { 'local-member-id': member.id.toString(16), interval: goDuration(options.corruptCheckIntervalMs) });
      server.corruptionMonitor = new CorruptionMonitor(member, checkPorts, options.corruptCheckIntervalMs);
    }
    // The member failed while the endpoints were opening: they close too.
    if (member.fatalError !== null) server.stop().catch(() => {});
    void server.publish({ id: member.id, name: options.name, client_urls: options.advertiseClientUrls }, identity.clusterId);
    return server;
  }

  /**
   * Replicates this member's name and client URLs (etcd's publish): retried until it applies, since
   * the cluster may have no leader yet; given up when the member stops.
   */
  private async publish(attributes: MemberAttributes, clusterId: number): Promise<void> {
    while (this.stopping === null) {
      try {
        await this.member.propose({ member_attributes: attributes });
        const id = this.member.id.toString(16);
        this.logger.named('etcdserver').info('published local member to cluster through raft', {
          'local-member-id': id, 'local-member-attributes': `{Name:${attributes.name} ClientURLs:[${attributes.client_urls.join(' ')}]}`,
          'request-path': `/0/members/${id}/attributes`, 'cluster-id': clusterId.toString(16),
        });
        // etcd serves clients once its publish applied (its ReadyNotify).
        this.logger.named('embed').info('ready to serve client requests');
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, PUBLISH_RETRY_MS));
      }
    }
  }

  /** Stops serving clients, then stops the member (WAL and apply workers flush and exit). Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    await this.stopMetrics();
    this.corruptionMonitor?.stop();
    this.clientListener.close();
    this.http.close();
    closeWiredServices(this.services);
    await this.grpc.close();
    await this.member.stop();
    await this.reader.close();
  }
}

/**
 * The initial corruption check: once this member has caught up with the cluster (a ReadIndex round,
 * so it compares what the others have too), its hash against its peers'. Without a leader in time
 * it compares what it has, as etcd does, which never waits. Throws when the stores differ. Unlike
 * etcd's, it runs with the peer port already serving Raft: catching up needs it.
 */
async function initialCorruptionCheck(member: Member, ports: CorruptionCheckPorts, logger: Logger): Promise<void> {
  const id = { 'local-member-id': member.id.toString(16) };
  logger.info('starting initial corruption check', id);
  try {
    await ports.linearizableRead();
  } catch (error) {
    logger.warn('initial corruption check without catching up first', { ...id, error: (error as Error).message });
  }
  await checkInitialHashKV(ports);
  logger.info('initial corruption checking passed; no corruption', id);
}
