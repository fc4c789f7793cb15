/**
 * One cairn server process: a cluster member and the endpoints clients reach it on. It derives
 * member and cluster ids from the initial cluster the way etcd does (every member computes the
 * same ids on its own), starts the member, opens a main-thread reader on its MVCC store, and
 * serves etcd's gRPC API and the HTTP app (JSON gateway, WebSocket protocol, health endpoints).
 */
import type { MemberInfo } from '../engine/node/cluster-members.js';
import { ClusterMembership } from '../engine/node/membership.js';
import { resolveIdentity, type MembersAnswer } from './member-identity.js';
import { addressOfUrl } from './peer/peer-url.js';
import { Member } from '../engine/node/member.js';
import type { MemberAttributes } from '../engine/mvcc/members.js';
import { MvccReader } from '../engine/mvcc/store.js';
import type { PeerAddress } from './peer/peer-sender.js';
import { GrpcEndpoint } from './grpc/grpc-server.js';
import { registerGateway } from './http/gateway-endpoint.js';
import { HttpApp } from './http/http-app.js';
import { registerMetrics } from './http/metrics/metrics-endpoint.js';
import { attachServices, closeServices, type MemberServices } from '../engine/node/member-services.js';

export interface ServerOptions {
  name: string;
  dataDir: string;
  /** Where gRPC listens (--listen-client-urls); port 0 picks a free port. */
  clientListen: PeerAddress;
  /** Where the HTTP app listens (--listen-client-http-urls); port 0 picks a free port. */
  clientHttpListen: PeerAddress;
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
  /** Where the member reports notable events (snapshots); silent when absent. */
  log?: (line: string) => void;
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
}

/** How long to wait before publishing this member's attributes again after a failed attempt. */
const PUBLISH_RETRY_MS = 500;

export class CairnServer {
  private stopping: Promise<void> | null = null;
  /** Ends /metrics' leader-change watch. */
  private stopMetrics = (): void => {};

  private constructor(
    readonly member: Member,
    private readonly reader: MvccReader,
    readonly services: MemberServices,
    readonly grpc: GrpcEndpoint,
    readonly http: HttpApp,
    readonly name: string,
  ) {}

  static async start(options: ServerOptions): Promise<CairnServer> {
    const self = options.initialCluster.get(options.name);
    if (self === undefined) throw new Error(`couldn't find local name "${options.name}" in the initial cluster configuration`);
    const identity = await resolveIdentity(options, self);
    let reader: MvccReader | null = null;
    let server: CairnServer | null = null;
    const member = await Member.start({
      id: identity.memberId,
      clusterId: identity.clusterId,
      clusterToken: options.clusterToken,
      dataDir: options.dataDir,
      ...(identity.founders !== null ? { bootstrap: { members: identity.founders } } : {}),
      peerListen: options.peerListen,
      peers: identity.peers,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      electionTimeoutMs: options.electionTimeoutMs,
      maxRequestBytes: options.maxRequestBytes,
      ...(options.snapshotCount ? { snapshotCount: options.snapshotCount } : {}),
      ...(options.snapshotCatchUpEntries ? { snapshotCatchUpEntries: options.snapshotCatchUpEntries } : {}),
      ...(options.log ? { log: options.log } : {}),
      ...(options.onRemoved ? { onRemoved: options.onRemoved } : {}),
      // A member that lost its disk must not leave endpoints answering from its frozen state.
      onFatal: (error) => {
        // The fault is what gets reported; a stop that then fails too adds nothing to it.
        server?.stop().catch(() => {});
        options.onFatal?.(error);
      },
      answerMembersQuery: () => (reader === null ? undefined
        : { cluster_id: identity.clusterId, members: reader.members() } satisfies MembersAnswer),
    });
    reader = new MvccReader(member.kvPath);
    const services = attachServices(member, reader, {
      maxTxnOps: options.maxTxnOps,
      ...(options.watchProgressNotifyIntervalMs ? { watchProgressNotifyIntervalMs: options.watchProgressNotifyIntervalMs } : {}),
    });
    const { kv, hub } = services;
    // After a restart the replicated membership is the truth about where the others are.
    member.noteRemovedMembers(reader.removedMembers());
    for (const record of reader.members()) {
      if (record.id !== member.id && record.peer_urls.length > 0) member.setPeer(record.id, addressOfUrl(record.peer_urls[0]!));
    }
    const membership = new ClusterMembership(member, reader, options.clusterToken);
    // Before this member's own publish applies, its client URLs come from its flags.
    const members = (): MemberInfo[] => membership.list().map((info) =>
      (info.id === member.id && info.clientUrls.length === 0 ? { ...info, name: options.name, clientUrls: options.advertiseClientUrls } : info));
    const grpc = await GrpcEndpoint.listen({
      member, kv, members, membership, hub, lease: services.lease, host: options.clientListen.host, port: options.clientListen.port,
      maxRequestBytes: options.maxRequestBytes,
    });
    const http = await HttpApp.listen({
      host: options.clientHttpListen.host, port: options.clientHttpListen.port, member, kv, hub, lease: services.lease,
      maxRequestBytes: options.maxRequestBytes,
    });
    registerGateway(http, member, kv, members, membership, hub, services.lease);
    server = new CairnServer(member, reader, services, grpc, http, options.name);
    server.stopMetrics = registerMetrics(http, member, services);
    // The member failed while the endpoints were opening: they close too.
    if (member.fatalError !== null) server.stop().catch(() => {});
    void server.publish({ id: member.id, name: options.name, client_urls: options.advertiseClientUrls });
    return server;
  }

  /**
   * Replicates this member's name and client URLs (etcd's publish): retried until it applies, since
   * the cluster may have no leader yet; given up when the member stops.
   */
  private async publish(attributes: MemberAttributes): Promise<void> {
    while (this.stopping === null) {
      try {
        await this.member.propose({ member_attributes: attributes });
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
    this.stopMetrics();
    this.http.close();
    closeServices(this.services);
    await this.grpc.close();
    await this.member.stop();
    await this.reader.close();
  }
}
