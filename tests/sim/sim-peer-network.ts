/**
 * One member incarnation's PeerNetwork port over the simulated network (network.ts). It behaves
 * as the TCP transport does where the member can tell: a message to a member that is down or cut
 * off is reported dropped (the member reports it unreachable); one lost in flight is not; a
 * receiver takes messages only from known peers and members of its configuration, and tells a
 * removed member so. A snapshot goes as one transfer that takes a while, is written through the
 * receiver's snapshot store, and fails after 30 s without an answer (the transport's idle timeout).
 */
import { readFileSync } from 'node:fs';
import type { PeerHandler, PeerNetwork } from '../../engine/node/ports.js';
import { MessageType, type Message } from '../../engine/raft/message.js';
import type { MemberClock } from './scheduler.js';

/** What the port needs from the simulated cluster. */
export interface SimPeerWorld {
  /** Queues a message on the network; false when a cut link dropped it. */
  send(message: Message): boolean;
  /** True while `to` runs and messages from `from` reach it. */
  reachable(from: number, to: number): boolean;
  /** The handler of `to`'s running incarnation and its clock, or null while it is down. */
  receiver(to: number): { handler: PeerHandler; network: SimPeerNetwork; clock: MemberClock } | null;
  /** The membership table member `id` holds now (its store's), or null while it is down. */
  membersOf(id: number): { id: number; peer_urls: string[] }[] | null;
  /** A snapshot of `bytes` starts across the network: how long it takes. */
  snapshotTransferMs(bytes: number): number;
}

/** A transfer that gets no answer for this long fails (net/peer/snapshot-stream.ts: 30 s). */
export const SNAPSHOT_TRANSFER_TIMEOUT_MS = 30_000;

/** A member's peer URL: a valid one, as etcd's membership checks want; the network goes by id. */
/** One network hop for a request that is not a Raft message (a membership query). */
const NET_HOP_MS = 10;

export function simPeerUrl(id: number): string {
  return `http://m${id}.sim:2380`;
}

export class SimPeerNetwork implements PeerNetwork {
  handler: PeerHandler | null = null;
  private readonly peers = new Set<number>();
  private closed = false;

  constructor(readonly localId: number, private readonly clock: MemberClock, private readonly world: SimPeerWorld,
    initialPeers: readonly number[]) {
    for (const id of initialPeers) if (id !== localId) this.peers.add(id);
  }

  attach(handler: PeerHandler): void {
    this.handler = handler;
  }

  send(messages: readonly Message[]): void {
    if (this.closed || this.clock.dead) return;
    for (const message of messages) {
      if (message.type === MessageType.MsgSnap) throw new Error('sim network: a MsgSnap must go with sendSnapshot');
      if (!this.peers.has(message.to) || !this.world.reachable(message.from, message.to) || !this.world.send(message)) {
        this.handler?.onDrop(message.to, message);
      }
    }
  }

  /** Takes a message the network delivers now; false when it is refused. */
  deliver(message: Message): void {
    const handler = this.handler;
    if (handler === null || this.closed || this.clock.dead) return;
    if (handler.isRemoved(message.from)) {
      // The transport tells a removed member so, and it stops.
      this.world.receiver(message.from)?.handler.onRemovedByPeer();
      return;
    }
    if (!this.peers.has(message.from) && !handler.isMember(message.from)) return;
    handler.onMessage(message);
  }

  async sendSnapshot(message: Message, path: string): Promise<void> {
    if (this.closed || this.clock.dead) throw new Error('sim network: closed');
    const bytes = readFileSync(path);
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error: Error | null): void => {
        if (settled) return;
        settled = true;
        if (error === null) resolve();
        else reject(error);
      };
      this.clock.setTimeout(() => settle(new Error('snapshot transfer timed out')), SNAPSHOT_TRANSFER_TIMEOUT_MS);
      this.clock.after(this.world.snapshotTransferMs(bytes.length), () => {
        const receiver = this.world.reachable(message.from, message.to) ? this.world.receiver(message.to) : null;
        if (receiver === null) return settle(new Error(`snapshot transfer to ${message.to}: connection refused`));
        receiver.clock.after(0, () => {
          const sink = receiver.handler.onSnapshot(message.from, message.term);
          if (sink === null) return settle(new Error('snapshot refused'));
          sink.write(bytes)
            .then(() => sink.finish(message, bytes.length))
            .then(() => settle(null), (error: Error) => {
              sink.abort();
              settle(error);
            });
        });
      });
    });
  }

  /** As the TCP network: one reachable known peer's membership, a network hop each way; unknown members are added. */
  discoverPeers(): void {
    if (this.closed || this.clock.dead) return;
    const peer = [...this.peers].find((id) => this.world.reachable(this.localId, id) && this.world.reachable(id, this.localId));
    if (peer === undefined) return;
    this.clock.after(2 * NET_HOP_MS, () => {
      const members = this.world.membersOf(peer);
      if (members === null || this.closed) return;
      for (const record of members) {
        if (record.id !== this.localId && this.handler?.isRemoved(record.id) !== true) this.setPeer(record.id);
      }
    });
  }

  setPeer(id: number): void {
    if (id !== this.localId) this.peers.add(id);
  }

  removePeer(id: number): void {
    this.peers.delete(id);
  }

  peerUrlOf(id: number): string | undefined {
    return this.peers.has(id) ? simPeerUrl(id) : undefined;
  }

  peerIds(): number[] {
    return [...this.peers];
  }

  isConnected(id: number): boolean {
    return this.peers.has(id) && this.world.reachable(this.localId, id);
  }

  localUrl(): string {
    return simPeerUrl(this.localId);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
