/**
 * The outbound half of the connection pair to one peer: dials it, says Hello, and writes batches
 * of messages. Messages queued in one event-loop turn leave as one frame (one write).
 *
 * Bounded: while connecting, or while the socket is not draining, messages wait in a queue capped
 * by count and bytes; beyond that, and while the peer is unreachable (between reconnect attempts),
 * messages are dropped and counted. Dropping is safe for Raft: the leader retransmits, and the
 * onUnreachable callback lets it slow down to probing.
 */
import { connect, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder, type Hello } from './frame-codec.js';
import type { DropReason, PeerStats } from './peer-stats.js';
import { Histogram } from '../../engine/metrics/histogram.js';
import { ETCD_PEER_ROUND_TRIP_BUCKETS_SECONDS } from '../../engine/metrics/buckets.js';
import { isProbeAck, PROBE_INTERVAL_MS } from './peer-probe.js';

export interface PeerAddress {
  host: string;
  port: number;
}

export interface PeerSenderOptions<M> {
  hello: Hello;
  address: PeerAddress;
  stats: PeerStats;
  queueMessagesMax: number;
  queueBytesMax: number;
  frameBytesMax: number;
  reconnectDelayMsMin: number;
  reconnectDelayMsMax: number;
  /** Estimated encoded size of a message, for the byte bound. */
  sizeOf(message: M): number;
  onDrop(message: M, reason: DropReason): void;
  /** The peer answered that this member was removed from the cluster. */
  onRemoved?(): void;
}

type SenderState = 'connecting' | 'connected' | 'backing-off' | 'closed';

export class PeerSender<M> {
  private state: SenderState = 'backing-off';
  private socket: Socket | null = null;
  private queue: M[] = [];
  private queueBytes = 0;
  private flushScheduled = false;
  private reconnectDelayMs: number;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Frame bytes written to this peer (etcd_network_peer_sent_bytes_total{To}). */
  bytesSent = 0;
  /** Probe round trips to this peer (etcd_network_peer_round_trip_time_seconds{To}). */
  readonly roundTripSeconds = new Histogram(ETCD_PEER_ROUND_TRIP_BUCKETS_SECONDS);
  /** The probe in flight: its number and when it was written; a probe unanswered when the next is due is not timed. */
  private probe = { seq: 0, sentAt: 0, answered: true };
  private readonly prober: NodeJS.Timeout;

  constructor(private readonly options: PeerSenderOptions<M>) {
    this.reconnectDelayMs = options.reconnectDelayMsMin;
    this.prober = setInterval(() => this.sendProbe(), PROBE_INTERVAL_MS);
    // Never the reason a process stays alive.
    this.prober.unref();
    this.dial();
  }

  /** Where the peer is dialed. */
  get address(): PeerAddress {
    return this.options.address;
  }

  /** True while a connection is established. */
  get connected(): boolean {
    return this.state === 'connected';
  }

  /** Queues a message for the next flush, or drops it (counted) when it cannot be sent. */
  send(message: M): void {
    const bytes = this.options.sizeOf(message);
    if (bytes > this.options.frameBytesMax) return this.drop(message, 'too_large');
    if (this.state === 'backing-off' || this.state === 'closed') return this.drop(message, 'unreachable');
    if (this.queue.length >= this.options.queueMessagesMax || this.queueBytes + bytes > this.options.queueBytesMax) {
      return this.drop(message, 'queue_full');
    }
    this.queue.push(message);
    this.queueBytes += bytes;
    this.scheduleFlush();
  }

  /**
   * Points the sender at a new address (a restarted member, MemberUpdate) and dials it at once:
   * the back-off earned by the old address says nothing about the new one.
   */
  redirect(address: PeerAddress): void {
    if (this.state === 'closed') return;
    if (address.host === this.options.address.host && address.port === this.options.address.port) return;
    this.options.address = address;
    this.reconnectDelayMs = this.options.reconnectDelayMsMin;
    if (this.reconnectTimer !== null) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
      this.dial();
      return;
    }
    // Connected or connecting to the old address: closing it schedules a dial of the new one.
    this.socket?.destroy();
  }

  close(): void {
    this.state = 'closed';
    clearInterval(this.prober);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.socket?.destroy();
    this.socket = null;
    this.dropQueue('unreachable');
  }

  private drop(message: M, reason: DropReason): void {
    this.options.stats.dropped[reason]++;
    this.options.onDrop(message, reason);
  }

  private dropQueue(reason: DropReason): void {
    const dropped = this.queue;
    this.queue = [];
    this.queueBytes = 0;
    for (const message of dropped) this.drop(message, reason);
  }

  private dial(): void {
    if (this.state === 'closed') return;
    this.state = 'connecting';
    const socket = connect({ host: this.options.address.host, port: this.options.address.port });
    socket.setNoDelay(true);
    this.socket = socket;
    socket.on('connect', () => {
      this.state = 'connected';
      this.reconnectDelayMs = this.options.reconnectDelayMsMin;
      socket.write(encodeFrame(this.options.hello));
      this.sendProbe();
      this.scheduleFlush();
    });
    socket.on('drain', () => this.scheduleFlush());
    // A peer sends on our dialed connection only to say we were removed from the cluster.
    const decoder = new FrameDecoder(1024);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of decoder.push(chunk)) {
          if ((frame as { removed?: unknown }).removed === true) this.options.onRemoved?.();
          else if (isProbeAck(frame)) this.onProbeAck(frame.probeAck);
        }
      } catch {
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => this.onSocketClosed(socket));
  }

  private onSocketClosed(socket: Socket): void {
    if (this.socket !== socket || this.state === 'closed') return;
    this.socket = null;
    this.state = 'backing-off';
    this.dropQueue('unreachable');
    const delayMs = this.reconnectDelayMs * (0.5 + Math.random() / 2);
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, this.options.reconnectDelayMsMax);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.dial();
    }, delayMs);
  }

  /** Writes a probe unless the connection is down or backed up (a probe never queues). */
  private sendProbe(): void {
    const socket = this.socket;
    if (this.state !== 'connected' || socket === null || socket.writableNeedDrain) return;
    this.probe = { seq: this.probe.seq + 1, sentAt: performance.now(), answered: false };
    socket.write(encodeFrame({ probe: this.probe.seq }));
  }

  private onProbeAck(seq: number): void {
    if (seq !== this.probe.seq || this.probe.answered) return;
    this.probe.answered = true;
    this.roundTripSeconds.observe((performance.now() - this.probe.sentAt) / 1000);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.queue.length === 0) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Writes the queue as frames of at most frameBytesMax (estimated), until the socket pushes back. */
  private flush(): void {
    const socket = this.socket;
    if (this.state !== 'connected' || socket === null || socket.writableNeedDrain) return;
    while (this.queue.length > 0) {
      let count = 0;
      let bytes = 0;
      while (count < this.queue.length) {
        const next = this.options.sizeOf(this.queue[count]!);
        if (count > 0 && bytes + next > this.options.frameBytesMax) break;
        bytes += next;
        count++;
      }
      const batch = this.queue.splice(0, count);
      this.queueBytes -= bytes;
      const frame = encodeFrame(batch);
      const stats = this.options.stats;
      stats.framesSent++;
      stats.messagesSent += batch.length;
      stats.bytesSent += frame.length;
      this.bytesSent += frame.length;
      if (!socket.write(frame)) return;
    }
  }
}
