/**
 * What `watch` watches and what it runs, read from its arguments the way etcdctl 3.4's
 * parseWatchArgs and getWatchChan read them: positional words are the key and range end, words
 * after `--` are the exec-command, ETCDCTL_WATCH_KEY / ETCDCTL_WATCH_RANGE_END stand in for the
 * key and range end. The `--` is looked for in the raw command line (cobra drops it from the
 * arguments), and the command's first word is cut from the arguments at its last occurrence, as
 * etcdctl does. In interactive mode each input line (`watch ...`) carries its own flags.
 */
import { parseArgs, type FlagSpec } from './args.js';
import { CtlError, EXIT_BAD_ARGS, GoPanic, UsageError } from './exit.js';
import { keyRange } from './key-range.js';

/** watch's own flags (an interactive `watch` line takes these and no others). */
export const WATCH_FLAGS: FlagSpec[] = [
  { name: 'interactive', short: 'i', kind: 'bool', default: false, help: 'Interactive mode' },
  { name: 'prefix', kind: 'bool', default: false, help: 'Watch on a prefix if prefix is set' },
  { name: 'rev', kind: 'int', default: 0n, help: 'Revision to start watching' },
  { name: 'prev-kv', kind: 'bool', default: false, help: 'get the previous key-value pair before the event happens' },
];

const ERR_BAD_ARGS_NUM = 'bad number of arguments';
const ERR_BAD_ARGS_NUM_CONFLICT_ENV = 'bad number of arguments (found conflicting environment key)';
const ERR_BAD_ARGS_NUM_SEPARATOR = 'bad number of arguments (found separator --, but no commands)';
const ERR_BAD_ARGS_INTERACTIVE_WATCH = "args[0] must be 'watch' for interactive calls";
const ERR_RANGE_END_AND_PREFIX = '`range_end` and `--prefix` are mutually exclusive';

/** The flags that shape a watch. */
export interface WatchFlags {
  prefix: boolean;
  rev: bigint;
  prevKv: boolean;
}

/** The words naming what to watch (key, range end, maybe more), and the exec-command. */
export interface WatchArgs {
  watchArgs: string[];
  execArgs: string[];
  flags: WatchFlags;
}

/** The key and range end etcdctl's environment variables name ('' when unset). */
export interface WatchEnv {
  key: string;
  rangeEnd: string;
}

/** etcd's WatchCreateRequest as the watch client sends it (clientv3 sets nothing else). */
export interface WatchCreate {
  key: Buffer;
  range_end: Buffer;
  /** 0: from the next revision on. */
  start_revision: bigint;
  prev_kv: boolean;
}

const badArgs = (message: string): CtlError => new CtlError(EXIT_BAD_ARGS, message);

function flagsOf(words: readonly string[]): { args: string[]; flags: WatchFlags } {
  try {
    const parsed = parseArgs(words, WATCH_FLAGS);
    return { args: parsed.args, flags: { prefix: parsed.bool('prefix'), rev: parsed.int('rev'), prevKv: parsed.bool('prev-kv') } };
  } catch (error) {
    if (error instanceof UsageError) throw badArgs(error.message);
    throw error;
  }
}

/** The checks of a command line (not interactive): `rawArgs` is what follows `watch` on it. */
function checkCommandLine(rawArgs: readonly string[], watchArgs: readonly string[], env: WatchEnv): void {
  const execAt = rawArgs.indexOf('--');
  const execExists = execAt >= 0;
  if (execExists && execAt === rawArgs.length - 1) throw badArgs(ERR_BAD_ARGS_NUM_SEPARATOR);
  if (!execExists && rawArgs.length < 1 && env.key === '') throw badArgs(ERR_BAD_ARGS_NUM);
  if (execExists && env.key !== '') {
    // Matches the arguments against the raw words from the end: an argument left over before the
    // `--` is a key given on top of ETCDCTL_WATCH_KEY.
    let rawAt = rawArgs.length - 1;
    for (let argAt = watchArgs.length - 1; argAt >= 0; argAt--) {
      if (watchArgs[argAt] === rawArgs[rawAt]) {
        rawAt--;
        continue;
      }
      if (rawAt === execAt) throw badArgs(ERR_BAD_ARGS_NUM_CONFLICT_ENV);
    }
  }
  if (!execExists && watchArgs.length > 0 && env.key !== '') throw badArgs(ERR_BAD_ARGS_NUM_CONFLICT_ENV);
}

