/**
 * etcdctl's exit codes and the error types commands throw to end with one of them. Messages are
 * printed as etcdctl prints them: `Error: <message>` on stderr (a panic: `panic: <message>`).
 */
import type { EtcdError } from '../../engine/errors.js';

/** The server answered with an error, or a call timed out. */
export const EXIT_ERROR = 1;
/** etcdctl panicked (Go's exit code for a runtime panic). */
export const EXIT_PANIC = 2;
/**
 * etcdctl's ExitBadConnection, the same number as a panic: what `lease timetolive`, `lease list`
 * and `lease keep-alive` exit with when their call fails.
 */
export const EXIT_BAD_CONNECTION = 2;
/** A txn script could not be parsed. */
export const EXIT_INVALID_INPUT = 3;
/** A flag value names something etcdctl does not support (output format, sort target, ...). */
export const EXIT_BAD_FEATURE = 4;
/** A watch ended: the server canceled it or the stream closed. */
export const EXIT_INTERRUPTED = 5;
/** The command was given the wrong arguments. */
export const EXIT_BAD_ARGS = 128;

/**
 * Ends the command: `Error: <message>` on stderr, then exit with `exitCode`. A failed call keeps
 * the status it failed with as an EtcdError (`status`), mapped once as clientv3 maps it, so a
 * command asks which error it was by identity, not by its text.
 */
export class CtlError extends Error {
  constructor(readonly exitCode: number, message: string, readonly status?: EtcdError) {
    super(message);
  }
}

/**
 * A usage error found while parsing the command line (unknown command or flag, bad flag value).
 * cobra reports these twice on stderr, with the command's usage on stdout in between.
 */
export class UsageError extends Error {
  constructor(message: string, readonly hint = '') {
    super(message);
  }
}

/**
 * A runtime panic etcdctl would hit (its argify slices quoted words out of bounds): Go prints
 * `panic: <message>` and the goroutine's stack, and exits 2.
 */
export class GoPanic extends CtlError {
  constructor(message: string) {
    super(EXIT_PANIC, message);
  }
}
