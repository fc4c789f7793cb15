/**
 * One LeaseKeepAlive bidi stream spoken over node:http2 directly (no gRPC library): the request
 * headers gRPC asks for, one HTTP/2 DATA frame per keep-alive, answers cut out of the DATA chunks
 * and read by keepalive-wire.ts, and the gRPC status from the trailers.
 *
 * Why by hand: the grpc-js client spends ~58 µs of CPU per keep-alive, and on a 2-core machine the
 * keep-alive process shares its cores with the members it measures. Why one frame per keep-alive:
 * that is how Go's clientv3 and grpc-js send them, and a server pays per frame; node:http2 joins
 * the writes waiting behind an unfinished one into a single DATA frame (Http2Stream's _writev),
 * so the next write starts only once the previous one has gone out, as grpc-js does.
 */
import http2 from 'node:http2';
import { decodeKeepAliveResponse, GrpcMessageReader, grpcStatusOf } from './keepalive-wire.js';

const KEEPALIVE_PATH = '/etcdserverpb.Lease/LeaseKeepAlive';
const GRPC_OK = 0;

/** One HTTP/2 connection (prior knowledge, no TLS) to a member's gRPC port; `target` is host:port. */
export function connectMember(target: string, timeoutMs: number): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://${target}`);
    const timer = setTimeout(() => { session.destroy(); reject(new Error(`cannot connect to ${target}: no answer within ${timeoutMs} ms`)); }, timeoutMs);
    session.once('connect', () => {
      clearTimeout(timer);
      // From here a session error also ends each of its streams with that error, which reports it.
      session.removeAllListeners('error');
      session.on('error', () => {});
      resolve(session);
    });
    session.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot connect to ${target}: ${error.message}`));
    });
  });
}

export interface KeepAliveCallHandlers {
  /** An answer, in the order the keep-alives were sent. */
  onAnswer(ttl: bigint): void;
  /** The stream failed; called at most once, and nothing follows it. */
  onError(error: Error): void;
}

export class KeepAliveCall {
  private readonly stream: http2.ClientHttp2Stream;
  private readonly reader: GrpcMessageReader;
  /** Keep-alives waiting for the write ahead of them to go out (bounded by the sender's window). */
  private readonly waiting: Buffer[] = [];
  private writing = false;
  private done = false;

  constructor(session: http2.ClientHttp2Session, private readonly handlers: KeepAliveCallHandlers) {
    this.reader = new GrpcMessageReader((body) => this.handlers.onAnswer(decodeKeepAliveResponse(body).ttl));
    this.stream = session.request({
      ':method': 'POST', ':path': KEEPALIVE_PATH, 'content-type': 'application/grpc', te: 'trailers',
    });
    this.stream.on('response', (headers) => this.onHeaders(headers));
    this.stream.on('data', (chunk: Buffer) => this.onData(chunk));
    this.stream.on('trailers', (trailers) => this.onStatus(trailers));
    this.stream.on('error', (error: Error) => this.fail(error));
    this.stream.on('close', () => {
      if (!this.done) this.fail(new Error(`stream closed (RST_STREAM code ${this.stream.rstCode ?? '-'}) without a gRPC status`));
    });
  }

  /** Sends one keep-alive: `message` is a whole gRPC message (keepalive-wire.ts's encodeKeepAliveRequest). */
  send(message: Buffer): void {
    if (this.done) return;
    this.waiting.push(message);
    if (!this.writing) this.writeNext();
  }

  /** Half-closes the stream (the server then ends it with status OK); keep-alives still waiting are dropped. */
  end(): void {
    this.waiting.length = 0;
    if (!this.stream.closed) this.stream.end();
  }

  private writeNext(): void {
    const message = this.waiting.shift();
    this.writing = message !== undefined;
    if (message === undefined || this.done) return;
    // The callback runs once the frame is handed to the socket; an error also reaches 'error'.
    this.stream.write(message, (error) => { if (error === null || error === undefined) this.writeNext(); });
  }

  private onHeaders(headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader): void {
    const status = headers[':status'];
    const contentType = headers['content-type'] ?? '';
    if (status !== 200 || !contentType.startsWith('application/grpc')) {
      this.fail(new Error(`not a gRPC answer: HTTP ${status ?? '-'}, content-type "${contentType}"`));
      this.stream.close(http2.constants.NGHTTP2_CANCEL);
      return;
    }
    // A trailers-only answer (an immediate error) carries its status in these headers.
    if (grpcStatusOf(headers) !== null) this.onStatus(headers);
  }

  private onData(chunk: Buffer): void {
    if (this.done) return;
    try {
      this.reader.push(chunk);
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
      this.stream.close(http2.constants.NGHTTP2_CANCEL);
    }
  }

  private onStatus(trailers: http2.IncomingHttpHeaders): void {
    const status = grpcStatusOf(trailers);
    if (status === null) this.fail(new Error('trailers without grpc-status'));
    else if (status.code !== GRPC_OK) this.fail(new Error(`grpc-status ${status.code}: ${status.message}`));
    else if (this.reader.pendingBytes > 0) this.fail(new Error(`stream ended inside a message (${this.reader.pendingBytes} bytes held)`));
    else this.done = true;
  }

  private fail(error: Error): void {
    if (this.done) return;
    this.done = true;
    this.waiting.length = 0;
    this.handlers.onError(error);
  }
}
