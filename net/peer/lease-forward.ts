/**
 * A follower's lease requests forwarded to the leader (etcd forwards LeaseKeepAlive and
 * LeaseTimeToLive to its leader's peer URL): only the leader holds the expiry clocks.
 *
 * One connection per follower to the current leader, opened by a Hello with stream 'lease', then
 * length-prefixed msgpack frames both ways (frame-codec.ts):
 *   request  {id, body: ForwardedLeaseRequest}   (keep-alives travel in batches: {keep_alives: [ids]})
 *   answer   {id, result}   or   {id, error: {code, message}}   (etcd's gRPC code and message)
 * Requests are pipelined; each is bounded by a timeout, and the number in flight is bounded on
 * both sides.
 */
import { connect, type Socket } from 'node:net';
import { ErrLeaderChanged, ErrTimeout, ErrTooManyRequests, etcdErrorFrom, EtcdError, GrpcCode } from '../../engine/errors.js';
import type { ForwardedLeaseRequest, LeaderForwarder } from '../../engine/lease/lease-server.js';
import type { LeaseTimeToLiveRequest, LeaseTimeToLiveResponse } from '../../engine/lease/lease-rpc.js';
import { encodeFrame, FrameDecoder, PLAIN_PACKR, type Hello } from './frame-codec.js';
import type { PeerAddress } from './peer-sender.js';

/** Forwarded requests in flight on one connection, either side. */
export const LEASE_FORWARD_IN_FLIGHT_MAX = 10_000;
/** Keep-alives one forwarded request may carry (a member's batch holds about KEEPALIVE_BATCH_MAX, 10,000). */
export const KEEPALIVES_PER_REQUEST_MAX = 100_000;
/** A forwarded request fails with etcd's "request timed out" after this (etcd: 5 s request timeout). */
export const LEASE_FORWARD_TIMEOUT_MS = 5000;
const ANSWER_FRAME_BYTES_MAX = 16 * 1024 * 1024;

/**
 * Writes a frame, corking the socket until the end of the tick: the keep-alives (or answers) of one
 * event-loop turn leave in one writev instead of one write each.
 */
function writeCorked(socket: Socket, frame: Uint8Array): void {
  if (socket.writableCorked === 0) {
    socket.cork();
    process.nextTick(() => socket.uncork());
  }
  socket.write(frame);
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

interface Answer {
  id: number;
  result?: unknown;
  error?: { code: number; message: string };
}

/** The leader's side of one connection: answers each request frame as the lease server settles it. */
export class LeaseRequestServer {
  private inFlight = 0;

  constructor(private readonly socket: Socket, private readonly answer: (body: unknown) => Promise<unknown>) {}

  /** Takes one frame; false when it is not a request or too many are in flight (the caller closes). */
  push(frame: unknown): boolean {
    if (typeof frame !== 'object' || frame === null || !Number.isSafeInteger((frame as { id?: unknown }).id)) return false;
    if (this.inFlight >= LEASE_FORWARD_IN_FLIGHT_MAX) return false;
    const { id, body } = frame as { id: number; body: unknown };
    this.inFlight++;
    this.answer(body).then(
      (result) => this.reply({ id, result }),
      (error: Error & { code?: number }) => this.reply({ id, error: { code: error.code ?? 2, message: error.message } }),
    );
    return true;
  }

  private reply(answer: Answer): void {
    this.inFlight--;
    if (!this.socket.destroyed) writeCorked(this.socket, encodeFrame(answer, PLAIN_PACKR));
  }
}

/** True when a forwarded body is one the lease server answers. */
export function isForwardedLeaseRequest(body: unknown): body is ForwardedLeaseRequest {
  if (typeof body !== 'object' || body === null) return false;
  const fields = body as Record<string, unknown>;
  if ('keep_alives' in fields) {
    const ids = fields.keep_alives;
    return Array.isArray(ids) && ids.length <= KEEPALIVES_PER_REQUEST_MAX && ids.every((id) => Number.isSafeInteger(id));
  }
  const ttl = fields.time_to_live as Record<string, unknown> | undefined;
  return typeof ttl === 'object' && ttl !== null && Number.isSafeInteger(ttl.ID) && (ttl.keys === undefined || typeof ttl.keys === 'boolean');
}

/** A follower's side: forwards to whichever member leads now. */
export class LeaseForwarder implements LeaderForwarder {
  private connection: { leaderId: number; socket: Socket } | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly options: {
    cluster: string; clusterId: number; localId: number; addressOf: (id: number) => PeerAddress | undefined;
  }) {}

  async keepAlives(leaderId: number, ids: number[]): Promise<number[]> {
    const ttls = await this.request(leaderId, { keep_alives: ids });
    if (!Array.isArray(ttls) || ttls.length !== ids.length) throw new EtcdError(GrpcCode.INTERNAL, 'cairn: malformed keep-alive answer from the leader');
    return ttls as number[];
  }

  timeToLive(leaderId: number, request: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse> {
    const body: ForwardedLeaseRequest = { time_to_live: { ID: request.ID, keys: request.keys === true } };
    return this.request(leaderId, body) as Promise<LeaseTimeToLiveResponse>;
  }

  close(): void {
    this.drop(ErrLeaderChanged);
  }

  private request(leaderId: number, body: ForwardedLeaseRequest): Promise<unknown> {
    if (this.pending.size >= LEASE_FORWARD_IN_FLIGHT_MAX) return Promise.reject(ErrTooManyRequests);
    const socket = this.socketTo(leaderId);
    if (socket === null) return Promise.reject(ErrLeaderChanged);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(ErrTimeout);
      }, LEASE_FORWARD_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      writeCorked(socket, encodeFrame({ id, body }, PLAIN_PACKR));
    });
  }

  /** The connection to `leaderId`, opened (and the old one dropped) when the leader changed. */
  private socketTo(leaderId: number): Socket | null {
    if (this.connection?.leaderId === leaderId && !this.connection.socket.destroyed) return this.connection.socket;
    this.drop(ErrLeaderChanged);
    const address = this.options.addressOf(leaderId);
    if (address === undefined) return null;
    const socket = connect({ host: address.host, port: address.port });
    socket.setNoDelay(true);
    const decoder = new FrameDecoder(ANSWER_FRAME_BYTES_MAX);
    const hello: Hello = {
      cluster: this.options.cluster, clusterId: this.options.clusterId, from: this.options.localId, to: leaderId, stream: 'lease',
    };
    socket.write(encodeFrame(hello));
    socket.on('data', (chunk: Buffer) => {
      let frames: unknown[];
      try {
        frames = decoder.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const frame of frames) this.settle(frame as Answer);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.connection?.socket === socket) this.drop(ErrLeaderChanged);
    });
    this.connection = { leaderId, socket };
    return socket;
  }

  private settle(answer: Answer): void {
    const pending = this.pending.get(answer?.id);
    if (pending === undefined) return;
    this.pending.delete(answer.id);
    clearTimeout(pending.timer);
    if (answer.error !== undefined) pending.reject(etcdErrorFrom(answer.error.code, answer.error.message));
    else pending.resolve(answer.result);
  }

  /** Closes the connection; everything in flight on it fails with `error`. */
  private drop(error: Error): void {
    const connection = this.connection;
    this.connection = null;
    connection?.socket.destroy();
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
  }
}
