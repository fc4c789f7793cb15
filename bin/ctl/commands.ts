/** Every cairnctl command, and how a command line names one. */
import { alarmDisarmCommand, alarmListCommand } from './alarm.js';
import { compactionCommand } from './compaction.js';
import type { CommandSpec } from './command.js';
import { delCommand } from './del.js';
import { endpointHealthCommand, endpointStatusCommand } from './endpoint.js';
import { getCommand } from './get.js';
import { leaseGrantCommand, leaseKeepAliveCommand, leaseListCommand, leaseRevokeCommand, leaseTimeToLiveCommand } from './lease.js';
import { memberAddCommand, memberListCommand, memberPromoteCommand, memberRemoveCommand, memberUpdateCommand } from './member.js';
import { putCommand } from './put.js';
import { txnCommand } from './txn.js';
import { watchCommand } from './watch.js';

export const COMMANDS: CommandSpec[] = [
  putCommand, getCommand, delCommand, txnCommand, compactionCommand, watchCommand,
  memberListCommand, memberAddCommand, memberRemoveCommand, memberUpdateCommand, memberPromoteCommand,
  endpointHealthCommand, endpointStatusCommand,
  leaseGrantCommand, leaseRevokeCommand, leaseTimeToLiveCommand, leaseListCommand, leaseKeepAliveCommand,
  alarmListCommand, alarmDisarmCommand,
];

/** Command groups, which only hold subcommands (`member`, `endpoint`, `lease`, `alarm`). */
export const GROUPS: Record<string, string> = {
  member: 'Membership related commands',
  endpoint: 'Endpoint related commands',
  lease: 'Lease related commands',
  alarm: 'Alarm related commands',
};

/** The command named by the first positional words, or the group they name, or neither. */
export function findCommand(words: string[]): { command?: CommandSpec; group?: string } {
  const [first, second] = words;
  if (first === undefined) return {};
  if (GROUPS[first] !== undefined) {
    return { command: COMMANDS.find((command) => command.path[0] === first && command.path[1] === second), group: first };
  }
  return { command: COMMANDS.find((command) => command.path.length === 1 && command.path[0] === first) };
}

/** Edit distance between two words (insertions, deletions, substitutions). */
function levenshtein(from: string, to: string): number {
  let previous = Array.from({ length: to.length + 1 }, (_, at) => at);
  for (let i = 1; i <= from.length; i++) {
    const current = [i];
    for (let j = 1; j <= to.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (from[i - 1] === to[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[to.length]!;
}

/** Distance within which cobra suggests a command for a mistyped one. */
const SUGGESTION_DISTANCE_MAX = 2;

/** Top-level command names close to a mistyped one, in name order, as cobra suggests them. */
export function suggestCommands(typed: string): string[] {
  const names = [...new Set(COMMANDS.map((command) => command.path[0]!))].sort();
  const word = typed.toLowerCase();
  return names.filter((name) => levenshtein(word, name) <= SUGGESTION_DISTANCE_MAX || name.startsWith(word));
}
