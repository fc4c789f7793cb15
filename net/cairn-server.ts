/**
 * One cairn server process: a cluster member and the endpoints clients reach it on. It derives
 * member and cluster ids from the initial cluster the way etcd does (every member computes the
 * same ids on its own), starts the member, opens a main-thread reader on its MVCC store, and
 * serves etcd's gRPC API and the HTTP app (JSON gateway, WebSocket protocol, health endpoints).
 */
import { clusterIdOf, memberIdOf } from '../engine/node/member-id.js';
import type { MemberInfo } from '../engine/node/cluster-members.js';
import { KvServer } from '../engine/node/kv-server.js';
import { Member } from '../engine/node/member.js';
import type { MemberAttributes } from '../engine/mvcc/members.js';
import { MvccReader } from '../engine/mvcc/store.js';
import type { PeerAddress } from './peer/peer-sender.js';
import { GrpcEndpoint } from './grpc/grpc-server.js';
import { registerGateway } from './http/gateway-endpoint.js';
import { HttpApp } from './http/http-app.js';

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
}

/** host:port of a URL such as http://127.0.0.1:2380. */
export function addressOfUrl(url: string): PeerAddress {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port) };
}

/** How long to wait before publishing this member's attributes again after a failed attempt. */
const PUBLISH_RETRY_MS = 500;

export class CairnServer {
  private stopped = false;

  private constructor(
    readonly member: Member,
    private readonly reader: MvccReader,
    readonly grpc: GrpcEndpoint,
    readonly http: HttpApp,
    readonly name: string,
  ) {}

  static async start(options: ServerOptions): Promise<CairnServer> {
    const self = options.initialCluster.get(options.name);
    if (self === undefined) throw new Error(`couldn't find local name "${options.name}" in the initial cluster configuration`);
    const infos: MemberInfo[] = [...options.initialCluster].map(([name, peerUrls]) => ({
      id: memberIdOf(peerUrls, options.clusterToken), name, peerUrls: [...peerUrls], clientUrls: [], isLearner: false,
    }));
    const id = memberIdOf(self, options.clusterToken);
    const peers = new Map<number, PeerAddress>();
    for (const info of infos) if (info.id !== id) peers.set(info.id, addressOfUrl(info.peerUrls[0]!));
    const member = await Member.start({
      id,
      clusterId: clusterIdOf(infos.map((info) => info.id)),
      clusterToken: options.clusterToken,
      dataDir: options.dataDir,
      initialVoters: infos.map((info) => info.id),
      peerListen: options.peerListen,
      peers,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      electionTimeoutMs: options.electionTimeoutMs,
      maxRequestBytes: options.maxRequestBytes,
      ...(options.snapshotCount ? { snapshotCount: options.snapshotCount } : {}),
      ...(options.snapshotCatchUpEntries ? { snapshotCatchUpEntries: options.snapshotCatchUpEntries } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    const reader = new MvccReader(member.kvPath);
    const kv = new KvServer(member, reader, options.maxTxnOps);
    // Names and client URLs come from what each member published through Raft (its own, before
    // it has published, from its flags).
    const members = (): MemberInfo[] => {
      const published = new Map(reader.memberAttributes().map((attributes) => [attributes.id, attributes]));
      return infos.map((info) => {
        const attributes = published.get(info.id);
        if (attributes !== undefined) return { ...info, name: attributes.name, clientUrls: attributes.client_urls };
        return info.id === id ? { ...info, clientUrls: options.advertiseClientUrls } : info;
      });
    };
    const grpc = await GrpcEndpoint.listen({
      member, kv, members, host: options.clientListen.host, port: options.clientListen.port,
      maxRequestBytes: options.maxRequestBytes,
    });
    const http = await HttpApp.listen({
      host: options.clientHttpListen.host, port: options.clientHttpListen.port, member, kv,
      maxRequestBytes: options.maxRequestBytes,
    });
    registerGateway(http, member, kv, members);
    const server = new CairnServer(member, reader, grpc, http, options.name);
    void server.publish({ id, name: options.name, client_urls: options.advertiseClientUrls });
    return server;
  }

  /**
   * Replicates this member's name and client URLs (etcd's publish): retried until it applies, since
   * the cluster may have no leader yet; given up when the member stops.
   */
  private async publish(attributes: MemberAttributes): Promise<void> {
    while (!this.stopped) {
      try {
        await this.member.propose({ member_attributes: attributes });
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, PUBLISH_RETRY_MS));
      }
    }
  }

  /** Stops serving clients, then stops the member (WAL and apply workers flush and exit). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.http.close();
    await this.grpc.close();
    await this.member.stop();
    await this.reader.close();
  }
}