/** The checks of an interactive `watch` line (`words` without the leading `watch`). */
function checkLine(words: readonly string[], env: WatchEnv): void {
  const execAt = words.indexOf('--');
  const execExists = execAt >= 0;
  if (execExists && execAt === words.length - 1) throw badArgs(ERR_BAD_ARGS_NUM_SEPARATOR);
  const { args } = flagsOf(words);
  if (!execExists && env.key === '' && args.length < 1) throw badArgs(ERR_BAD_ARGS_NUM);
  if (!execExists && args.length > 0 && env.key !== '') throw badArgs(ERR_BAD_ARGS_NUM_CONFLICT_ENV);
}

/**
 * etcdctl's parseWatchArgs. `osArgs` is the command line; `commandArgs` the positional arguments
 * cobra parsed from it (or, interactive, the words of the input line); `commandFlags` the flags
 * it parsed (an interactive line's own flags replace them). Throws etcdctl's errors (exit 128).
 */
export function parseWatchArgs(osArgs: readonly string[], commandArgs: readonly string[], env: WatchEnv, interactive: boolean,
  commandFlags: WatchFlags): WatchArgs {
  const watchAt = osArgs.indexOf('watch');
  const rawArgs = watchAt < 0 ? [...osArgs] : osArgs.slice(watchAt + 1);
  let watchArgs = [...commandArgs];
  if (interactive) {
    if (watchArgs[0] !== 'watch') throw badArgs(ERR_BAD_ARGS_INTERACTIVE_WATCH);
    watchArgs = watchArgs.slice(1);
    checkLine(watchArgs, env);
  } else {
    checkCommandLine(rawArgs, watchArgs, env);
  }
  // An interactive line hands its `--` on to the flag parser, which keeps what follows as arguments.
  const withSeparator = interactive ? watchArgs : rawArgs;
  const separatorAt = withSeparator.indexOf('--');
  let flags = commandFlags;
  if (interactive) ({ args: watchArgs, flags } = flagsOf(withSeparator));
  if (env.key !== '') watchArgs = [env.key, ...(env.rangeEnd === '' ? [] : [env.rangeEnd]), ...watchArgs];
  if (separatorAt < 0) return { watchArgs, execArgs: [], flags };
  const execArgs = withSeparator.slice(separatorAt + 1);
  const end = watchArgs.lastIndexOf(execArgs[0]!);
  if (end < 0) throw new GoPanic('runtime error: slice bounds out of range [:-1]');
  return { watchArgs: watchArgs.slice(0, end), execArgs, flags };
}

/**
 * etcdctl's getWatchChan checks and clientv3's options: the first word is the key; a second (and
 * only a second) is the range end; --prefix covers every key under the key.
 */
export function watchCreate(watchArgs: readonly string[], flags: WatchFlags): WatchCreate {
  const [key, rangeEnd] = watchArgs;
  if (key === undefined) throw badArgs(ERR_BAD_ARGS_NUM);
  const withRange = watchArgs.length === 2;
  if (withRange && flags.prefix) throw badArgs(ERR_RANGE_END_AND_PREFIX);
  return {
    ...keyRange(Buffer.from(key), withRange ? Buffer.from(rangeEnd!) : undefined, flags.prefix, false),
    start_revision: flags.rev, prev_kv: flags.prevKv,
  };
}
