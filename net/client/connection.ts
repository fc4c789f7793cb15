/**
 * One WebSocket connection of the client to one endpoint, speaking the native protocol
 * (net/http/ws/protocol.ts): it numbers requests, keeps them pending until their answer (in any
 * order) or their deadline, and rejects every pending one when the connection drops.
 *
 * - At most inFlightMax requests are on the wire (the server refuses more); the rest wait in a
 *   FIFO bounded by queuedMax, beyond which a request fails with "etcdserver: too many requests".
 * - Frames written in one tick share one cork of the TCP socket, so a burst of pipelined requests
 *   leaves in one writev instead of a syscall each.
 * - A request that timed out still counts against inFlightMax until the server answers it, since
 *   the server still counts it.
 * - Frames the server pushes for the connection's watch stream ({watch}, no id) go to onWatch, in
 *   the order they arrive, interleaved with the answers as the server sent them.
 */
import WebSocket from 'ws';
import { ErrTooManyRequests, etcdErrorFrom } from '../../engine/errors.js';
import { decodeFrame, encodeFrame, frameIdOf, type Op, type WireWatchResponse } from '../http/ws/protocol.js';
import { ConnectionLostError, deadlineExceeded, protocolViolation } from './client-errors.js';
import { TickCork } from './tick-cork.js';

export interface ConnectionOptions {
  connectTimeoutMs: number;
  inFlightMax: number;
  queuedMax: number;
  responseBytesMax: number;
  /** Called once when the connection is gone, after every pending request was rejected. */
  onClose: (connection: ClientConnection) => void;
  /** Called for each pushed watch response. */
  onWatch: (connection: ClientConnection, response: WireWatchResponse) => void;
}

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  deadlineMs: number;
  sent: boolean;
}

/** How often pending requests are checked against their deadlines. */
const DEADLINE_SWEEP_MS = 25;
/** WebSocket close code for a peer that broke the protocol (RFC 6455). */
const CLOSE_PROTOCOL_ERROR = 1002;

export class ClientConnection {
  private readonly pending = new Map<number, Pending>();
  /** Ids waiting for a free in-flight slot, oldest first; entries no longer pending are skipped. */
  private waiting: { id: number; frame: Uint8Array }[] = [];
  private waitingHead = 0;
  /** Sent requests the caller gave up on; their answers still free an in-flight slot. */
  private readonly abandoned = new Set<number>();
  private onWire = 0;
  private nextId = 1;
  private lost: ConnectionLostError | null = null;
  private readonly sweeper: NodeJS.Timeout;

  private readonly cork: TickCork;

  private constructor(readonly url: string, private readonly socket: WebSocket, private readonly options: ConnectionOptions) {
    this.cork = new TickCork(socket);
    socket.on('message', (data: Buffer, isBinary: boolean) => this.onFrame(data, isBinary));
    socket.on('close', (code: number, reason: Buffer) => this.onSocketClose(`closed: ${code} ${reason.toString()}`.trim()));
    // 'close' always follows 'error'; the reason is reported there.
    socket.on('error', () => {});
    this.sweeper = setInterval(() => this.expire(Date.now()), DEADLINE_SWEEP_MS);
    this.sweeper.unref();
  }

