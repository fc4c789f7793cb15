#!/usr/bin/env node
/**
 * cairnctl: etcdctl v3's commands against cairn (or etcd) over etcd's gRPC API, printing what
 * etcdctl prints. Exit codes are etcdctl's: 0, 1 (error), 2 (a panic etcdctl would hit, or a
 * failed lease timetolive/list/keep-alive), 3 (bad txn script or input line), 4 (unsupported
 * format or sort flag), 5 (watch canceled), 128 (bad arguments).
 */
import { commandWords, parseArgs, type ParsedArgs } from './ctl/args.js';
import type { CommandSpec } from './ctl/command.js';
import { findCommand, suggestCommands } from './ctl/commands.js';
import { CtlError, EXIT_ERROR, GoPanic, UsageError } from './ctl/exit.js';
import { GLOBAL_FLAGS, globalOptions } from './ctl/global.js';
import { goQuote } from './ctl/go-format.js';
import { commandHelp, PROGRAM, programHelp } from './ctl/help.js';
import type { Output } from './ctl/printers.js';
import { StdinReader } from './ctl/stdin.js';

const out: Output = {
  stdout: (chunk) => process.stdout.write(chunk),
  stderr: (chunk) => process.stderr.write(chunk),
};

/** `tokens` without the first occurrence of each word of the command's path (cobra does the same). */
function withoutPath(tokens: string[], path: string[]): string[] {
  const rest = [...tokens];
  for (const word of path) rest.splice(rest.indexOf(word), 1);
  return rest;
}

/** Reports a usage error as cobra does: twice on stderr, the usage on stdout in between. */
function usageError(error: UsageError, usage: string): number {
  if (error.hint === '') {
    out.stderr(`Error: ${error.message}\n`);
    out.stdout(usage);
    out.stderr('\n');
  } else {
    out.stderr(`Error: ${error.message}\n${error.hint}\n`);
  }
  out.stderr(`Error: ${error.message}\n`);
  return EXIT_ERROR;
}

async function runCommand(command: CommandSpec, tokens: string[]): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(withoutPath(tokens, command.path), [...GLOBAL_FLAGS, ...command.flags]);
  } catch (error) {
    if (error instanceof UsageError) return usageError(error, commandHelp(command));
    throw error;
  }
  if (args.bool('help')) {
    out.stdout(commandHelp(command));
    return 0;
  }
  const stdin = new StdinReader(process.stdin);
  try {
    return (await command.run({ args, global: globalOptions(args), out, stdin, tokens })) ?? 0;
  } catch (error) {
    if (error instanceof GoPanic) {
      // Go prints the panicking goroutine's stack after this; cairnctl has no Go stack to show.
      out.stderr(`panic: ${error.message}\n\ngoroutine 1 [running]:\n`);
      return error.exitCode;
    }
    // Anything else (a broken connection setup, say) is still reported the etcdctl way.
    out.stderr(`Error: ${(error as Error).message}\n`);
    return error instanceof CtlError ? error.exitCode : EXIT_ERROR;
  } finally {
    stdin.close();
  }
}

async function main(tokens: string[]): Promise<number> {
  const words = commandWords(tokens, GLOBAL_FLAGS);
  const { command, group } = findCommand(words);
  if (command !== undefined) return runCommand(command, tokens);
  if (words.length > 0 && group === undefined) {
    const suggestions = suggestCommands(words[0]!);
    const message = `unknown command ${goQuote(words[0]!)} for "${PROGRAM}"` +
      (suggestions.length === 0 ? '' : `\n\nDid you mean this?\n${suggestions.map((name) => `\t${name}\n`).join('')}`);
    return usageError(new UsageError(message, `Run '${PROGRAM} --help' for usage.`), '');
  }
  out.stdout(programHelp(group));
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
