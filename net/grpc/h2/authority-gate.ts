/**
 * Decides, before node's HTTP/2 session takes an HTTP/2 client connection, whether its requests
 * need their :authority rewritten (authority.ts: etcdctl's `http://host:port` authorities). Most
 * connections do not, and they get the socket itself, which node's session reads natively; the
 * others get an AuthorityRewritingStream in between, which costs every byte a trip through JS.
 *
 * The answer is in the first request's header block, but a grpc-go client sends no request before
 * it has the server's SETTINGS, and node's session would send those only once it has the socket.
 * So the gate sends them itself: an empty SETTINGS frame (a valid server preface that declares
 * only defaults), and takes the client's acknowledgement of it out of the stream, so that node's
 * session, which sends its own SETTINGS when it starts, receives exactly one ACK for them.
 *
 * The decision comes when both the ACK and the first header block arrived. Before that, a frame
 * other than SETTINGS, WINDOW_UPDATE or PRIORITY (a PING, say), a connection that sent no request
 * within DECISION_WAIT_MS of its ACK, or more than RECEIVED_BYTES_MAX held, hands the socket over
 * as it is (less the ACK); a connection whose first request is fine stays native, and should
 * a later request on it carry a refused authority, nghttp2 refuses that stream as before.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { HTTP2_PREFACE } from '../../client-listener.js';
import { AuthorityRewritingStream } from './authority-rewriting-stream.js';
import { needsRewrite } from './header-block-rewrite.js';
import { HpackDecoder } from './hpack-decoder.js';
import {
  EMPTY_SETTINGS_FRAME, FLAG_ACK, FLAG_END_HEADERS, FRAME_CONTINUATION, FRAME_HEADERS, FRAME_PRIORITY, FRAME_SETTINGS,
  FRAME_WINDOW_UPDATE, frameAt, joinHeaderBlock, type Frame,
} from './h2-frames.js';

/** How long after its ACK a connection may go without a request before it is handed over natively. */
export const DECISION_WAIT_MS = 250;
/** How long a client may take to acknowledge the gate's SETTINGS (RFC 9113 asks for it at once) before it is dropped. */
export const ACK_WAIT_MS = 10_000;
/** What the gate holds at most before it hands the connection over natively. */
export const RECEIVED_BYTES_MAX = 256 * 1024;

/** Frames a client may send before its first request without the gate giving up waiting for it. */
const PRE_REQUEST_FRAMES = new Set([FRAME_SETTINGS, FRAME_WINDOW_UPDATE, FRAME_PRIORITY]);

/**
 * Takes a connection that opened with the HTTP/2 preface (still unread in it) and calls `serve`
 * once with what node's HTTP/2 session should read: the socket itself or a rewriting stream.
 */
export function gateAuthority(socket: Socket, serve: (connection: Duplex) => void, settings: Buffer = EMPTY_SETTINGS_FRAME): void {
  new AuthorityGate(socket, serve, settings);
}

class AuthorityGate {
  private received: Buffer = Buffer.alloc(0);
  /** Where the next unparsed frame starts in `received`. */
  private parsed = HTTP2_PREFACE.length;
  /** The bytes of the client's ACK of the gate's SETTINGS, once it came. */
  private ack: { start: number; end: number } | null = null;
  private readonly headerFrames: Frame[] = [];
  /** The first request's verdict, once its block is complete; 'native' also when waiting stopped. */
  private verdict: 'native' | 'rewrite' | null = null;
  private timer: NodeJS.Timeout | undefined;
  private done = false;
  private readonly onData = (chunk: Buffer): void => this.take(chunk);
  private readonly onGone = (): void => this.abandon();

  /** `settings`: the SETTINGS frame the gate sends first (prefaceSettingsFrame). */
  constructor(private readonly socket: Socket, private readonly serve: (connection: Duplex) => void, settings: Buffer) {
    socket.on('data', this.onData);
    socket.on('close', this.onGone);
    socket.on('error', this.onGone);
    socket.write(settings);
    this.timer = setTimeout(() => this.abandon(), ACK_WAIT_MS);
  }

  private take(chunk: Buffer): void {
    this.received = Buffer.concat([this.received, chunk]);
    for (let frame = frameAt(this.received, this.parsed); frame !== null && !this.decided; frame = frameAt(this.received, this.parsed)) {
      const start = this.parsed;
      this.parsed += frame.bytes.length;
      this.see(frame, start);
    }
    if (this.verdict === null && this.received.length > RECEIVED_BYTES_MAX) this.verdict = 'native';
    if (this.decided) this.handOver();
  }

  /** Both the ACK and the verdict are in. */
  private get decided(): boolean {
    return this.verdict !== null && this.ack !== null;
  }

  private see(frame: Frame, start: number): void {
    if (frame.type === FRAME_SETTINGS && frame.flags & FLAG_ACK && this.ack === null) {
      this.ack = { start, end: this.parsed };
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.stopWaiting(), DECISION_WAIT_MS);
      return;
    }
    // Past the verdict only the ACK is looked for.
    if (this.verdict !== null) return;
    if (this.headerFrames.length > 0 || frame.type === FRAME_HEADERS) {
      this.headerFrames.push(frame);
      if ((frame.type === FRAME_HEADERS || frame.type === FRAME_CONTINUATION) && frame.flags & FLAG_END_HEADERS) this.judge();
      return;
    }
    if (!PRE_REQUEST_FRAMES.has(frame.type)) this.verdict = 'native';
  }

  /** The first header block is complete: does it hold an authority to rewrite? */
  private judge(): void {
    try {
      const block = joinHeaderBlock(this.headerFrames);
      this.verdict = needsRewrite(new HpackDecoder().decode(block.fragment)) ? 'rewrite' : 'native';
    } catch {
      // nghttp2 answers a broken block itself.
      this.verdict = 'native';
    }
  }

  private stopWaiting(): void {
    if (this.done || this.verdict !== null) return;
    this.verdict = 'native';
    this.handOver();
  }

  private handOver(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.socket.off('data', this.onData);
    this.socket.off('close', this.onGone);
    this.socket.off('error', this.onGone);
    this.socket.pause();
    const { start, end } = this.ack!;
    const rest = Buffer.concat([this.received.subarray(0, start), this.received.subarray(end)]);
    if (this.verdict === 'rewrite') {
      this.serve(new AuthorityRewritingStream(this.socket, rest));
    } else {
      this.socket.unshift(rest);
      this.serve(this.socket);
    }
  }

  private abandon(): void {
    this.done = true;
    clearTimeout(this.timer);
    this.socket.destroy();
  }
}
