/**
 * `watch [options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]`: prints every
 * response of a watch until it is killed or the watch ends (then "watch is canceled by the
 * server", exit 5). With -i, reads `watch ...` and `progress` lines from stdin, each `watch`
 * starting one more watch on the same stream; end of input ends the command (exit 3).
 *
 * Per response, as etcdctl's printWatchCh: "watch was canceled (<why>)" on stderr when it ends
 * the watch, "progress notify: <revision>" for a progress reply, the response in the -w format,
 * then the exec-command once per event (a failing command ends cairnctl with exit 1).
 */
import { argify } from './argify.js';
import type { CommandContext, CommandSpec } from './command.js';
import { CtlError, EXIT_BAD_ARGS, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_INVALID_INPUT } from './exit.js';
import { goQuote } from './go-format.js';
import { printWatch, protobufOutputFormat, type Output, type ProtobufOutputFormat } from './printers.js';
import { parseWatchArgs, watchCreate, WATCH_FLAGS, type WatchCreate, type WatchEnv, type WatchFlags } from './watch-args.js';
import { isProgressNotify, watchError, WatchClient, type WatchChannel } from './watch-client.js';
import { abandonWatchExecs, execFailure, runWatchExec } from './watch-exec.js';

/** How one watch's responses are shown. */
interface Display {
  out: Output;
  format: ProtobufOutputFormat;
  hex: boolean;
}

/**
 * etcdctl's printWatchCh: prints every response of one watch and runs the exec-command for each
 * event. Resolves with an exit code when cairnctl must exit (the exec-command failed), with
 * undefined when the watch closed.
 */
async function printWatchChannel(channel: WatchChannel, display: Display, execArgs: readonly string[]): Promise<number | undefined> {
  const { out } = display;
  for await (const response of channel) {
    if (response.canceled) out.stderr(`watch was canceled (${watchError(response) ?? '<nil>'})\n`);
    if (isProgressNotify(response)) out.stdout(`progress notify: ${response.header.revision}\n`);
    printWatch(out, display.format, response, display.hex);
    if (execArgs.length === 0) continue;
    for (const event of response.events ?? []) {
      const failure = await runWatchExec(execArgs, response, event);
      if (failure === undefined) continue;
      out.stderr(execFailure(execArgs, failure));
      return EXIT_ERROR;
    }
  }
  return undefined;
}

function commandFlags(context: CommandContext): WatchFlags {
  return { prefix: context.args.bool('prefix'), rev: context.args.int('rev'), prevKv: context.args.bool('prev-kv') };
}

/** One watch from the command line, printed until it ends. */
async function watchCommandLine(context: CommandContext, env: WatchEnv): Promise<number> {
  const { watchArgs, execArgs, flags } = parseWatchArgs(context.tokens, context.args.args, env, false, commandFlags(context));
  const display: Display = { out: context.out, format: protobufOutputFormat(context.global.writeOut), hex: context.global.hex };
  const request = watchCreate(watchArgs, flags);
  const client = new WatchClient(context.global);
  try {
    const code = await printWatchChannel(client.watch(request), display, execArgs);
    if (code !== undefined) return code;
  } finally {
    client.close();
    abandonWatchExecs();
  }
  throw new CtlError(EXIT_INTERRUPTED, 'watch is canceled by the server');
}

/**
 * Reads `watch ...` and `progress` lines until end of input, or until a watch ends the command.
 * As in etcdctl, a line it cannot use is reported and skipped, but a `watch` line whose flags or
 * arguments are wrong ends the command (exit 128).
 */
async function watchInteractive(context: CommandContext, env: WatchEnv): Promise<number> {
  const { out, stdin } = context;
  const display: Display = { out, format: protobufOutputFormat(context.global.writeOut), hex: context.global.hex };
  const client = new WatchClient(context.global);
  let finish!: (code: number) => void;
  let fail!: (error: unknown) => void;
  const ended = new Promise<{ code: number }>((resolve, reject) => {
    finish = (code) => resolve({ code });
    fail = reject;
  });
  try {
    for (;;) {
      const next = await Promise.race([stdin.readLine().then((line) => ({ line })), ended]);
      if ('code' in next) return next.code;
      const line = next.line;
      if (line === undefined) throw new CtlError(EXIT_INVALID_INPUT, 'Error reading watch request line: EOF');
      const words = argify(line);
      if (words.length < 1) {
        out.stderr(`Invalid command: ${line} (watch and progress supported)\n`);
      } else if (words[0] === 'progress') {
        client.requestProgress();
      } else if (words[0] !== 'watch') {
        out.stderr(`Invalid command ${line} (only support watch)\n`);
      } else if (words.length < 2 && env.key === '') {
        out.stderr(`Invalid command ${line} (command type or key is not provided)\n`);
      } else {
        const { watchArgs, execArgs, flags } = parseWatchArgs(context.tokens, words, env, true, commandFlags(context));
        let request: WatchCreate;
        try {
          request = watchCreate(watchArgs, flags);
        } catch (error) {
          if (!(error instanceof CtlError)) throw error;
          out.stderr(`Invalid command ${line} (${error.message})\n`);
          continue;
        }
        printWatchChannel(client.watch(request), display, execArgs).then((code) => {
          if (code !== undefined) finish(code);
        }, fail);
      }
    }
  } finally {
    client.close();
    abandonWatchExecs();
  }
}

export const watchCommand: CommandSpec = {
  path: ['watch'],
  usage: 'watch [options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]',
  summary: 'Watches events stream on keys or prefixes',
  flags: WATCH_FLAGS,
  async run(context) {
    const env: WatchEnv = { key: process.env['ETCDCTL_WATCH_KEY'] ?? '', rangeEnd: process.env['ETCDCTL_WATCH_RANGE_END'] ?? '' };
    if (env.key === '' && env.rangeEnd !== '') {
      throw new CtlError(EXIT_BAD_ARGS, `ETCDCTL_WATCH_KEY is empty but got ETCDCTL_WATCH_RANGE_END=${goQuote(env.rangeEnd)}`);
    }
    return context.args.bool('interactive') ? watchInteractive(context, env) : watchCommandLine(context, env);
  },
};
