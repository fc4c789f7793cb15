/**
 * The WAL's errors, created in one place. Corruption names the segment file and byte offset so an
 * operator can find the damage; it is never skipped silently (etcd's `wal: crc mismatch`).
 */

/** A segment holds bytes that fail verification and are followed by data that was once durable. */
export class WalCorruptionError extends Error {
  override readonly name = 'WalCorruptionError';

  constructor(readonly file: string, readonly offset: number, readonly reason: string) {
    super(`wal: corrupt segment ${file} at offset ${offset}: ${reason}`);
  }
}

/** The WAL worker stopped on an I/O or invariant failure; the WAL is unusable until reopened. */
export class WalFailedError extends Error {
  override readonly name = 'WalFailedError';

  /** `detail` is what failed, without the "wal: " every WAL error starts with. */
  constructor(readonly detail: string) {
    super(`wal: ${detail}`);
  }
}

/**
 * Error names and fields survive postMessage only as plain data; this is their wire form. A
 * failure travels as its detail, so the main thread rebuilds it from fields, never by parsing
 * its message.
 */
export interface WalErrorWire {
  name: string;
  message: string;
  /** WalFailedError's detail (any other error's message, which becomes one). */
  detail?: string;
  file?: string;
  offset?: number;
  reason?: string;
}

/** Turns any error thrown in the worker into its wire form. */
export function errorToWire(error: unknown): WalErrorWire {
  if (error instanceof WalCorruptionError) {
    return { name: error.name, message: error.message, file: error.file, offset: error.offset, reason: error.reason };
  }
  const detail = error instanceof WalFailedError ? error.detail : error instanceof Error ? error.message : String(error);
  return { name: 'WalFailedError', message: `wal: ${detail}`, detail };
}

/** Rebuilds a worker error on the main thread. */
export function errorFromWire(wire: WalErrorWire): Error {
  if (wire.name === 'WalCorruptionError') return new WalCorruptionError(wire.file!, wire.offset!, wire.reason!);
  return new WalFailedError(wire.detail ?? wire.message);
}
