/**
 * The server's logger: the engine's Logger port (engine/logger.ts) on pino, writing one line per
 * event to the --log-outputs sinks, in etcd's two layouts:
 * - zap (etcd 3.5's default, `--logger zap` in 3.4): one JSON object a line,
 *   `{"level":"info","ts":"2026-12-07T20:08:04.901Z","caller":"raft/member","msg":"...",<fields>}`;
 * - capnslog (etcd 3.4's default): `2026-12-07 20:08:04.901000 I | raft/member: ... key=value`.
 * `caller` names the component that logged (etcd's names the Go file and line; finding a line
 * number would cost a stack trace per call).
 *
 * pino writes level and ts first, then the logged object's keys in order, then its message; so
 * caller and msg go in as the object's first keys, ahead of the fields, for zap's order. The
 * capnslog layout is a small formatter on pino's stream: it reads back each JSON line (events
 * only, never a line per request, so one JSON.parse a line costs nothing that matters).
 *
 * Lines are written synchronously (pino.destination with sync: true: one write(2) per line, as
 * zap's os.Stderr), so the line before a crash or a fatal exit is on disk.
 */
import pino, { type DestinationStream, type Logger as Pino } from 'pino';
import type { LogCallLevel, LogFields, Logger } from '../../engine/logger.js';

/** etcd's --log-level values, least severe first (zap's levels). */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'panic', 'fatal'] as const;
/** One of LOG_LEVELS. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/** The layouts --logger selects. */
export const LOGGER_KINDS = ['zap', 'capnslog'] as const;
/** One of LOGGER_KINDS. */
export type LoggerKind = (typeof LOGGER_KINDS)[number];

/** zap's panic level, which pino lacks: between error (50) and fatal (60), so `--log-level panic` keeps only fatal lines. */
const PANIC_LEVEL = 55;
/** The levels lines can carry: the call levels plus fatal, which bin/cairn logs before exiting. */
type LineLevel = LogCallLevel | 'fatal';
const CAPNSLOG_LETTER: Readonly<Record<string, string>> = { debug: 'D', info: 'I', warn: 'W', error: 'E', fatal: 'C' };

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

/** A field value as zap writes it: a bigint as its number (a string beyond 2^53), an Error as its message (zap.Error), a Map as an object. */
function zapValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value) <= Number.MAX_SAFE_INTEGER ? Number(value) : value.toString();
  if (value instanceof Error) return value.message;
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
}

/** Every line, as pino made it, to each fd, synchronously. */
function fdStream(fds: readonly number[]): DestinationStream {
  const destinations = fds.map((fd) => pino.destination({ fd, sync: true }));
  if (destinations.length === 1) return destinations[0]!;
  return { write: (line: string) => { for (const destination of destinations) destination.write(line); } };
}

/** etcd 3.4's capnslog text of one of pino's JSON lines: `date time.micros L | caller: msg key=value ...`. */
function capnslogLine(json: string): string {
  const { level, ts, caller, msg, ...fields } = JSON.parse(json) as Record<string, unknown>;
  const iso = String(ts);
  const pairs = Object.entries(fields).map(([key, value]) => ` ${key}=${JSON.stringify(value)}`).join('');
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000 ${CAPNSLOG_LETTER[String(level)]} | ${String(caller)}: ${String(msg)}${pairs}\n`;
}

/** A logger writing lines at `options.level` and above to `options.fds`. */
export function createLineLogger(options: LineLoggerOptions, caller = 'cairn'): ServerLogger {
  const now = options.now ?? ((): Date => new Date());
  const fds = fdStream(options.fds);
  const instance = pino({
    level: options.level,
    customLevels: { panic: PANIC_LEVEL },
    messageKey: 'msg',
    base: null,
    timestamp: () => `,"ts":"${now().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
  }, options.kind === 'zap' ? fds : { write: (line: string) => fds.write(capnslogLine(line)) });
  return namedLogger(instance, caller);
}

const ignore = (): void => {};

function namedLogger(instance: Pino<'panic'>, caller: string): ServerLogger {
  // The level is fixed for the process: a level that is off gets a method that does nothing, so a
  // call site pays one call, as with SILENT_LOGGER.
  const at = (level: LineLevel) => {
    if (!instance.isLevelEnabled(level)) return ignore;
    return (msg: string, fields?: LogFields): void => {
      const line: Record<string, unknown> = { caller, msg };
      if (fields !== undefined) for (const key in fields) line[key] = zapValue(fields[key]);
      instance[level](line);
    };
  };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    enabled: (level) => instance.isLevelEnabled(level),
    named: (name) => namedLogger(instance, name),
  };
}
