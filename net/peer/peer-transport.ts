/**
 * The Raft transport between members: one listener for inbound connections, one PeerSender per
 * peer for outbound ones (so each pair of members shares a connection pair, one per direction).
 *
 * Generic over the message type: it only needs `to` to route and a size estimate to bound queues;
 * it never looks inside a message. Inbound connections must open with a Hello for this cluster
 * and this member; anything else (wrong cluster, wrong member, malformed or oversized frames) is
 * refused by closing the connection, and counted; nothing of a refused frame is delivered.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder, isHello, type Hello } from './frame-codec.js';
import { PeerSender, type PeerAddress } from './peer-sender.js';
import { receiveSnapshotStream, sendSnapshotStream, type SnapshotSink } from './snapshot-stream.js';
import { newPeerStats, type DropReason, type PeerStats } from './peer-stats.js';
import { LeaseRequestServer } from './lease-forward.js';

/** Default bounds: a frame carries at most 4 MiB; a peer queue holds 4096 messages or 64 MiB. */
export const PEER_FRAME_BYTES_MAX = 4 * 1024 * 1024;
export const PEER_QUEUE_MESSAGES_MAX = 4096;
export const PEER_QUEUE_BYTES_MAX = 64 * 1024 * 1024;

export interface PeerTransportOptions<M extends { to: number }> {
  localId: number;
  cluster: string;
  listen: PeerAddress;
  onMessage(message: M, from: number): void;
  /** Checks the shape of every inbound message; one that fails closes the connection. */
  isMessage(value: unknown): value is M;
  /** Called when a message to `to` is dropped (Raft: reportUnreachable for that member). */
  onDrop?(to: number, message: M, reason: DropReason): void;
  sizeOf(message: M): number;
  /**
   * Opens a sink for a snapshot stream a peer starts (see snapshot-stream.ts), or returns null to
   * refuse it. Without this option, snapshot streams are refused.
   */
  onSnapshot?(from: number): SnapshotSink<M> | null;
  /** True for a member removed from the cluster: its connections are told so and closed. */
  isRemoved?(from: number): boolean;
  /** A peer told this member it was removed from the cluster (see isRemoved). */
  onRemovedByPeer?(): void;
  /** What a joining member asking for the membership is told (see members-query.ts); refused when absent. */
  onMembersQuery?(): unknown;
  /** Answers a follower's forwarded lease request (see lease-forward.ts); refused when absent. */
  onLeaseRequest?(body: unknown): Promise<unknown>;
  /** The largest snapshot accepted, in bytes (default 8 GiB). */
  snapshotBytesMax?: number;
  frameBytesMax?: number;
  queueMessagesMax?: number;
  queueBytesMax?: number;
  reconnectDelayMsMin?: number;
  reconnectDelayMsMax?: number;
}

export class PeerTransport<M extends { to: number }> {
  readonly stats: PeerStats = newPeerStats();
  private readonly senders = new Map<number, PeerSender<M>>();
  private readonly inbound = new Set<Socket>();
  private readonly frameBytesMax: number;

  private constructor(private readonly options: PeerTransportOptions<M>, private readonly server: Server) {
    this.frameBytesMax = options.frameBytesMax ?? PEER_FRAME_BYTES_MAX;
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Starts listening (port 0 picks a free port; read it back with address()). */
  static async listen<M extends { to: number }>(options: PeerTransportOptions<M>): Promise<PeerTransport<M>> {
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
    const hello: Hello = { cluster: this.options.cluster, from: this.options.localId, to: id };
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

  /** True when the outbound connection to `id` is established. */
  isConnected(id: number): boolean {
    return this.senders.get(id)?.connected ?? false;
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
    const hello: Hello = { cluster: this.options.cluster, from: this.options.localId, to: message.to };
    await sendSnapshotStream({ address: sender.address, hello, message, path, frameBytesMax: this.frameBytesMax });
  }

  async close(): Promise<void> {
    for (const sender of this.senders.values()) sender.close();
    this.senders.clear();
    for (const socket of this.inbound) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.inbound.add(socket);
    socket.setNoDelay(true);
    const decoder = new FrameDecoder(this.frameBytesMax);
    let from = 0;
    let snapshot: { push(frames: unknown[]): void } | null = null;
    let leases: LeaseRequestServer | null = null;
    const refuse = () => {
      this.stats.connectionsRefused++;
      socket.destroy();
    };
    socket.on('data', (chunk: Buffer) => {
      let frames: unknown[];
      try {
        frames = decoder.push(chunk);
      } catch {
        return refuse();
      }
      this.stats.bytesReceived += chunk.length;
      for (let i = 0; i < frames.length; i++) {
        const frame = frames[i];
        if (snapshot !== null) return snapshot.push(frames.slice(i));
        if (from === 0) {
          if (isHello(frame) && frame.stream === 'members' && frame.cluster === this.options.cluster) {
            const answer = this.options.onMembersQuery?.();
            if (answer === undefined) return refuse();
            socket.end(encodeFrame(answer));
            return;
          }
          if (!isHello(frame) || frame.cluster !== this.options.cluster || frame.to !== this.options.localId || frame.from <= 0) {
            return refuse();
          }
          from = frame.from;
          if (frame.stream === 'snapshot') {
            const sink = this.options.onSnapshot?.(from) ?? null;
            if (sink === null) return refuse();
            snapshot = receiveSnapshotStream(socket, sink, this.options.isMessage, this.options.snapshotBytesMax ?? 8 * 2 ** 30);
          }
          if (frame.stream === 'lease') {
            const answer = this.options.onLeaseRequest;
            if (answer === undefined) return refuse();
            leases = new LeaseRequestServer(socket, answer);
          }
          continue;
        }
        if (leases !== null) {
          if (!leases.push(frame)) return refuse();
          continue;
        }
        if (this.options.isRemoved?.(from) === true) {
          // As etcd answers a removed member's traffic with 410 Gone: it learns it was removed.
          this.stats.connectionsRefused++;
          socket.end(encodeFrame({ removed: true }));
          return;
        }
        if (!Array.isArray(frame) || !frame.every((value) => this.options.isMessage(value))) return refuse();
        this.stats.framesReceived++;
        this.stats.messagesReceived += frame.length;
        for (const message of frame as M[]) this.options.onMessage(message, from);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => this.inbound.delete(socket));
  }
}
