/**
 * The native protocol's server side (protocol.ts has the frame format): one uWS WebSocket route
 * whose connections carry many requests at once.
 *
 * Flow control, per connection:
 *   requests accepted ──> inFlight (dispatched, not yet answered)
 *                           └─> outbox (answered, waiting to be written) ──> uWS socket buffer
 * - inFlight + the answers in the outbox is bounded by inFlightMax: beyond it a request is refused
 *   with "etcdserver: too many requests", so a client that pipelines without limit cannot grow
 *   server memory.
 * - The outbox is flushed once per event-loop turn, frames corked together (one syscall per cork),
 *   and only while the socket's buffered amount is below BUFFERED_BYTES_HIGH; a client that does
 *   not read keeps its answers in the outbox (bounded above) until uWS reports drain, which
 *   schedules the next flush. Refusals also queue there, so a client that keeps sending without
 *   reading is closed at OUTBOX_FRAMES_MAX answers.
 * - Pushed watch frames share the outbox, so they leave in order with the answers, but they are
 *   bounded by bytes instead: the connection's watch stream (ws-watch.ts) stops taking live events
 *   while the outbox and uWS's buffer hold more than WS_WATCH_UNSENT_BYTES_MAX.
 */
import uWS from '@trufflesuite/uws-js-unofficial';
import type { WebSocket, WebSocketBehavior } from '@trufflesuite/uws-js-unofficial';
import { ErrRequestTooLarge, ErrTooManyRequests, EtcdError, GrpcCode } from '../../../engine/errors.js';
import type { EtcdServer } from '../../../engine/server/etcd-server.js';
import { serviceDispatch, type Dispatch } from './dispatch.js';
import {
  CLOSE_GOING_AWAY, CLOSE_INTERNAL_ERROR, CLOSE_MESSAGE_TOO_BIG, CLOSE_POLICY_VIOLATION, CLOSE_UNSUPPORTED_DATA, decodeFrame, encodeFrame,
  FRAME_HARD_LIMIT_FACTOR, FRAME_OVERHEAD_BYTES, frameIdOf, isOp, isWatchOp, OPS, type ErrorBody, type ResponseFrame,
  type WatchOp,
} from './protocol.js';
import { invalidRequest } from './validate-request.js';
import { PagedFrame, PagedRangeAnswer, rangeFrameHead } from './range-frames.js';
import { ConnectionWatch, DEFERRED } from './ws-watch.js';

/** Above this many bytes buffered in uWS, answers wait in the outbox for drain. */
const BUFFERED_BYTES_HIGH = 1024 * 1024;
/** uWS's own hard cap: a send beyond it closes the connection rather than dropping a frame silently. */
const BACKPRESSURE_BYTES_MAX = 256 * 1024 * 1024;
const EMPTY_FRAGMENT = new Uint8Array(0);
/** Seconds without traffic before uWS pings (and later closes) a connection. */
const IDLE_TIMEOUT_S = 120;

export interface WsLimits {
  maxRequestBytes: number;
  inFlightMax: number;
}

interface Connection {
  open: boolean;
  /** Ids dispatched and not yet answered. */
  inFlight: Set<number>;
  /** Encoded answers, pushed watch frames and paged range answers not yet (all) handed to uWS, in order. */
  outbox: (Uint8Array | PagedFrame)[];
  /** How many of the outbox's frames are answers (the rest are pushed watch frames). */
  outboxAnswers: number;
  /** Whether each outbox frame is an answer, in outbox order. */
  outboxIsAnswer: boolean[];
  outboxBytes: number;
  /** The connection's watch stream, from its first watch op on. */
  watch: ConnectionWatch | null;
}

export class WsEndpoint {
  private readonly sockets = new Set<WebSocket<Connection>>();
  private readonly dirty = new Set<WebSocket<Connection>>();
  private flushScheduled = false;
  private readonly dispatch: Dispatch;
  private readonly frameBytesMax: number;
  private readonly outboxFramesMax: number;

