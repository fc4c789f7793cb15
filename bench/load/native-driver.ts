/**
 * A lean driver of cairn's native protocol (net/http/ws/protocol.ts): one `ws` socket per
 * connection, a callback per request id, and one cork of the TCP socket per tick so a burst of
 * pipelined requests leaves in one writev. It keeps none of net/client's failover, queueing or
 * deadlines: a load run wants every request on the wire at once and every failure counted.
 */
import WebSocket from 'ws';
import { CompareResult, CompareTarget } from '../../engine/mvcc/rpc.js';
import { decodeFrame, encodeFrame, type Op } from '../../net/http/ws/protocol.js';
import { TickCork } from '../../net/client/tick-cork.js';
import type { Completion, LoadDriver } from './load-driver.js';
import type { LoadRequest } from './workload.js';

/** The protocol operation and body of a load request. */
export function nativeRequestOf(request: LoadRequest): { op: Op; body: unknown } {
  const { key, value } = request;
  switch (request.operation) {
    case 'put': return { op: 'put', body: { key, value } };
    case 'range': return { op: 'range', body: { key } };
    case 'range-serializable': return { op: 'range', body: { key, serializable: true } };
    case 'delete': return { op: 'delete_range', body: { key } };
    // Compare-and-swap: write only if the key still holds the value this workload writes.
    case 'txn': return {
      op: 'txn',
      body: {
        compare: [{ result: CompareResult.EQUAL, target: CompareTarget.VALUE, key, value }],
        success: [{ request_put: { key, value } }],
        failure: [{ request_range: { key } }],
      },
    };
  }
}

class NativeConnection {
  private readonly pending = new Map<number, Completion>();
  private nextId = 1;

  private readonly cork: TickCork;

  constructor(private readonly socket: WebSocket) {
    this.cork = new TickCork(socket);
    socket.on('message', (data: Buffer) => this.onFrame(data));
    socket.on('close', () => this.failAll('connection closed'));
    socket.on('error', () => {});
  }

  send(request: LoadRequest, done: Completion): void {
    // Answered on a later turn, like every other completion: callers may send again from it.
    if (this.socket.readyState !== WebSocket.OPEN) {
      setImmediate(done, 'connection closed');
      return;
    }
    this.cork.cork();
    const id = this.nextId++;
    const { op, body } = nativeRequestOf(request);
    this.pending.set(id, done);
    this.socket.send(encodeFrame({ id, op, body }), { binary: true });
  }

  close(): void {
    this.socket.close(1000, 'load done');
    this.failAll('connection closed');
  }

  private onFrame(data: Buffer): void {
    const frame = decodeFrame(data) as { id: number; error?: { message?: string } };
    const done = this.pending.get(frame.id);
    if (done === undefined) return;
    this.pending.delete(frame.id);
    done(frame.error === undefined || frame.error === null ? null : String(frame.error.message));
  }

  private failAll(reason: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const done of pending) done(reason);
  }
}

export class NativeDriver implements LoadDriver {
  private readonly connections: NativeConnection[] = [];

  /** `urls[i % urls.length]` serves connection i. */
  constructor(private readonly urls: readonly string[], readonly connectionCount: number, private readonly firstUrl = 0) {}

  async connect(): Promise<void> {
    for (let i = 0; i < this.connectionCount; i++) {
      const url = this.urls[(this.firstUrl + i) % this.urls.length]!;
      const socket = new WebSocket(url, { perMessageDeflate: false });
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', (error) => reject(new Error(`cannot connect to ${url}: ${error.message}`)));
      });
      this.connections.push(new NativeConnection(socket));
    }
  }

  send(connection: number, request: LoadRequest, done: Completion): void {
    this.connections[connection]!.send(request, done);
  }

  close(): void {
    for (const connection of this.connections) connection.close();
  }
}
