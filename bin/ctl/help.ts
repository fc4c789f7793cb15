/** cairnctl's own help texts (for --help, a bare command group, and usage errors). */
import type { FlagSpec } from './args.js';
import type { CommandSpec } from './command.js';
import { COMMANDS, GROUPS } from './commands.js';
import { GLOBAL_FLAGS } from './global.js';

export const PROGRAM = 'cairnctl';

function flagLines(flags: FlagSpec[]): string {
  return flags.map((flag) => {
    const names = `${flag.short === undefined ? '    ' : `-${flag.short}, `}--${flag.name}`;
    const shown = Array.isArray(flag.default) ? flag.default.join(',') : String(flag.default);
    const value = flag.kind === 'bool' ? '' : `=${flag.kind === 'duration' ? `${Number(shown) / 1000}s` : shown}`;
    return `  ${`${names}${value}`.padEnd(36)} ${flag.help}\n`;
  }).join('');
}

/** Help for the whole program (group: only that group's commands). */
export function programHelp(group?: string): string {
  const commands = COMMANDS.filter((command) => group === undefined || command.path[0] === group);
  const heading = group === undefined
    ? `${PROGRAM}: a command line client for cairn (etcd's v3 API), compatible with etcdctl\n`
    : `${PROGRAM} ${group}: ${GROUPS[group]}\n`;
  return `${heading}\nUSAGE:\n  ${PROGRAM} [global options] <command> [options] [arguments]\n\nCOMMANDS:\n` +
    commands.map((command) => `  ${command.path.join(' ').padEnd(18)} ${command.summary}\n`).join('') +
    `\nGLOBAL OPTIONS:\n${flagLines(GLOBAL_FLAGS)}`;
}

/** Help for one command. */
export function commandHelp(command: CommandSpec): string {
  const options = command.flags.length === 0 ? '' : `\nOPTIONS:\n${flagLines(command.flags)}`;
  return `${PROGRAM} ${command.path.join(' ')}: ${command.summary}\n\nUSAGE:\n  ${PROGRAM} ${command.usage}\n${options}` +
    `\nGLOBAL OPTIONS:\n${flagLines(GLOBAL_FLAGS)}`;
}
