/**
 * The native protocol's server side (protocol.ts has the frame format): one uWS WebSocket route
 * whose connections carry many requests at once.
 *
 * Flow control, per connection:
 *   requests accepted ──> inFlight (dispatched, not yet answered)
 *                           └─> outbox (answered, waiting to be written) ──> uWS socket buffer
 * - inFlight + outbox is bounded by inFlightMax: beyond it a request is refused with "etcdserver:
 *   too many requests", so a client that pipelines without limit cannot grow server memory.
 * - The outbox is flushed once per event-loop turn, all frames in one cork (one syscall), and only
 *   while the socket's buffered amount is below BUFFERED_BYTES_HIGH; a client that does not read
 *   keeps its answers in the outbox (bounded above) until uWS reports drain. Refusals also queue
 *   there, so a client that keeps sending without reading is closed at OUTBOX_FRAMES_MAX.
 */
import uWS from '@trufflesuite/uws-js-unofficial';
import type { WebSocket, WebSocketBehavior } from '@trufflesuite/uws-js-unofficial';
import { ErrRequestTooLarge, ErrTooManyRequests, EtcdError, GrpcCode } from '../../../engine/errors.js';
import type { KvServer } from '../../../engine/node/kv-server.js';
import type { Member } from '../../../engine/node/member.js';
import { kvDispatch, type Dispatch } from './dispatch.js';
import {
  CLOSE_GOING_AWAY, CLOSE_MESSAGE_TOO_BIG, CLOSE_POLICY_VIOLATION, CLOSE_UNSUPPORTED_DATA, decodeFrame, encodeFrame,
  FRAME_HARD_LIMIT_FACTOR, FRAME_OVERHEAD_BYTES, frameIdOf, isOp, OPS, type ErrorBody, type ResponseFrame,
} from './protocol.js';
import { invalidRequest } from './validate-request.js';

/** Above this many bytes buffered in uWS, answers wait in the outbox for drain. */
const BUFFERED_BYTES_HIGH = 1024 * 1024;
/** uWS's own hard cap: a send beyond it closes the connection rather than dropping a frame silently. */
const BACKPRESSURE_BYTES_MAX = 256 * 1024 * 1024;
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
  /** Encoded answers not yet handed to uWS. */
  outbox: Uint8Array[];
}

export class WsEndpoint {
  private readonly sockets = new Set<WebSocket<Connection>>();
  private readonly dirty = new Set<WebSocket<Connection>>();
  private flushScheduled = false;
  private readonly dispatch: Dispatch;
  private readonly frameBytesMax: number;
  private readonly outboxFramesMax: number;

  constructor(member: Member, kv: KvServer, private readonly limits: WsLimits) {
    this.dispatch = kvDispatch(member, kv);
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
        const connection: Connection = { open: true, inFlight: new Set(), outbox: [] };
        res.upgrade(connection, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'),
          req.getHeader('sec-websocket-extensions'), context);
      },
      open: (ws) => { this.sockets.add(ws); },
      message: (ws, message, isBinary) => this.onMessage(ws, message, isBinary),
      drain: (ws) => this.flush(ws),
      close: (ws) => {
        ws.getUserData().open = false;
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
    if (connection.inFlight.size + connection.outbox.length >= this.limits.inFlightMax) {
      return this.answer(ws, { id, error: errorBodyOf(ErrTooManyRequests) });
    }
    const { op, body } = frame as { op?: unknown; body?: unknown };
    if (!isOp(op)) return this.answer(ws, { id, error: errorBodyOf(invalidRequest(`op must be one of ${OPS.join(', ')}`)) });
    connection.inFlight.add(id);
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

  private settle(ws: WebSocket<Connection>, id: number, frame: ResponseFrame): void {
    const connection = ws.getUserData();
    if (!connection.open) return;
    connection.inFlight.delete(id);
    this.answer(ws, frame);
  }

  private answer(ws: WebSocket<Connection>, frame: ResponseFrame): void {
    const connection = ws.getUserData();
    let bytes: Uint8Array;
    try {
      bytes = encodeFrame(frame);
    } catch (error) {
      bytes = encodeFrame({ id: frame.id, error: { code: GrpcCode.INTERNAL, message: `cairn: cannot encode response: ${String(error)}` } });
    }
    connection.outbox.push(bytes);
    if (connection.outbox.length > this.outboxFramesMax) return ws.end(CLOSE_POLICY_VIOLATION, 'too many unread responses');
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

  /** Hands queued answers to uWS in one cork while the socket's buffer is below the high-water mark. */
  private flush(ws: WebSocket<Connection>): void {
    const connection = ws.getUserData();
    if (!connection.open || connection.outbox.length === 0) return;
    let sent = 0;
    ws.cork(() => {
      while (sent < connection.outbox.length && ws.getBufferedAmount() < BUFFERED_BYTES_HIGH) {
        ws.send(connection.outbox[sent]!, true);
        sent++;
        // A send past BACKPRESSURE_BYTES_MAX closes the socket (closeOnBackpressureLimit).
        if (!connection.open) return;
      }
    });
    if (connection.open) connection.outbox.splice(0, sent);
  }
}

function errorBodyOf(error: unknown): ErrorBody {
  if (error instanceof EtcdError) return { code: error.code, message: error.message };
  return { code: GrpcCode.UNKNOWN, message: error instanceof Error ? error.message : String(error) };
}
