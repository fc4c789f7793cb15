/**
 * The one etcd server API of a member: every request of etcd's KV, Watch, Lease, Cluster and
 * Maintenance services, answered completely, the ResponseHeader included. gRPC, the JSON gateway
 * and the WebSocket protocol take this one object: they decode a request, call it, and encode
 * what it answers; none of them builds a header, a member list or a status, or decides anything.
 * Checks that are etcd's server's (a request's limits and validity, what a member without a
 * service answers) are made here or in the services below it, once for every transport.
 *
 * It is built over the member and the services attached to it (engine/node/member-services.ts):
 * KvServer checks and serves KV requests through Raft and the apply worker, the watch hub follows
 * the member's apply, LeaseServer holds the lessor, ClusterMembership checks and proposes changes.
 * A service left out answers as a gRPC server without it does: UNIMPLEMENTED.
 *
 * The put and range paths pass through here on every request: each call is one delegation, the
 * header built once where the answer is made (KvServer.header, the one builder of every header).
 */
import { alarm as alarmOf } from '../alarm/alarm-server.js';
import type { AlarmRequest, AlarmResponse } from '../alarm/alarm-rpc.js';
import { ErrClusterUnimplemented, ErrHashUnimplemented, ErrLeaseUnimplemented, ErrWatchUnimplemented } from '../errors.js';
import type { KeepAliveAnswers, LeaseServer } from '../lease/lease-server.js';
import type {
  LeaseGrantRequest, LeaseGrantResponse, LeaseKeepAliveResponse, LeaseLeasesResponse, LeaseRevokeRequest, LeaseRevokeResponse,
  LeaseTimeToLiveRequest, LeaseTimeToLiveResponse,
} from '../lease/lease-rpc.js';
import type { RangePageReader } from '../mvcc/range-page-reader.js';
import type { RangePageFormat } from '../mvcc/range-pages.js';
import type {
  CompactionRequest, CompactionResponse, DeleteRangeRequest, DeleteRangeResponse, HashKVRequest, HashKVResponse,
  PutRequest, PutResponse, RangeRequest, RangeResponse, TxnRequest, TxnResponse,
} from '../mvcc/rpc.js';
import type { MemberInfo } from '../node/cluster-members.js';
import type { KvServer } from '../node/kv-server.js';
import type { Member } from '../node/member.js';
import type { ClusterMembership } from '../node/membership.js';
import type { WatchHub } from '../watch/watch-hub.js';
import type { WatchStream } from '../watch/watch-stream.js';
import type { WatchResponse } from '../watch/watch-types.js';
import type { ResponseHeader, WithHeader } from '../wire/response-header.js';
import { ClusterServer, type MemberAddResponse, type MemberListResponse, type MemberRequest } from './cluster-server.js';
import { HEALTH_TIMEOUT_MS_DEFAULT, HealthChecks } from './health-checks.js';
import { memberStatus, type StatusResponse } from './maintenance.js';

/** What the server answers with: the member and the services attached to it. */
export interface EtcdServerParts {
  member: Member;
  kv: KvServer;
  /** The member's watch hub; without it, Watch answers UNIMPLEMENTED. */
  hub?: WatchHub | undefined;
  /** The member's lease server; without it, the Lease calls answer UNIMPLEMENTED. */
  lease?: LeaseServer | undefined;
  /** The Cluster service: the membership it changes and the member list it answers; UNIMPLEMENTED without it. */
  cluster?: { membership: ClusterMembership; members: () => MemberInfo[] } | undefined;
  /** How long a health check waits for its linearizable read (etcd 3.4: one second). */
  healthTimeoutMs?: number;
}

/**
 * Where a watch stream's responses go (the transport), each with its complete header. Returns
 * false once the transport holds more unsent bytes than its bound: the stream then takes no live
 * events until the transport calls WatchStream.drained().
 */
export interface WatchAnswerSink {
  send(response: WatchResponse, header: ResponseHeader): boolean;
}

export class EtcdServer {
  private readonly member: Member;
  private readonly kv: KvServer;
  private readonly hub: WatchHub | undefined;
  private readonly lease: LeaseServer | undefined;
  private readonly cluster: ClusterServer | undefined;
  private readonly health: HealthChecks;

  constructor(parts: EtcdServerParts) {
    this.member = parts.member;
    this.kv = parts.kv;
    this.hub = parts.hub;
    this.lease = parts.lease;
    this.cluster = parts.cluster === undefined ? undefined
      : new ClusterServer((revision) => this.header(revision), parts.cluster.members, parts.cluster.membership);
    this.health = new HealthChecks(parts.member, parts.kv, parts.healthTimeoutMs ?? HEALTH_TIMEOUT_MS_DEFAULT);
  }

  /** The header of an answer that saw (or made) store revision `revision` (0 in the Cluster service's answers). */
  header(revision: number): ResponseHeader {
    return this.kv.header(revision);
  }

  // KV

  range(request: RangeRequest): Promise<WithHeader<RangeResponse>> {
    return this.kv.range(request);
  }

