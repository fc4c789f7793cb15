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
}

/** host:port of a URL such as http://127.0.0.1:2380. */
export function addressOfUrl(url: string): PeerAddress {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port) };
}

export class CairnServer {
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
    });
    const reader = new MvccReader(member.kvPath);
    const kv = new KvServer(member, reader, options.maxTxnOps);
    // Other members' client URLs are not replicated yet: each member knows only its own.
    const members = (): MemberInfo[] =>
      infos.map((info) => (info.id === id ? { ...info, clientUrls: options.advertiseClientUrls } : info));
    const grpc = await GrpcEndpoint.listen({
      member, kv, members, host: options.clientListen.host, port: options.clientListen.port,
      maxRequestBytes: options.maxRequestBytes,
    });
    const http = await HttpApp.listen({
      host: options.clientHttpListen.host, port: options.clientHttpListen.port, member, kv,
      maxRequestBytes: options.maxRequestBytes,
    });
    registerGateway(http, member, kv, members);
    return new CairnServer(member, reader, grpc, http, options.name);
  }

  /** Stops serving clients, then stops the member (WAL and apply workers flush and exit). */
  async stop(): Promise<void> {
    this.http.close();
    await this.grpc.close();
    await this.member.stop();
    await this.reader.close();
  }
}
