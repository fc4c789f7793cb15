/**
 * Where log lines go (--log-outputs), opened as etcd opens its zap sinks: `default` and `stderr`
 * are standard error, `stdout` standard output, anything else a file path opened for appending
 * (created when missing). Errors are etcd's texts, so a bad output fails at start as etcd fails.
 */
import { closeSync, openSync } from 'node:fs';

/** The outputs etcd's --log-outputs accepts besides file paths. */
export const DEFAULT_LOG_OUTPUT = 'default';
const STANDARD_FDS: Readonly<Record<string, number>> = { default: 2, stderr: 2, stdout: 1 };
/** systemd's journal: etcd writes to it natively; cairn does not (run it with stderr under systemd). */
const JOURNAL_OUTPUT = 'journal';

/** Go's texts for the open errors a log path can hit. */
const GO_OPEN_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
};

/** Opened outputs: file descriptors to write whole lines to, and how to close the files among them. */
export interface LogSinks {
  fds: number[];
  close(): void;
}

/** Why these outputs cannot be used with this logger, in etcd's words, or null when they can. */
export function checkLogOutputs(outputs: readonly string[], logger: 'zap' | 'capnslog'): string | null {
  if (outputs.length > 1 && outputs.includes(DEFAULT_LOG_OUTPUT)) return `multi logoutput for "${DEFAULT_LOG_OUTPUT}" is not supported yet`;
  if (logger === 'capnslog' && outputs.length > 1) {
    return `--logger=capnslog supports only 1 value in '--log-outputs', got [${outputs.map((output) => `"${output}"`).join(' ')}]`;
  }
  if (outputs.includes(JOURNAL_OUTPUT)) return `--log-outputs=${JOURNAL_OUTPUT} is not supported: cairn does not write to systemd's journal (use stderr, which systemd records)`;
  return null;
}

/** Opens every output; returns etcd's error text when a file cannot be opened (nothing stays open then). */
export function openLogSinks(outputs: readonly string[]): LogSinks | string {
  const fds: number[] = [];
  const files: number[] = [];
  for (const output of new Set(outputs)) {
    const standard = STANDARD_FDS[output];
    if (standard !== undefined) {
      if (!fds.includes(standard)) fds.push(standard);
      continue;
    }
    try {
      const fd = openSync(output, 'a', 0o600);
      files.push(fd);
      fds.push(fd);
    } catch (error) {
      for (const fd of files) closeSync(fd);
      const reason = GO_OPEN_ERRORS[(error as NodeJS.ErrnoException).code ?? ''] ?? (error as Error).message;
      return `open sink "${output}": open ${output}: ${reason}`;
    }
  }
  return { fds, close: () => { for (const fd of files) closeSync(fd); } };
}
