/**
 * The Raft transport between members: one listener for inbound connections, one PeerSender per
 * peer for outbound ones (so each pair of members shares a connection pair, one per direction).
 *
 * Peers are members. An inbound connection opens with a Hello that authenticates it as one current
 * member (peer-identity.ts: our cluster token and id, addressed to us, from a member's id, from the
 * host that member is known at); from then on it speaks for that member only: every message must
 * come from it and be addressed to us. Anything else (a stranger, a removed member, a member
 * speaking for another, malformed or oversized frames, a stream the member refuses) closes the
 * connection, is counted by reason and logged, rate-limited; nothing of a refused frame is
 * delivered. A membership query comes from a joining member that does not know its id yet: it
 * is authenticated by its peer URLs instead (one a current member's, from that URL's host).
 *
 * Generic over the message type: it reads only `to`, `from` and (for a snapshot) `term`, and a
 * size estimate to bound queues.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder, isHello, type Hello } from './frame-codec.js';
import { PeerSender, type PeerAddress } from './peer-sender.js';
import { authenticateJoiner, authenticatePeer, type PeerAuthentication } from './peer-identity.js';
import { receiveSnapshotStream, sendSnapshotStream, type SnapshotSink } from './snapshot-stream.js';
import { newPeerStats, type DropReason, type PeerStats, type RefusalReason } from './peer-stats.js';
import { LeaseRequestServer } from './lease-forward.js';
import { RateLimitedLog } from './rate-limited-log.js';
import { isProbe } from './peer-probe.js';
import type { HistogramSnapshot } from '../../engine/metrics/shared-metrics.js';

/** Default bounds: a frame carries at most 4 MiB; a peer queue holds 4096 messages or 64 MiB. */
export const PEER_FRAME_BYTES_MAX = 4 * 1024 * 1024;
export const PEER_QUEUE_MESSAGES_MAX = 4096;
export const PEER_QUEUE_BYTES_MAX = 64 * 1024 * 1024;

/** What the transport reads of a message: where it goes, whom it speaks for, and its Raft term. */
export interface PeerMessage {
  to: number;
  from: number;
  term: number;
}

export interface PeerTransportOptions<M extends PeerMessage> {
  localId: number;
  /** The cluster token (--initial-cluster-token) and the cluster id: a Hello must carry both. */
  cluster: string;
  clusterId: number;
  listen: PeerAddress;
  /** Delivers a message from `from`, the member the connection authenticated as (message.from equals it). */
  onMessage(message: M, from: number): void;
  /** Checks the shape of every inbound message; one that fails closes the connection. */
  isMessage(value: unknown): value is M;
  /** Called when a message to `to` is dropped (Raft: reportUnreachable for that member). */
  onDrop?(to: number, message: M, reason: DropReason): void;
  sizeOf(message: M): number;
  /**
   * Members beyond the known peers (setPeer), which are members: those in the Raft configuration
   * whose address is not known yet. Membership changes must show here (and in setPeer/removePeer)
   * as they apply: the check runs on every Hello and every frame.
   */
  isMember?(id: number): boolean;
  /**
   * Opens a sink for a snapshot stream member `from` starts for a snapshot of Raft term `term`
   * (see snapshot-stream.ts), or returns null to refuse it before anything is written. Without
   * this option, snapshot streams are refused.
   */
  onSnapshot?(from: number, term: number): SnapshotSink<M> | null;
  /** True for a member removed from the cluster: its connections are told so and closed. */
  isRemoved?(from: number): boolean;
  /** A peer told this member it was removed from the cluster (see isRemoved). */
  onRemovedByPeer?(): void;
  /** What a joining member asking for the membership is told (see members-query.ts); refused when absent. */
  onMembersQuery?(): unknown;
  /** True when `url` is a current member's peer URL: only such a member may ask for the membership. */
  isMemberPeerUrl?(url: string): boolean;
  /** Answers a follower's forwarded lease request (see lease-forward.ts); refused when absent. */
  onLeaseRequest?(body: unknown): Promise<unknown>;
  /** Where refused connections are reported (one line each, rate-limited); silent when absent. */
  log?(line: string): void;
  /** The largest snapshot accepted, in bytes (default 8 GiB). */
  snapshotBytesMax?: number;
  frameBytesMax?: number;
  queueMessagesMax?: number;
  queueBytesMax?: number;
  reconnectDelayMsMin?: number;
  reconnectDelayMsMax?: number;
}

/** One peer's traffic, as etcd's etcd_network_peer_* and etcd_network_active_peers show it. */
export interface PeerTraffic {
  id: number;
  bytesSent: number;
  bytesReceived: number;
  /** True while a connection with the peer is up, ours to it or its Raft-message one to us (etcd's active peer). */
  active: boolean;
  roundTripSeconds: HistogramSnapshot;
}