  /** Ops of a service the server lacks answer UNIMPLEMENTED, as a gRPC server without the service. */
  constructor(private readonly server: EtcdServer, private readonly limits: WsLimits) {
    this.dispatch = serviceDispatch(server);
    this.frameBytesMax = limits.maxRequestBytes + FRAME_OVERHEAD_BYTES;
    this.outboxFramesMax = 2 * limits.inFlightMax;
  }

  /** The uWS behaviour for the protocol's route. */
  behavior(): WebSocketBehavior<Connection> {
    return {
      compression: uWS.DISABLED,
      maxPayloadLength: this.frameBytesMax * FRAME_HARD_LIMIT_FACTOR,
      maxBackpressure: BACKPRESSURE_BYTES_MAX,
      closeOnBackpressureLimit: 1,
      idleTimeout: IDLE_TIMEOUT_S,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => {
        const connection: Connection = {
          open: true, inFlight: new Set(), outbox: [], outboxAnswers: 0, outboxIsAnswer: [], outboxBytes: 0, watch: null,
        };
        res.upgrade(connection, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'),
          req.getHeader('sec-websocket-extensions'), context);
      },
      open: (ws) => { this.sockets.add(ws); },
      message: (ws, message, isBinary) => this.onMessage(ws, message, isBinary),
      // Not flushed inside the handler: frames sent from uWS's drain callback (v20.30) could stay
      // in its buffer with the socket no longer polled for writable, and the connection stalled.
      drain: (ws) => this.scheduleFlush(ws),
      close: (ws) => {
        const connection = ws.getUserData();
        connection.open = false;
        connection.watch?.close();
        // Paged ranges not sent yet are dropped in the apply worker.
        for (const frame of connection.outbox) if (frame instanceof PagedFrame) frame.pages.close();
        this.sockets.delete(ws);
        this.dirty.delete(ws);
      },
    };
  }

  /** Closes every connection (server shutdown); answers still pending are dropped. */
  closeAll(): void {
    for (const ws of [...this.sockets]) ws.end(CLOSE_GOING_AWAY, 'server shutting down');
  }

  private onMessage(ws: WebSocket<Connection>, message: ArrayBuffer, isBinary: boolean): void {
    if (!isBinary) return ws.end(CLOSE_UNSUPPORTED_DATA, 'text frames are not supported: send binary msgpack frames');
    let frame: unknown;
    let malformed = 'a map with id (a non-negative integer) is required';
    try {
      // uWS neuters the message after this callback; one copy keeps decoded bytes fields valid.
      frame = decodeFrame(Buffer.from(message.slice(0)));
    } catch {
      malformed = 'not msgpack';
    }
    const id = frameIdOf(frame);
    if (id === undefined) {
      if (message.byteLength > this.frameBytesMax) return ws.end(CLOSE_MESSAGE_TOO_BIG, `frame larger than ${this.frameBytesMax} bytes`);
      return ws.end(CLOSE_POLICY_VIOLATION, `malformed frame: ${malformed}`);
    }
    const connection = ws.getUserData();
    if (message.byteLength > this.frameBytesMax) return this.answer(ws, { id, error: errorBodyOf(ErrRequestTooLarge) });
    if (connection.inFlight.has(id)) return this.answer(ws, { id, error: errorBodyOf(invalidRequest(`id ${id} is already in flight`)) });
    if (connection.inFlight.size + connection.outboxAnswers >= this.limits.inFlightMax) {
      return this.answer(ws, { id, error: errorBodyOf(ErrTooManyRequests) });
    }
    const { op, body } = frame as { op?: unknown; body?: unknown };
    if (!isOp(op)) return this.answer(ws, { id, error: errorBodyOf(invalidRequest(`op must be one of ${OPS.join(', ')}`)) });
    connection.inFlight.add(id);
    if (isWatchOp(op)) return this.watchOp(ws, id, op, body);
    let pending: unknown;
    try {
      pending = this.dispatch(op, body);
    } catch (error) {
      pending = Promise.reject(error);
    }
    Promise.resolve(pending).then(
      (result) => this.settle(ws, id, { id, result }),
      (error: unknown) => this.settle(ws, id, { id, error: errorBodyOf(error) }),
    );
  }

