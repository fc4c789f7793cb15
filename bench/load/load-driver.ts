/**
 * What a load process needs from a protocol: open connections, send one request on one of them, be
 * told when it is answered (or failed), close. Callbacks rather than promises: at 100k requests/s a
 * promise per request is measurable client CPU, and the client must not be the bottleneck.
 */
import type { LoadRequest } from './workload.js';

/** Called once per request: null when it succeeded, else the error's message. */
export type Completion = (error: string | null) => void;

export interface LoadDriver {
  /** Opens every connection; rejects if any cannot be opened. */
  connect(): Promise<void>;
  /** Connections this driver holds. */
  readonly connectionCount: number;
  /** Sends `request` on connection `connection` (0-based). */
  send(connection: number, request: LoadRequest, done: Completion): void;
  close(): void;
}
