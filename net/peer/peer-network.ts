/**
 * The TCP peer transport as a member's PeerNetwork port (engine/node/ports.ts). The transport
 * listens before the member exists (its address goes into the member's identity); Raft traffic
 * that arrives before the member attaches is dropped, and Raft sends it again.
 */
import { ErrStopped } from '../../engine/errors.js';
import type { Message } from '../../engine/raft/message.js';
import { MessageType } from '../../engine/raft/message.js';
import type { PeerHandler, PeerNetwork } from '../../engine/node/ports.js';
import { isRaftMessage, raftMessageBytes } from '../../engine/node/raft-message-shape.js';
import type { PeerAddress } from './peer-sender.js';
import { PeerTransport, type PeerTraffic } from './peer-transport.js';
import type { PeerStats } from './peer-stats.js';
import { addressOfUrl } from './peer-url.js';

export interface TcpPeerNetworkOptions {
  localId: number;
  /** The cluster token (--initial-cluster-token) and the cluster id: every Hello carries both. */
  clusterToken: string;
  clusterId: number;
  listen: PeerAddress;
  /** Every other member's peer address, known at start. */
  peers: ReadonlyMap<number, PeerAddress>;
  /** Answers a joining member's membership query (see members-query.ts). */
  answerMembersQuery?: () => unknown;
  /** True when `url` is a current member's peer URL: only such a member's membership query is answered. */
  isMemberPeerUrl?: (url: string) => boolean;
  /** Answers a follower's forwarded lease request (see lease-forward.ts). */
  answerLeaseRequest?: (body: unknown) => Promise<unknown>;
  /** Where refused connections are reported (etcd's rafthttp warnings). */
  log?: (line: string) => void;
}

export class TcpPeerNetwork implements PeerNetwork {
  private handler: PeerHandler | null = null;
  /** Answers forwarded lease requests once the lease server exists (see answerLeaseRequests). */
  private leaseRequests: ((body: unknown) => Promise<unknown>) | null;

  private constructor(readonly transport: PeerTransport<Message>, options: TcpPeerNetworkOptions) {
    this.leaseRequests = options.answerLeaseRequest ?? null;
  }

  static async listen(options: TcpPeerNetworkOptions): Promise<TcpPeerNetwork> {
    let network: TcpPeerNetwork | null = null;
    const handler = (): PeerHandler | null => network?.handler ?? null;
    const transport = await PeerTransport.listen<Message>({
      localId: options.localId,
      cluster: options.clusterToken,
      clusterId: options.clusterId,
      listen: options.listen,
      isMessage: isRaftMessage,
      sizeOf: raftMessageBytes,
      onMessage: (message) => handler()?.onMessage(message),
      onDrop: (to, message) => handler()?.onDrop(to, message),
      isMember: (id) => handler()?.isMember(id) === true,
      onSnapshot: (from, term) => handler()?.onSnapshot(from, term) ?? null,
      isRemoved: (id) => handler()?.isRemoved(id) === true,
      onRemovedByPeer: () => handler()?.onRemovedByPeer(),
      log: options.log,
      onMembersQuery: () => options.answerMembersQuery?.(),
      isMemberPeerUrl: (url) => options.isMemberPeerUrl?.(url) === true,
      onLeaseRequest: (body) => (network?.leaseRequests ? network.leaseRequests(body) : Promise.reject(ErrStopped)),
    });
    network = new TcpPeerNetwork(transport, options);
    for (const [id, address] of options.peers) transport.setPeer(id, address);
    return network;
  }

  attach(handler: PeerHandler): void {
    this.handler = handler;
  }

  /** Has `answer` answer the lease requests followers forward to this member. */
  answerLeaseRequests(answer: (body: unknown) => Promise<unknown>): void {
    this.leaseRequests = answer;
  }

  send(messages: readonly Message[]): void {
    this.transport.send(messages);
  }

  sendSnapshot(message: Message, path: string): Promise<void> {
    if (message.type !== MessageType.MsgSnap) return Promise.reject(new Error('only a MsgSnap goes with a snapshot stream'));
    return this.transport.sendSnapshot(message, path);
  }

  setPeer(id: number, peerUrls: readonly string[]): void {
    if (peerUrls.length > 0) this.transport.setPeer(id, addressOfUrl(peerUrls[0]!));
  }

  /** Adds a peer, or moves a known one, by address (a member started on an ephemeral port). */
  setPeerAddress(id: number, address: PeerAddress): void {
    this.transport.setPeer(id, address);
  }

  removePeer(id: number): void {
    this.transport.removePeer(id);
  }

  peerUrlOf(id: number): string | undefined {
    const address = this.transport.addressOf(id);
    return address === undefined ? undefined : urlOf(address);
  }

  /** Where peer `id`'s peer port is, when it is a known peer (a follower forwards lease requests there). */
  addressOf(id: number): PeerAddress | undefined {
    return this.transport.addressOf(id);
  }

  peerIds(): number[] {
    return this.transport.peerIds();
  }

  isConnected(id: number): boolean {
    return this.transport.isConnected(id);
  }

  localUrl(): string {
    return urlOf(this.transport.address());
  }

  /** The listener's address (its port, when started on port 0). */
  address(): PeerAddress {
    return this.transport.address();
  }

  /** Each peer's traffic: bytes each way, whether a connection is up, probe round trips. */
  peerTraffic(): PeerTraffic[] {
    return this.transport.peerTraffic();
  }

  /** The transport's counters: traffic, drops and refused connections by reason. */
  peerStats(): PeerStats {
    return structuredClone(this.transport.stats);
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

function urlOf(address: PeerAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `http://${host}:${address.port}`;
}
