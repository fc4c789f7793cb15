/**
 * One streaming HTTP exchange as a streaming route (the gateway's watch and keep-alive,
 * gateway-stream.ts) sees it, whichever server carries it: the request body as it arrives, and an
 * answer written as chunks (Transfer-Encoding: chunked). uws-transport.ts and node-transport.ts
 * implement it.
 *
 * Writing follows uWS's model, which node's streams share: a write is always taken, and returns
 * false when the transport had to buffer it; `onWritable` runs once what it buffered has gone.
 */
import type { HttpReply } from './http-reply.js';

export interface StreamExchange {
  /** The client went (or the connection broke): nothing may be written after. */
  onAborted(handler: () => void): void;
  /** The transport sent what it buffered after a write returned false. */
  onWritable(handler: () => void): void;
  /** Body bytes as they arrive (a chunk is valid only during the call), the last with `isLast`. */
  onData(handler: (chunk: Uint8Array, isLast: boolean) => void): void;
  /** Runs `writes` so that what they write leaves together. */
  cork(writes: () => void): void;
  /** The status line and headers; once, before the first chunk. */
  writeHead(status: number, headers: Readonly<Record<string, string>>): void;
  /** One chunk of the body; false when the transport had to buffer it. */
  write(chunk: string): boolean;
  /** Ends the answer (after the status line and headers, written by now). */
  end(): void;
  /** Answers with a whole reply instead; nothing may have been written before. */
  reply(reply: HttpReply): void;
}