  /**
   * Range, answered with its kvs encoded by the apply worker in the transport's format, a page at
   * a time as the transport asks for them (see KvServer.rangeInPages).
   */
  rangeInPages(request: RangeRequest, format?: RangePageFormat): Promise<{ header: ResponseHeader; pages: RangePageReader }> {
    return this.kv.rangeInPages(request, format);
  }

  put(request: PutRequest): Promise<WithHeader<PutResponse>> {
    return this.kv.put(request);
  }

  deleteRange(request: DeleteRangeRequest): Promise<WithHeader<DeleteRangeResponse>> {
    return this.kv.deleteRange(request);
  }

  txn(request: TxnRequest): Promise<WithHeader<TxnResponse>> {
    return this.kv.txn(request);
  }

  compact(request: CompactionRequest): Promise<WithHeader<CompactionResponse>> {
    return this.kv.compact(request);
  }

  // Watch

  /**
   * Opens a watch stream (one gRPC Watch call, one gateway POST /v3/watch, one WebSocket
   * connection's watches) whose responses reach `sink` with their headers. Throws UNIMPLEMENTED
   * without a watch hub.
   */
  watch(sink: WatchAnswerSink): WatchStream {
    this.checkService('Watch');
    return this.hub!.openStream({ send: (response) => sink.send(response, this.header(response.revision)) });
  }

  // Lease

  async leaseGrant(request: LeaseGrantRequest): Promise<WithHeader<LeaseGrantResponse>> {
    return this.leaseServer().grant(request);
  }

  async leaseRevoke(request: LeaseRevokeRequest): Promise<WithHeader<LeaseRevokeResponse>> {
    return this.leaseServer().revoke(request);
  }

  /** One keep-alive: TTL 0 when the lease does not exist, as etcd answers. */
  async leaseKeepAlive(id: number): Promise<WithHeader<LeaseKeepAliveResponse>> {
    return this.leaseServer().keepAlive(id);
  }

  /** A stream's keep-alives of one turn, answered in order with one header (LeaseServer.keepAliveMany). */
  async leaseKeepAliveMany(ids: readonly number[]): Promise<KeepAliveAnswers> {
    return this.leaseServer().keepAliveMany(ids);
  }

  async leaseTimeToLive(request: LeaseTimeToLiveRequest): Promise<WithHeader<LeaseTimeToLiveResponse>> {
    return this.leaseServer().timeToLive(request);
  }

  async leaseLeases(): Promise<WithHeader<LeaseLeasesResponse>> {
    return this.leaseServer().leases();
  }

  // Cluster

  memberList(): MemberListResponse {
    return this.clusterServer().memberList();
  }

  async memberAdd(request: MemberRequest): Promise<MemberAddResponse> {
    return this.clusterServer().memberAdd(request);
  }

  async memberRemove(request: MemberRequest): Promise<MemberListResponse> {
    return this.clusterServer().memberRemove(request);
  }

  async memberUpdate(request: MemberRequest): Promise<MemberListResponse> {
    return this.clusterServer().memberUpdate(request);
  }

  async memberPromote(request: MemberRequest): Promise<MemberListResponse> {
    return this.clusterServer().memberPromote(request);
  }

  // Maintenance

  status(): StatusResponse {
    return memberStatus(this.member, (revision) => this.header(revision));
  }

  /** HashKV of this member's store: local, as etcd serves it. */
  hashKV(request: HashKVRequest): Promise<WithHeader<HashKVResponse>> {
    return this.kv.hashKV(request);
  }

  /** Maintenance.Hash is not served: answered as etcd's gateway relays a server without the method. */
  hash(): never {
    throw ErrHashUnimplemented;
  }

  /** Gets, raises or clears an alarm, through Raft (answered without a header, as in etcd 3.4). */
  alarm(request: AlarmRequest): Promise<AlarmResponse> {
    return alarmOf(this.member, request);
  }

  // Health

  /** etcd 3.4's /health: a leader is known and a linearizable read completes in time (shared by concurrent checks). */
  healthy(): Promise<boolean> {
    return this.health.linearizableRead();
  }

  /** /livez's check: the local store answers a serializable read. */
  serializableReadWorks(): Promise<boolean> {
    return this.health.serializableRead();
  }

  /**
   * Throws UNIMPLEMENTED unless the server offers `service`: a transport that routes by service
   * before it decodes (as gRPC does) asks first, so a call to a missing service is refused as such,
   * whatever its body.
   */
  checkService(service: 'Watch' | 'Lease' | 'Cluster'): void {
    if (service === 'Watch' && this.hub === undefined) throw ErrWatchUnimplemented;
    if (service === 'Lease') this.leaseServer();
    if (service === 'Cluster') this.clusterServer();
  }

  private leaseServer(): LeaseServer {
    if (this.lease === undefined) throw ErrLeaseUnimplemented;
    return this.lease;
  }

  private clusterServer(): ClusterServer {
    if (this.cluster === undefined) throw ErrClusterUnimplemented;
    return this.cluster;
  }
}
