/**
 * The logging port: what the engine (member, Raft driver, WAL, apply) calls to report an event. It
 * is shaped like etcd's zap logger: a level method takes etcd's message and structured fields
 * (`lg.Warn("slow fdatasync", zap.Duration("took", d))` becomes
 * `logger.warn('slow fdatasync', { took: '1.2s' })`). The engine never knows where lines go or how
 * they are written: bin/ builds the real logger (bin/log/) from --logger, --log-level and
 * --log-outputs and passes it in through the member's options; unit tests get SILENT_LOGGER.
 *
 * Call sites log events (elections, snapshots, slow disks), never one line per request: a call at
 * a level that is off costs one method call and no formatting.
 */
import { formatGoDuration } from './wire/go-duration.js';

/** Structured fields of one line: JSON-serialisable values (bigint is written as a number). */
export type LogFields = Readonly<Record<string, unknown>>;

/** The levels a call site can log at, least severe first (zap's names). */
export const LOG_CALL_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
/** One of LOG_CALL_LEVELS. */
export type LogCallLevel = (typeof LOG_CALL_LEVELS)[number];

/** Where the engine reports events. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** False when lines at `level` are dropped: lets a caller skip computing costly fields. */
  enabled(level: LogCallLevel): boolean;
  /** A logger whose lines name `caller` (the component, as zap's "caller" names the Go file). */
  named(caller: string): Logger;
}

const ignore = (): void => {};

/** Drops everything: the default wherever no logger is given (unit tests, simulations). */
export const SILENT_LOGGER: Logger = {
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  enabled: () => false,
  named: () => SILENT_LOGGER,
};

/** Go's time.Duration text for a span in milliseconds, as zap.Duration writes it ("1.5s", "250ms", "2m0s"). */
export function goDuration(ms: number): string {
  return formatGoDuration(Math.round(ms * 1e6));
}

/** An etcd member or cluster id as etcd's types.ID prints it: lower-case hex, no padding. */
export function idHex(id: number | bigint): string {
  return id.toString(16);
}
