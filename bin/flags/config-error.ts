/**
 * The three ways etcd reports a bad configuration, made in one place so every message has the
 * same shape and exit code as etcd's:
 * - usage (exit 2): Go's flag package could not parse argv; etcd prints the message, then usage;
 * - verify (exit 1): "error verifying flags, <detail>. See 'etcd --help'." (cairn names itself);
 * - fatal (exit 1): printed as is, from checks made while setting up the member.
 */
import { goQuote } from './go-values.js';

/** A configuration the server must refuse: the text to print and the exit code to use. */
export interface ConfigError {
  kind: 'error';
  /** The message, without etcd's log prefix (timestamp, level, package). */
  error: string;
  exitCode: 1 | 2;
  /** Whether the usage text should follow the message (etcd prints it after argv errors). */
  showUsage: boolean;
}

/** Go's flag package refused argv (exit 2, usage follows). */
export function usageError(message: string): ConfigError {
  return { kind: 'error', error: message, exitCode: 2, showUsage: true };
}

/** One of etcd's "error verifying flags" checks failed (exit 1). */
export function verifyError(detail: string): ConfigError {
  return { kind: 'error', error: `error verifying flags, ${detail}. See 'cairn --help'.`, exitCode: 1, showUsage: false };
}

/** A set-up check failed (exit 1), printed without the "verifying flags" frame. */
export function fatalError(message: string): ConfigError {
  return { kind: 'error', error: message, exitCode: 1, showUsage: false };
}

/** etcd 3.4 panics on an unknown --log-level, which exits 2 without usage. */
export function logLevelError(level: string): ConfigError {
  return { kind: 'error', error: `unknown level ${goQuote(level)}`, exitCode: 2, showUsage: false };
}