  /** Watch ops are answered in this turn (a progress request maybe later), in the stream's order. */
  private watchOp(ws: WebSocket<Connection>, id: number, op: WatchOp, body: unknown): void {
    try {
      const result = this.watchOf(ws).handle(id, op, body);
      if (result !== DEFERRED) this.settle(ws, id, { id, result });
    } catch (error) {
      this.settle(ws, id, { id, error: errorBodyOf(error) });
    }
  }

  private watchOf(ws: WebSocket<Connection>): ConnectionWatch {
    const connection = ws.getUserData();
    if (connection.watch !== null) return connection.watch;
    this.server.checkService('Watch');
    connection.watch = new ConnectionWatch(this.server, {
      push: (frames) => { for (const frame of frames) this.enqueue(ws, frame, false); },
      settle: (id, result) => this.settle(ws, id, { id, result }),
      unsentBytes: () => (connection.open ? connection.outboxBytes + ws.getBufferedAmount() : 0),
    }, this.limits.maxRequestBytes);
    return connection.watch;
  }

  private settle(ws: WebSocket<Connection>, id: number, frame: ResponseFrame): void {
    const connection = ws.getUserData();
    const paged = 'result' in frame && frame.result instanceof PagedRangeAnswer ? frame.result : undefined;
    if (!connection.open) return paged?.pages.close();
    connection.inFlight.delete(id);
    if (paged !== undefined) return this.answerPaged(ws, id, paged);
    this.answer(ws, frame);
  }

  /** A range answer: one frame when its one page is all, else a frame sent in pages as they are read. */
  private answerPaged(ws: WebSocket<Connection>, id: number, answer: PagedRangeAnswer): void {
    const head = rangeFrameHead(id, answer);
    if (answer.pages.head.last) return this.enqueue(ws, Buffer.concat([head, answer.pages.head.page]), true);
    const frame = new PagedFrame(head, answer.pages);
    this.readPage(ws, frame);
    this.enqueue(ws, frame, true);
  }

  /** Reads a paged frame's next page; the socket is flushed when it is there. */
  private readPage(ws: WebSocket<Connection>, frame: PagedFrame): void {
    frame.reading = true;
    frame.pages.next().then((page) => {
      frame.reading = false;
      if (page === undefined) frame.exhausted = true;
      else frame.page = page;
      if (ws.getUserData().open) this.scheduleFlush(ws);
    }, (error: unknown) => {
      // Half of the message is out: the answer cannot become an error frame, only end the connection.
      if (ws.getUserData().open) ws.end(CLOSE_INTERNAL_ERROR, `range failed while being sent: ${errorBodyOf(error).message}`);
    });
  }

  private answer(ws: WebSocket<Connection>, frame: ResponseFrame): void {
    let bytes: Uint8Array;
    try {
      bytes = encodeFrame(frame);
    } catch (error) {
      bytes = encodeFrame({ id: frame.id, error: { code: GrpcCode.INTERNAL, message: `cairn: cannot encode response: ${String(error)}` } });
    }
    this.enqueue(ws, bytes, true);
  }

  /** Queues one frame for the next flush. */
  private enqueue(ws: WebSocket<Connection>, frame: Uint8Array | PagedFrame, isAnswer: boolean): void {
    const connection = ws.getUserData();
    if (!connection.open) return;
    connection.outbox.push(frame);
    connection.outboxIsAnswer.push(isAnswer);
    connection.outboxBytes += frameBytes(frame);
    if (isAnswer && ++connection.outboxAnswers > this.outboxFramesMax) return ws.end(CLOSE_POLICY_VIOLATION, 'too many unread responses');
    this.scheduleFlush(ws);
  }