export class PeerTransport<M extends PeerMessage> {
  readonly stats: PeerStats = newPeerStats();
  /** Bytes received from each member, and its open Raft-message connections to us. */
  private readonly inboundTraffic = new Map<number, { bytes: number; connections: number }>();
  private readonly senders = new Map<number, PeerSender<M>>();
  private readonly inbound = new Set<Socket>();
  private readonly frameBytesMax: number;
  private readonly refusals: RateLimitedLog;

  private constructor(private readonly options: PeerTransportOptions<M>, private readonly server: Server) {
    this.frameBytesMax = options.frameBytesMax ?? PEER_FRAME_BYTES_MAX;
    this.refusals = new RateLimitedLog((line) => options.log?.(line));
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Starts listening (port 0 picks a free port; read it back with address()). */
  static async listen<M extends PeerMessage>(options: PeerTransportOptions<M>): Promise<PeerTransport<M>> {
    const server = createServer({ noDelay: true });
    const transport = new PeerTransport(options, server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.listen.port, options.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return transport;
  }

  address(): PeerAddress {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('peer listener is not bound to a TCP port');
    return { host: address.address, port: address.port };
  }

  /** Adds a peer, or moves an existing one to a new address. */
  setPeer(id: number, address: PeerAddress): void {
    const existing = this.senders.get(id);
    if (existing) return existing.redirect(address);
    const hello: Hello = { cluster: this.options.cluster, clusterId: this.options.clusterId, from: this.options.localId, to: id };
    this.senders.set(id, new PeerSender<M>({
      hello,
      address,
      stats: this.stats,
      frameBytesMax: this.frameBytesMax,
      queueMessagesMax: this.options.queueMessagesMax ?? PEER_QUEUE_MESSAGES_MAX,
      queueBytesMax: this.options.queueBytesMax ?? PEER_QUEUE_BYTES_MAX,
      reconnectDelayMsMin: this.options.reconnectDelayMsMin ?? 50,
      reconnectDelayMsMax: this.options.reconnectDelayMsMax ?? 2000,
      sizeOf: this.options.sizeOf,
      onDrop: (message, reason) => this.options.onDrop?.(id, message, reason),
      onRemoved: () => this.options.onRemovedByPeer?.(),
    }));
  }

  removePeer(id: number): void {
    this.senders.get(id)?.close();
    this.senders.delete(id);
  }

  /** Where peer `id` is reached, when it is a known peer. */
  addressOf(id: number): PeerAddress | undefined {
    return this.senders.get(id)?.address;
  }

  /** The known peers' ids. */
  peerIds(): number[] {
    return [...this.senders.keys()];
  }

  /** True when the outbound connection to `id` is established. */
  isConnected(id: number): boolean {
    return this.senders.get(id)?.connected ?? false;
  }

  /** Each known peer's traffic (for /metrics). */
  peerTraffic(): PeerTraffic[] {
    return [...this.senders].map(([id, sender]) => {
      const inbound = this.inboundTraffic.get(id);
      return {
        id,
        bytesSent: sender.bytesSent,
        bytesReceived: inbound?.bytes ?? 0,
        active: sender.connected || (inbound?.connections ?? 0) > 0,
        roundTripSeconds: sender.roundTripSeconds.snapshot(),
      };
    });
  }

  /** The inbound counters of member `from`, created on first use. */
  private inboundOf(from: number): { bytes: number; connections: number } {
    let traffic = this.inboundTraffic.get(from);
    if (traffic === undefined) {
      traffic = { bytes: 0, connections: 0 };
      this.inboundTraffic.set(from, traffic);
    }
    return traffic;
  }

  /** Routes each message to its peer's sender; never blocks, never buffers without bound. */
  send(messages: readonly M[]): void {
    for (const message of messages) {
      const sender = this.senders.get(message.to);
      if (sender) {
        sender.send(message);
      } else {
        this.stats.dropped.unknown_peer++;
        this.options.onDrop?.(message.to, message, 'unknown_peer');
      }
    }
  }

  /**
   * Streams a snapshot file and then `message` to a peer on a connection of its own; resolves once
   * the peer has persisted and used it, rejects when the transfer fails or is refused.
   */
  async sendSnapshot(message: M, path: string): Promise<void> {
    const sender = this.senders.get(message.to);
    if (sender === undefined) throw new Error(`unknown peer ${message.to}`);
    const hello: Hello = {
      cluster: this.options.cluster, clusterId: this.options.clusterId, from: this.options.localId, to: message.to, term: message.term,
    };
    await sendSnapshotStream({ address: sender.address, hello, message, path, frameBytesMax: this.frameBytesMax });
  }

  async close(): Promise<void> {
    for (const sender of this.senders.values()) sender.close();
    this.senders.clear();
    for (const socket of this.inbound) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The one place a connection's identity is decided (peer TLS will add its certificate here: issue #15). */
  private authenticate(hello: Hello, socket: Socket): PeerAuthentication {
    return authenticatePeer(hello, socket.remoteAddress, {
      cluster: this.options.cluster,
      clusterId: this.options.clusterId,
      localId: this.options.localId,
      isMember: (id) => this.isMember(id),
      isRemoved: (id) => this.options.isRemoved?.(id) === true,
      addressOf: (id) => this.senders.get(id)?.address,
    });
  }

  private isMember(id: number): boolean {
    return this.senders.has(id) || this.options.isMember?.(id) === true;
  }

  private accept(socket: Socket): void {
    this.inbound.add(socket);
    socket.setNoDelay(true);
    const decoder = new FrameDecoder(this.frameBytesMax);
    /** The member the connection authenticated as; 0 until its Hello did. */
    let from = 0;
    let snapshot: { push(frames: unknown[]): void } | null = null;
    let leases: LeaseRequestServer | null = null;
    /** Set once this is an authenticated Raft-message connection (its peer counts as active while it is open). */
    let messageConnection: { bytes: number; connections: number } | null = null;
    const refuse = (reason: RefusalReason, detail: string) => {
      this.stats.connectionsRefused++;
      this.stats.refused[reason]++;
      this.refusals.log(`refused peer connection from ${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}: ${reason} (${detail})`);
      // As etcd answers a removed member's traffic with 410 Gone: it learns it was removed.
      if (reason === 'removed') socket.end(encodeFrame({ removed: true }));
      else socket.destroy();
    };
    socket.on('data', (chunk: Buffer) => {
      let frames: unknown[];
      try {
        frames = decoder.push(chunk);
      } catch (error) {
        return refuse('malformed', (error as Error).message);
      }
      this.stats.bytesReceived += chunk.length;
      if (messageConnection !== null) messageConnection.bytes += chunk.length;
      for (let i = 0; i < frames.length; i++) {
        const frame = frames[i];
        if (snapshot !== null) return snapshot.push(frames.slice(i));
        if (from === 0) {
          if (!isHello(frame)) return refuse('malformed', 'the first frame is not a Hello');
          if (frame.stream === 'members') return this.answerMembersQuery(frame, socket, refuse);
          const identity = this.authenticate(frame, socket);
          if ('refused' in identity) return refuse(identity.refused, identity.detail);
          from = identity.memberId;
          if (frame.stream === 'snapshot') {
            const term = frame.term ?? 0;
            const sink = this.options.onSnapshot?.(from, term) ?? null;
            if (sink === null) return refuse('stream_refused', `snapshot from ${from.toString(16)} at term ${term}`);
            snapshot = receiveSnapshotStream(socket, sink, (value): value is M =>
              this.options.isMessage(value) && value.from === from && value.to === this.options.localId && value.term === term,
            this.options.snapshotBytesMax ?? 8 * 2 ** 30);
          }
          if (frame.stream === 'lease') {
            const answer = this.options.onLeaseRequest;
            if (answer === undefined) return refuse('stream_refused', 'lease requests are not answered here');
            leases = new LeaseRequestServer(socket, answer);
          }
          if (frame.stream === undefined) {
            messageConnection = this.inboundOf(from);
            messageConnection.connections++;
            messageConnection.bytes += chunk.length;
          }
          continue;
        }
        if (leases !== null) {
          if (!leases.push(frame)) return refuse('malformed', 'not a lease request, or too many in flight');
          continue;
        }
        // The membership may have changed since the Hello: a member removed meanwhile is told so.
        if (this.options.isRemoved?.(from) === true) return refuse('removed', `removed member ${from.toString(16)}`);
        if (!this.isMember(from)) return refuse('not_a_member', `${from.toString(16)} is no longer a member`);
        if (isProbe(frame)) {
          socket.write(encodeFrame({ probeAck: frame.probe }));
          continue;
        }
        if (!Array.isArray(frame) || !frame.every((value) => this.options.isMessage(value))) {
          return refuse('malformed', 'a malformed message');
        }
        const forged = (frame as M[]).find((message) => message.from !== from || message.to !== this.options.localId);
        if (forged !== undefined) {
          return refuse('forged_sender', `a message from ${forged.from.toString(16)} to ${forged.to.toString(16)} ` +
            `on a connection from ${from.toString(16)}`);
        }
        this.stats.framesReceived++;
        this.stats.messagesReceived += frame.length;
        for (const message of frame as M[]) this.options.onMessage(message, from);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.inbound.delete(socket);
      if (messageConnection !== null) messageConnection.connections--;
    });
  }

  /** Answers a joining member's membership query (see members-query.ts), once it authenticated by its peer URLs. */
  private answerMembersQuery(hello: Hello, socket: Socket, refuse: (reason: RefusalReason, detail: string) => void): void {
    const joiner = authenticateJoiner(hello, socket.remoteAddress, {
      cluster: this.options.cluster,
      isMemberPeerUrl: (url) => this.options.isMemberPeerUrl?.(url) === true,
    });
    if ('refused' in joiner) return refuse(joiner.refused, joiner.detail);
    const answer = this.options.onMembersQuery?.();
    if (answer === undefined) return refuse('stream_refused', 'membership queries are not answered here');
    socket.end(encodeFrame(answer));
  }
}
