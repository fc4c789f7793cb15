/** `member list`: the cluster's members as the server reports them. */
import { withConnection } from './client.js';
import type { CommandSpec } from './command.js';
import type { MemberListResponse } from './messages.js';
import { outputFormat, printMemberList } from './printers.js';

export const memberListCommand: CommandSpec = {
  path: ['member', 'list'],
  usage: 'member list',
  summary: 'Lists all members in the cluster',
  flags: [],
  async run({ global, out }) {
    const format = outputFormat(global.writeOut);
    const response = await withConnection(global, (connection) =>
      connection.call<MemberListResponse>('Cluster', 'MemberList', {}));
    printMemberList(out, format, response);
  },
};
