/**
 * The server's logger: the engine's Logger port (engine/logger.ts) writing one line per event to
 * the --log-outputs sinks, in etcd's two layouts:
 * - zap (etcd 3.5's default, `--logger zap` in 3.4): one JSON object a line,
 *   `{"level":"info","ts":"2026-12-07T20:08:04.901Z","caller":"raft/member","msg":"...",<fields>}`;
 * - capnslog (etcd 3.4's default): `2026-12-07 20:08:04.901000 I | raft/member: ... key=value`.
 * `caller` names the component that logged (etcd's names the Go file and line; finding a line
 * number would cost a stack trace per call).
 *
 * Lines are written synchronously (fs.writeSync), as pino's default destination and zap's
 * os.Stderr do, so the line before a crash is on disk. Only events are logged (never one line per
 * request), so the write path pays nothing for it. pino is not installed in this repository; to
 * use it, build the Logger here over `pino({ level, timestamp: isoTime, messageKey: 'msg' },
 * pino.multistream(...))` with `(msg, fields) => instance.info(fields, msg)`: the port stays the same.
 */
import { writeSync } from 'node:fs';
import type { LogCallLevel, LogFields, Logger } from '../../engine/logger.js';

/** etcd's --log-level values, least severe first (zap's levels). */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'panic', 'fatal'] as const;
/** One of LOG_LEVELS. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/** The layouts --logger selects. */
export const LOGGER_KINDS = ['zap', 'capnslog'] as const;
/** One of LOGGER_KINDS. */
export type LoggerKind = (typeof LOGGER_KINDS)[number];

/** The levels lines can carry: the call levels plus fatal, which bin/cairn logs before exiting. */
type LineLevel = LogCallLevel | 'fatal';
const SEVERITY: Readonly<Record<LogLevel | LineLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3, panic: 4, fatal: 5 };
const CAPNSLOG_LETTER: Readonly<Record<LineLevel, string>> = { debug: 'D', info: 'I', warn: 'W', error: 'E', fatal: 'C' };

export interface LineLoggerOptions {
  kind: LoggerKind;
  level: LogLevel;
  /** File descriptors every line goes to. */
  fds: readonly number[];
  /** The clock (tests pass a fixed one). */
  now?: () => Date;
}

/** The engine's Logger, plus the fatal line bin/cairn writes before exiting. */
export interface ServerLogger extends Logger {
  fatal(msg: string, fields?: LogFields): void;
  named(caller: string): ServerLogger;
}

/** JSON.stringify that writes a bigint as its number and an Error as its message, as zap.Error does. */
function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value) <= Number.MAX_SAFE_INTEGER ? Number(value) : value.toString();
  if (value instanceof Error) return value.message;
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
}

function zapLine(level: LineLevel, ts: Date, caller: string, msg: string, fields: LogFields | undefined): string {
  const head = `{"level":"${level}","ts":"${ts.toISOString()}","caller":${JSON.stringify(caller)},"msg":${JSON.stringify(msg)}`;
  if (fields === undefined) return `${head}}\n`;
  const rest = JSON.stringify(fields, jsonValue);
  return rest === '{}' ? `${head}}\n` : `${head},${rest.slice(1)}\n`;
}

function capnslogLine(level: LineLevel, ts: Date, caller: string, msg: string, fields: LogFields | undefined): string {
  const iso = ts.toISOString();
  const when = `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
  const pairs = fields === undefined ? '' : Object.entries(fields).map(([key, value]) => ` ${key}=${JSON.stringify(value, jsonValue)}`).join('');
  return `${when} ${CAPNSLOG_LETTER[level]} | ${caller}: ${msg}${pairs}\n`;
}

/** A logger writing lines at `options.level` and above to `options.fds`. */
export function createLineLogger(options: LineLoggerOptions, caller = 'cairn'): ServerLogger {
  const least = SEVERITY[options.level];
  const now = options.now ?? ((): Date => new Date());
  const format = options.kind === 'zap' ? zapLine : capnslogLine;
  const write = (level: LineLevel, msg: string, fields?: LogFields): void => {
    if (SEVERITY[level] < least) return;
    const line = format(level, now(), caller, msg, fields);
    for (const fd of options.fds) writeSync(fd, line);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    fatal: (msg, fields) => write('fatal', msg, fields),
    enabled: (level) => SEVERITY[level] >= least,
    named: (name) => createLineLogger(options, name),
  };
}
