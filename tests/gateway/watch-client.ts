/**
 * Test helper: a curl-like client of POST /v3/watch and /v3/lease/keepalive. It sends a body
 * (whole, or in pieces while the response streams), and hands back the status, headers and the
 * streamed lines one at a time, so a test can compare them byte for byte. Its own connection (no
 * keep-alive); close() ends it.
 */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';

/** How long a test waits for one line before it fails (a missing line, not a slow one). */
export const LINE_TIMEOUT_MS = 10_000;

/**
 * `promise`, or a failure naming `what` after `timeoutMs`: a response that must end (a keep-alive
 * stream whose body ended) fails the test instead of hanging it.
 */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs = LINE_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not come within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface WatchHead {
  status: number;
  headers: IncomingMessage['headers'];
}

export class WatchClient {
  /** The response's status and headers, once they arrive. */
  readonly head: Promise<WatchHead>;
  /** The whole body once the response ends. */
  readonly body: Promise<string>;
  private readonly request: ClientRequest;
  private response: IncomingMessage | undefined;
  private buffered = '';
  private all = '';
  private ended = false;
  private wake: (() => void) | undefined;

  private constructor(port: number, path: string, headers: Record<string, string>) {
    this.request = request({ host: '127.0.0.1', port, method: 'POST', path, agent: false, headers: { connection: 'close', ...headers } });
    let endBody: (text: string) => void = () => {};
    this.body = new Promise((resolve) => { endBody = resolve; });
    this.head = new Promise((resolve, reject) => {
      this.request.on('response', (response) => {
        this.response = response;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          this.buffered += chunk;
          this.all += chunk;
          this.wake?.();
        });
        const finish = (): void => {
          this.ended = true;
          endBody(this.all);
          this.wake?.();
        };
        response.on('end', finish);
        response.on('close', finish);
        resolve({ status: response.statusCode ?? 0, headers: response.headers });
      });
      this.request.on('error', reject);
    });
    this.request.on('error', () => {});
  }

  /** Sends `body` whole (with a Content-Length, as curl -d does). */
  static open(port: number, body: string | Uint8Array, path = '/v3/watch'): WatchClient {
    const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    const client = new WatchClient(port, path, { 'content-length': String(length) });
    client.request.end(body);
    return client;
  }

  /** Starts a chunked body; send more with `write`, end it with `endBody`. */
  static streaming(port: number, first: string, path = '/v3/watch'): WatchClient {
    const client = new WatchClient(port, path, { 'transfer-encoding': 'chunked' });
    client.request.write(first);
    return client;
  }

  write(piece: string): void {
    this.request.write(piece);
  }

  endBody(): void {
    this.request.end();
  }

  /** The next line, without its "\n"; fails after LINE_TIMEOUT_MS or when the response ends first. */
  async line(): Promise<string> {
    const deadline = Date.now() + LINE_TIMEOUT_MS;
    for (;;) {
      const newline = this.buffered.indexOf('\n');
      if (newline >= 0) {
        const line = this.buffered.slice(0, newline);
        this.buffered = this.buffered.slice(newline + 1);
        return line;
      }
      if (this.ended) throw new Error(`the response ended before a full line; left: ${JSON.stringify(this.buffered)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line within ${LINE_TIMEOUT_MS} ms; buffered: ${JSON.stringify(this.buffered.slice(0, 200))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** `count` lines, in order. */
  async lines(count: number): Promise<string[]> {
    const lines: string[] = [];
    for (let i = 0; i < count; i++) lines.push(await this.line());
    return lines;
  }

  /** What arrived and was not taken as a line yet (a trailing error chunk has no newline). */
  get rest(): string {
    return this.buffered;
  }

  /** Stops reading the socket (the server's writes back up) and resumes it. */
  pause(): void {
    this.response?.pause();
  }

  resume(): void {
    this.response?.resume();
  }

  /** Goes away, as a client that hangs up does. */
  close(): void {
    this.request.destroy();
    this.response?.destroy();
  }
}
