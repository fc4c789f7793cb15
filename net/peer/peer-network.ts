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
import { isMembersAnswer, queryMembers } from './members-query.js';

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
  /** This member's peer URLs as the cluster knows them (a peer answers a membership query only for them); default: where it listens. */
  peerUrls?: readonly string[];
}

export class TcpPeerNetwork implements PeerNetwork {
  private handler: PeerHandler | null = null;
  /** Answers forwarded lease requests once the lease server exists (see answerLeaseRequests). */
  private leaseRequests: ((body: unknown) => Promise<unknown>) | null;

  /** A membership query to the known peers is under way (discoverPeers). */
  private discovering = false;

  private constructor(readonly transport: PeerTransport<Message>, private readonly options: TcpPeerNetworkOptions) {
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

  /**
   * Asks the known peers in turn for the membership (net/peer/members-query.ts, as a joining
   * member asks) and adds every member not known yet at its peer URL. Only known peers are asked,
   * so what this member trusts does not widen beyond whom it already trusts. Settles once the ask is over.
   */
  discoverPeers(): Promise<void> {
    const addresses = this.transport.peerIds().map((id) => this.transport.addressOf(id)).filter((address) => address !== undefined);
    if (this.discovering || addresses.length === 0) return Promise.resolve();
    this.discovering = true;
    const peerUrls = this.options.peerUrls ?? [this.localUrl()];
    return (async () => {
      for (const address of addresses) {
        const answer = await queryMembers(address, this.options.clusterToken, peerUrls).catch(() => null);
        if (!isMembersAnswer(answer) || answer.cluster_id !== this.options.clusterId) continue;
        for (const record of answer.members) {
          const unknown = record.id !== this.options.localId && this.transport.addressOf(record.id) === undefined;
          if (unknown && record.peer_urls.length > 0 && this.handler?.isRemoved(record.id) !== true) {
            this.options.log?.(`added peer ${record.id.toString(16)} at ${record.peer_urls[0]} from the membership of a known peer`);
            this.transport.setPeer(record.id, addressOfUrl(record.peer_urls[0]!));
          }
        }
        return;
      }
    })().finally(() => { this.discovering = false; });
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
