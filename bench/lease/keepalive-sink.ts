/**
 * A LeaseKeepAlive server that does nothing but answer: the keep-alive benchmark's `sink` phase
 * points the keep-alive streams at these (one process per member) instead of the members, while
 * the put load runs on the cluster as usual. Writes then pay for the keep-alive traffic itself (the
 * client, loopback TCP, node's HTTP/2 on the receiving side) but not for anything cairn does with a
 * keep-alive, so the sink phase's writes against the keepalive phase's are what cairn's own lease
 * work costs on this machine.
 *
 * It answers as cheaply as cairn's raw route can: cairn's hand codec (net/grpc/raw), the requests
 * of each KEEPALIVE_WINDOW_MS answered in one write, every lease with a fixed TTL, no lease table,
 * no leader, no Raft. Any other call is refused with UNIMPLEMENTED.
 */
import { createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { GrpcCode } from '../../engine/errors.js';
import { KEEPALIVE_WINDOW_MS } from '../../engine/lease/keepalive-batcher.js';
import { LEASE_KEEPALIVE_PATH } from '../../net/grpc/lease-service.js';
import { encodeResponseHeader } from '../../engine/wire/response-header.js';
import { GrpcMessageReader, statusHeaders } from '../../net/grpc/raw/grpc-wire.js';
import { decodeKeepAliveRequest, encodeKeepAliveAnswers } from '../../net/grpc/raw/keepalive-codec.js';
import { serveParent, tellParent } from '../common/child-ipc.js';

/** What the benchmark asks of a sink. */
export type SinkParentMessage = { type: 'listen'; ttlSeconds: number } | { type: 'mark' } | { type: 'stop' };

export type SinkMessage =
  | { type: 'listening'; target: string }
  | { type: 'sink-result'; answered: number; cpuSeconds: number; windowSeconds: number }
  | { type: 'failed'; message: string };

/** A keep-alive request is a single int64: anything much larger is not one. */
const MESSAGE_BYTES_MAX = 64;
/** The header every answer carries; its values only need to look like a member's. */
const HEADER = encodeResponseHeader({ cluster_id: 1, member_id: 1, revision: 1, raft_term: 1 });

class KeepAliveSink {
  private server: Http2Server | null = null;
  private answered = 0;
  private markMs = 0;
  private cpuAtMark: NodeJS.CpuUsage | null = null;

  constructor(private readonly ttlSeconds: number) {}

  async listen(): Promise<string> {
    const server = createServer();
    this.server = server;
    server.on('stream', (stream, headers) => {
      stream.on('error', () => {});
      if (headers[':path'] !== LEASE_KEEPALIVE_PATH) {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...statusHeaders(GrpcCode.UNIMPLEMENTED, 'the sink answers keep-alives only') },
          { endStream: true });
        return;
      }
      this.serve(stream, String(headers['grpc-encoding'] ?? 'identity'));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  mark(): void {
    this.markMs = performance.now();
    this.cpuAtMark = process.cpuUsage();
    this.answered = 0;
  }

  result(): SinkMessage {
    const cpu = process.cpuUsage(this.cpuAtMark ?? undefined);
    const windowSeconds = this.markMs > 0 ? (performance.now() - this.markMs) / 1000 : 0;
    return { type: 'sink-result', answered: this.answered, cpuSeconds: (cpu.user + cpu.system) / 1e6, windowSeconds };
  }

  close(): void {
    this.server?.close();
  }

  /** Answers what each window brought in one write, as cairn's keep-alive route does. */
  private serve(stream: ServerHttp2Stream, encoding: string): void {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers(statusHeaders(GrpcCode.OK, '')));
    const reader = new GrpcMessageReader(MESSAGE_BYTES_MAX, encoding);
    let ids: number[] = [];
    let timer: NodeJS.Timeout | null = null;
    const answer = (): void => {
      timer = null;
      const batch = ids;
      ids = [];
      this.answered += batch.length;
      if (!stream.closed) stream.write(encodeKeepAliveAnswers(HEADER, batch, batch.map(() => this.ttlSeconds)));
    };
    stream.on('data', (chunk: Buffer) => {
      for (const message of reader.push(chunk)) ids.push(decodeKeepAliveRequest(message));
      timer ??= setTimeout(answer, KEEPALIVE_WINDOW_MS);
    });
    stream.on('end', () => {
      if (timer !== null) clearTimeout(timer);
      if (ids.length > 0) answer();
      if (!stream.closed) stream.end();
    });
  }
}

let sink: KeepAliveSink | null = null;
const tell = (message: SinkMessage): void => tellParent(message);

serveParent<SinkParentMessage>(async (message) => {
  switch (message.type) {
    case 'listen':
      sink = new KeepAliveSink(message.ttlSeconds);
      tell({ type: 'listening', target: await sink.listen() });
      return;
    case 'mark': sink!.mark(); return;
    case 'stop': tell(sink!.result()); return;
  }
}, () => sink?.close());