  /** Flushes `ws` in the next turn, with every other connection that has something queued. */
  private scheduleFlush(ws: WebSocket<Connection>): void {
    this.dirty.add(ws);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const dirty = [...this.dirty];
      this.dirty.clear();
      for (const socket of dirty) this.flush(socket);
    });
  }

  /**
   * Hands queued frames to uWS in corks while the socket's buffer is below the high-water mark,
   * then lets the watch stream know how much is left unsent (uWS's drain schedules one).
   *
   * Uncorking writes the buffer to the socket, and a reading client may take all of it right
   * there. uWS reports drain only from its writable callback, which then never comes, so a flush
   * that stopped at the mark looks again after each cork instead of waiting for a drain.
   */
  private flush(ws: WebSocket<Connection>): void {
    const connection = ws.getUserData();
    while (connection.open && connection.outbox.length > 0 && ws.getBufferedAmount() < BUFFERED_BYTES_HIGH) {
      const first = connection.outbox[0]!;
      if (!(first instanceof PagedFrame)) this.sendCorked(ws, connection);
      else if (!this.sendPages(ws, connection, first)) break;
    }
    if (!connection.open) return;
    connection.watch?.flushed();
  }

  /**
   * Sends what a paged frame has ready (its head, the page read); true once its last fragment is
   * out and it has left the outbox, false while it waits for a page (nothing behind it may go out
   * before it ends: a WebSocket message's fragments cannot interleave with other messages).
   */
  private sendPages(ws: WebSocket<Connection>, connection: Connection, frame: PagedFrame): boolean {
    let ended = false;
    ws.cork(() => {
      if (!frame.started) {
        frame.started = true;
        ws.sendFirstFragment(frame.head, true);
      }
      if (frame.page !== undefined) {
        ws.sendFragment(frame.page);
        frame.page = undefined;
      }
      if (!frame.exhausted) return;
      ws.sendLastFragment(EMPTY_FRAGMENT);
      ended = true;
    });
    if (!connection.open) return false;
    if (!ended) {
      if (!frame.reading && frame.page === undefined) this.readPage(ws, frame);
      return false;
    }
    connection.outbox.shift();
    connection.outboxIsAnswer.shift();
    connection.outboxBytes -= frameBytes(frame);
    connection.outboxAnswers--;
    return true;
  }

  /** One cork of sends from the outbox up to a paged frame, stopping at the high-water mark; sends at least one frame. */
  private sendCorked(ws: WebSocket<Connection>, connection: Connection): void {
    let sent = 0;
    let sentBytes = 0;
    let sentAnswers = 0;
    ws.cork(() => {
      while (sent < connection.outbox.length && ws.getBufferedAmount() < BUFFERED_BYTES_HIGH) {
        const bytes = connection.outbox[sent]!;
        if (bytes instanceof PagedFrame) return;
        if (connection.outboxIsAnswer[sent] === true) sentAnswers++;
        sentBytes += bytes.length;
        sent++;
        ws.send(bytes, true);
        // A send past BACKPRESSURE_BYTES_MAX closes the socket (closeOnBackpressureLimit).
        if (!connection.open) return;
      }
    });
    if (!connection.open) return;
    connection.outbox.splice(0, sent);
    connection.outboxIsAnswer.splice(0, sent);
    connection.outboxBytes -= sentBytes;
    connection.outboxAnswers -= sentAnswers;
  }
}

/** The bytes a queued frame counts for: a paged frame's head (its pages are counted by uWS once sent). */
function frameBytes(frame: Uint8Array | PagedFrame): number {
  return frame instanceof PagedFrame ? frame.head.length : frame.length;
}

function errorBodyOf(error: unknown): ErrorBody {
  if (error instanceof EtcdError) return { code: error.code, message: error.message };
  return { code: GrpcCode.UNKNOWN, message: error instanceof Error ? error.message : String(error) };
}
