/** `compaction <revision>`: discards the key history below a revision. */
import type { FlagSpec } from './args.js';
import { withConnection } from './client.js';
import type { CommandSpec } from './command.js';
import { CtlError, EXIT_BAD_ARGS, EXIT_ERROR } from './exit.js';
import { parseGoInt } from './go-format.js';
import { outputFormat } from './printers.js';

const COMPACTION_FLAGS: FlagSpec[] = [
  { name: 'physical', kind: 'bool', default: false, help: 'return only once the history is physically removed' },
];

export const compactionCommand: CommandSpec = {
  path: ['compaction'],
  usage: 'compaction [options] <revision>',
  summary: 'Compacts the event history in etcd',
  flags: COMPACTION_FLAGS,
  async run({ args, global, out }) {
    if (args.args.length !== 1) throw new CtlError(EXIT_BAD_ARGS, 'compaction command needs 1 argument');
    let revision: bigint;
    try {
      revision = parseGoInt(args.args[0]!, 10);
    } catch (error) {
      throw new CtlError(EXIT_ERROR, (error as Error).message);
    }
    // Checked though unused: etcdctl refuses an unknown -w before compacting.
    outputFormat(global.writeOut);
    await withConnection(global, (connection) =>
      connection.call('KV', 'Compact', { revision: revision.toString(), physical: args.bool('physical') }));
    // etcdctl prints this line whatever -w says.
    out.stdout(`compacted revision ${revision}\n`);
  },
};
