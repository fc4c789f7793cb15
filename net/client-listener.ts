/**
 * One client URL (--listen-client-urls): a TCP listener whose connections are told apart by their
 * first bytes, as etcd's cmux does. A connection that opens with HTTP/2's client preface
 * ("PRI * HTTP/2.0", prior knowledge: gRPC) goes to `http2`; any other (HTTP/1.1: the JSON gateway,
 * /health, /metrics, a WebSocket upgrade) to `other`. Each gets the socket itself with the bytes
 * read so far put back, so the HTTP/2 session reads it natively, not through a JS stream.
 */
import net from 'node:net';

/** What every HTTP/2 connection opens with (RFC 9113, 3.4). */
export const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Where a connection goes, by its first bytes. */
export interface ClientConnectionHandlers {
  /** A connection that opened with the HTTP/2 preface; the preface is still unread in it. */
  http2(socket: net.Socket): void;
  /** Any other connection; its first bytes are still unread in it. */
  other(socket: net.Socket): void;
}

/**
 * 'http2' once the bytes are the preface, 'other' as soon as they differ from it, 'more' while
 * they are a proper prefix of it.
 */
export function classifyFirstBytes(bytes: Buffer): 'http2' | 'other' | 'more' {
  const compared = Math.min(bytes.length, HTTP2_PREFACE.length);
  if (bytes.compare(HTTP2_PREFACE, 0, compared, 0, compared) !== 0) return 'other';
  return compared === HTTP2_PREFACE.length ? 'http2' : 'more';
}

export class ClientListener {
  /** Connections whose first bytes have not decided where they go yet. */
  private readonly undecided = new Set<net.Socket>();

  private constructor(private readonly server: net.Server) {}

  /** Listens on host:port (0 picks a free port); rejects when the port is taken. */
  static async listen(host: string, port: number, handlers: ClientConnectionHandlers): Promise<ClientListener> {
    // Small gRPC and HTTP answers must leave at once, not wait for Nagle's timer.
    const server = net.createServer({ noDelay: true });
    const listener = new ClientListener(server);
    server.on('connection', (socket) => listener.sniff(socket, handlers));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return listener;
  }

  /** The port listened on (the ephemeral one when started on port 0). */
  get port(): number {
    const address = this.server.address();
    return address !== null && typeof address === 'object' ? address.port : -1;
  }

  /**
   * Stops accepting connections (the port is free when this returns) and drops those still
   * undecided; handed-over ones are their handlers' to close.
   */
  close(): void {
    for (const socket of this.undecided) socket.destroy();
    this.undecided.clear();
    this.server.close();
  }

  private sniff(socket: net.Socket, handlers: ClientConnectionHandlers): void {
    this.undecided.add(socket);
    let received = Buffer.alloc(0);
    const forget = (): void => { this.undecided.delete(socket); };
    socket.once('close', forget);
    // A connection reset before it said anything is nobody's business.
    const ignore = (): void => {};
    socket.on('error', ignore);
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) received = Buffer.concat([received, chunk]);
      const kind = classifyFirstBytes(received);
      if (kind === 'more') return;
      socket.off('readable', onReadable);
      socket.off('close', forget);
      socket.off('error', ignore);
      forget();
      socket.unshift(received);
      if (kind === 'http2') handlers.http2(socket);
      else handlers.other(socket);
    };
    socket.on('readable', onReadable);
  }
}
