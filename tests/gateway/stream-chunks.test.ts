/**
 * The gateway's streams on the client port end each chunk in the write that carries it, as etcd
 * writes them (`...}\n\r\n`): a client that hands a chunk over only once its closing CRLF arrived
 * (Python's urllib3) gets a watch event, or a keep-alive answer, when it happens, not when the
 * next one comes. The reader here is a raw socket that parses chunked encoding and yields only
 * complete chunks, CRLF included.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { RunningMember } from '../node/cluster-harness.js';
import { startGatewayMember, type GatewayMember } from './gateway-member.js';
import { within } from './watch-client.js';

let gateway: GatewayMember;
let running: RunningMember;

before(async () => {
  gateway = await startGatewayMember();
  running = gateway.running;
});

after(async () => {
  await gateway.close();
});

/**
 * A streaming POST on a raw socket whose answer is read as complete chunks only. Its body is one
 * chunk of a chunked request that never ends, as a client that may send more keeps it.
 */
class ChunkReader {
  private readonly socket: net.Socket;
  private received = Buffer.alloc(0);
  private bodyStart = -1;
  private readonly chunks: string[] = [];
  private wake: (() => void) | null = null;

  constructor(port: number, path: string, body: string) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n` +
      `${body.length.toString(16)}\r\n${body}\r\n`);
    this.socket.on('data', (data: Buffer) => {
      this.received = Buffer.concat([this.received, data]);
      this.parse();
      this.wake?.();
    });
  }

  /** The next chunk whose data and closing CRLF have both arrived. */
  async next(): Promise<string> {
    while (this.chunks.length === 0) await new Promise<void>((resolve) => { this.wake = resolve; });
    return this.chunks.shift()!;
  }

  close(): void {
    this.socket.destroy();
  }

  private parse(): void {
    if (this.bodyStart < 0) {
      const end = this.received.indexOf('\r\n\r\n');
      if (end < 0) return;
      assert.match(this.received.subarray(0, end).toString(), /\r\ntransfer-encoding: chunked/i);
      this.bodyStart = end + 4;
    }
    for (;;) {
      const lineEnd = this.received.indexOf('\r\n', this.bodyStart);
      if (lineEnd < 0) return;
      const size = parseInt(this.received.subarray(this.bodyStart, lineEnd).toString(), 16);
      const dataEnd = lineEnd + 2 + size;
      if (this.received.length < dataEnd + 2) return;
      assert.equal(this.received.subarray(dataEnd, dataEnd + 2).toString(), '\r\n', 'a chunk ends with CRLF');
      this.chunks.push(this.received.subarray(lineEnd + 2, dataEnd).toString());
      this.bodyStart = dataEnd + 2;
    }
  }
}

test('a single watch event arrives as a complete chunk, its CRLF included, with no event after it', async () => {
  const reader = new ChunkReader(gateway.listener.port, '/v3/watch', '{"create_request":{"key":"c2luZ2xl"}}');
  try {
    assert.match(await within(reader.next(), 'the created response'), /"created":true/);
    await running.kv.put({ key: Buffer.from('single'), value: Buffer.from('1') });
    const event = await within(reader.next(), 'the one event\'s chunk', 5000);
    assert.match(event, /^\{"result":\{.*"events":\[\{"kv":\{"key":"c2luZ2xl".*\}\n$/);
  } finally {
    reader.close();
  }
});

test('a keep-alive answer arrives as a complete chunk while the request body is still open', async () => {
  const { ID } = await running.lease.grant({ TTL: 60, ID: 0 });
  const reader = new ChunkReader(gateway.listener.port, '/v3/lease/keepalive', `{"ID":"${ID}"}`);
  try {
    const answer = await within(reader.next(), 'the keep-alive answer', 5000);
    assert.match(answer, new RegExp(`^\\{"result":\\{"header":\\{.*\\},"ID":"${ID}","TTL":"60"\\}\\}\\n$`));
  } finally {
    reader.close();
  }
});
