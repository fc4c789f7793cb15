/**
 * Test harness for the HTTP port: a TestCluster of real members with an HttpApp on each, on
 * ephemeral 127.0.0.1 ports, plus small raw clients (HTTP with no keep-alive, and a WebSocket
 * that sends hand-made frames) for checking the wire format byte by byte.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { GrpcCode } from '../../engine/errors.js';
import { HttpApp, type HttpAppOptions } from '../../net/http/http-app.js';
import { decodeFrame, encodeFrame } from '../../net/http/ws/protocol.js';
import { etcdServerOf, TestCluster, type RunningMember } from '../node/cluster-harness.js';
import type { EtcdServerParts } from '../../engine/server/etcd-server.js';

export type AppOptions = Partial<Pick<HttpAppOptions, 'maxRequestBytes' | 'wsInFlightMax'> & Pick<EtcdServerParts, 'healthTimeoutMs'>>;

export class WsCluster {
  readonly cluster: TestCluster;
  readonly apps = new Map<number, HttpApp>();

  constructor(size: number, private readonly options: AppOptions = {}) {
    this.cluster = new TestCluster(size);
  }

  /** Starts every member at once (TestCluster.startAll), then each one's app. */
  async start(): Promise<void> {
    await this.cluster.startAll();
    await Promise.all(this.cluster.ids.map((id) => this.listenApp(this.cluster.members.get(id)!, id)));
  }

  async startMember(id: number): Promise<RunningMember> {
    return this.listenApp(await this.cluster.start(id), id);
  }

  private async listenApp(running: RunningMember, id: number): Promise<RunningMember> {
    const { healthTimeoutMs, ...appOptions } = this.options;
    const server = etcdServerOf(running, undefined, healthTimeoutMs === undefined ? {} : { healthTimeoutMs });
    const app = await HttpApp.listen({ host: '127.0.0.1', port: 0, server, ...appOptions });
    this.apps.set(id, app);
    return running;
  }

  /**
   * Waits for a leader and for its first entry of the term to commit (a write goes through), so a
   * test that compares commit indexes sees only its own requests move them.
   */
  async settledLeader(): Promise<RunningMember> {
    const leader = await this.cluster.leader();
    await leader.kv.put({ key: Buffer.from('settled'), value: Buffer.from('1') });
    return leader;
  }

  app(id: number): HttpApp {
    return this.apps.get(id)!;
  }

  wsUrl(id: number): string {
    return `ws://127.0.0.1:${this.app(id).port}/ws`;
  }

  /** Closes the member's app, then stops the member. */
  async stopMember(id: number): Promise<void> {
    this.apps.get(id)?.close();
    this.apps.delete(id);
    await this.cluster.stop(id);
  }

  async close(): Promise<void> {
    for (const app of this.apps.values()) app.close();
    this.apps.clear();
    await this.cluster.close();
  }
}

export interface HttpAnswer {
  status: number;
  contentType: string | undefined;
  allow: string | undefined;
  body: string;
}

/** One HTTP request on its own connection (no keep-alive, so no socket outlives the test). */
export function httpRequest(port: number, method: string, path: string, body?: Uint8Array): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0,
        contentType: res.headers['content-type'],
        allow: res.headers.allow,
        body: Buffer.concat(chunks).toString('utf8'),
      }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A WebSocket that sends raw frames and hands back decoded answers and the close it got. */
export class RawSocket {
  private readonly frames: unknown[] = [];
  private waiters: ((frame: unknown) => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const frame = decodeFrame(data);
      const waiter = this.waiters.shift();
      if (waiter !== undefined) waiter(frame);
      else this.frames.push(frame);
    });
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    socket.on('error', () => {});
  }

  static open(url: string): Promise<RawSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { perMessageDeflate: false });
      socket.once('open', () => resolve(new RawSocket(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends raw bytes as one binary frame. */
  sendBytes(bytes: Uint8Array): void {
    this.socket.send(bytes, { binary: true });
  }

  /** Sends a frame encoded with the protocol's codec (any shape: tests send malformed ones). */
  send(frame: unknown): void {
    this.sendBytes(encodeFrame(frame as never));
  }

  /** Sends several frames in one TCP write, so the server reads them in one go. */
  sendBatch(frames: unknown[]): void {
    const raw = (this.socket as unknown as { _socket: Socket })._socket;
    raw.cork();
    for (const frame of frames) this.send(frame);
    raw.uncork();
  }

  /**
   * The next answer frame. With `timeoutMs`, a rejection once it passes (a frame arriving later goes
   * to the next caller): a test that waits on a stalled server fails and closes it instead of hanging.
   */
  next(timeoutMs?: number): Promise<Record<string, unknown>> {
    const frame = this.frames.shift();
    if (frame !== undefined) return Promise.resolve(frame as Record<string, unknown>);
    return new Promise((resolve, reject) => {
      const waiter = (arrived: unknown): void => {
        clearTimeout(timer);
        resolve(arrived as Record<string, unknown>);
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no frame within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Sends a frame and waits for the next answer. */
  async call(frame: unknown): Promise<Record<string, unknown>> {
    this.send(frame);
    return this.next();
  }

  close(): void {
    this.socket.close();
  }
}

/** Runs `test` with a one-member cluster and a raw socket to it; both are closed afterwards. */
export async function withSocket(test: (cluster: WsCluster, socket: RawSocket) => Promise<void>): Promise<void> {
  const cluster = new WsCluster(1);
  await cluster.start();
  const socket = await RawSocket.open(cluster.wsUrl(1));
  try {
    await test(cluster, socket);
  } finally {
    socket.close();
    await cluster.close();
  }
}

/** Asserts `answer` is the error answer to frame `id`: InvalidArgument, with `message` (text or pattern). */
export function assertInvalidArgument(answer: Record<string, unknown>, id: number, message: string | RegExp, name: string): void {
  assert.equal(answer.id, id, name);
  assert.equal(answer.result, undefined, name);
  const error = answer.error as { code: number; message: string };
  assert.equal(error.code, GrpcCode.INVALID_ARGUMENT, name);
  if (typeof message === 'string') assert.equal(error.message, message, name);
  else assert.match(error.message, message, name);
}