  /** Opens a connection; rejects with a ConnectionLostError (not sent) when the endpoint refuses. */
  static open(url: string, options: ConnectionOptions): Promise<ClientConnection> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, {
        perMessageDeflate: false, maxPayload: options.responseBytesMax, handshakeTimeout: options.connectTimeoutMs,
      });
      let failure = 'closed during handshake';
      const onError = (error: Error): void => { failure = error.message; };
      const onClose = (): void => {
        socket.off('error', onError);
        reject(new ConnectionLostError(url, failure, false));
      };
      socket.on('error', onError);
      socket.once('close', onClose);
      socket.once('open', () => {
        socket.off('error', onError);
        socket.off('close', onClose);
        resolve(new ClientConnection(url, socket, options));
      });
    });
  }

  get isOpen(): boolean {
    return this.lost === null;
  }

  /** Sends one request; resolves with its result or rejects with its EtcdError. */
  request(op: Op, body: unknown, deadlineMs: number): Promise<unknown> {
    if (this.lost !== null) return Promise.reject(new ConnectionLostError(this.url, this.lost.reason, false));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // Inside the executor, so a body the codec cannot encode rejects instead of throwing.
      const frame = encodeFrame({ id, op, body });
      const pending: Pending = { resolve, reject, deadlineMs, sent: false };
      if (this.onWire < this.options.inFlightMax) {
        this.pending.set(id, pending);
        this.write(pending, frame);
      } else if (this.waiting.length - this.waitingHead < this.options.queuedMax) {
        this.pending.set(id, pending);
        this.waiting.push({ id, frame });
      } else {
        reject(ErrTooManyRequests);
      }
    });
  }

  /** Closes the connection; pending requests fail as lost. */
  close(reason = 'closed by client'): void {
    this.socket.close(1000, reason);
    this.onSocketClose(reason);
  }

  private write(pending: Pending, frame: Uint8Array): void {
    this.cork.cork();
    pending.sent = true;
    this.onWire++;
    this.socket.send(frame, { binary: true });
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    let frame: unknown;
    try {
      if (!isBinary) throw new Error('text frame');
      frame = decodeFrame(data);
    } catch {
      return this.violation('a response frame is not binary msgpack');
    }
    const id = frameIdOf(frame);
    if (id === undefined) {
      const watch = (frame as { watch?: unknown } | null)?.watch;
      if (!isWatchResponse(watch)) return this.violation('a response frame has no id');
      this.options.onWatch(this, watch);
      return;
    }
    if (this.abandoned.delete(id)) {
      this.freeSlot();
      return;
    }
    const pending = this.pending.get(id);
    if (pending === undefined || !pending.sent) return this.violation(`an answer to unknown request ${id}`);
    this.pending.delete(id);
    this.freeSlot();
    const { result, error } = frame as { result?: unknown; error?: { code?: unknown; message?: unknown } };
    if (error !== undefined && error !== null) {
      const code = typeof error.code === 'number' ? error.code : 2;
      pending.reject(etcdErrorFrom(code, typeof error.message === 'string' ? error.message : 'unknown error'));
    } else {
      pending.resolve(result);
    }
  }

  private freeSlot(): void {
    this.onWire--;
    while (this.onWire < this.options.inFlightMax && this.waitingHead < this.waiting.length) {
      const next = this.waiting[this.waitingHead++]!;
      const pending = this.pending.get(next.id);
      if (pending !== undefined) this.write(pending, next.frame);
    }
    if (this.waitingHead === this.waiting.length) {
      this.waiting = [];
      this.waitingHead = 0;
    }
  }

  private expire(nowMs: number): void {
    for (const [id, pending] of this.pending) {
      if (pending.deadlineMs > nowMs) continue;
      this.pending.delete(id);
      if (pending.sent) this.abandoned.add(id);
      pending.reject(deadlineExceeded());
    }
  }

  private violation(message: string): void {
    const error = protocolViolation(message);
    this.socket.close(CLOSE_PROTOCOL_ERROR, message.slice(0, 120));
    this.onSocketClose(error.message);
  }

  private onSocketClose(reason: string): void {
    if (this.lost !== null) return;
    this.lost = new ConnectionLostError(this.url, reason, true);
    clearInterval(this.sweeper);
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.waiting = [];
    this.waitingHead = 0;
    for (const request of pending) request.reject(new ConnectionLostError(this.url, reason, request.sent));
    this.options.onClose(this);
  }
}

/** The shape the client relies on in a pushed watch response. */
function isWatchResponse(value: unknown): value is WireWatchResponse {
  if (typeof value !== 'object' || value === null) return false;
  const { watch_id: watchId, header, events } = value as Partial<Record<keyof WireWatchResponse, unknown>>;
  return typeof watchId === 'number' && typeof header === 'object' && header !== null &&
    typeof (header as { revision?: unknown }).revision === 'number' && Array.isArray(events);
}
