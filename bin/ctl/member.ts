/**
 * `member list|add|remove|update|promote`, as etcdctl 3.4 runs and prints them. The changes print
 * "Member <id> <verb> cluster <cluster id>" with Go's %16x (space-padded hex); `member add` also
 * prints the ETCD_* settings the new member starts with. Only simple and json output exist for
 * the changes: like etcdctl, table and fields are refused after the change was made.
 */
import type { FlagSpec } from './args.js';
import { withConnection } from './client.js';
import type { CommandContext, CommandSpec } from './command.js';
import { CtlError, EXIT_BAD_ARGS, EXIT_BAD_FEATURE } from './exit.js';
import { goQuote } from './go-format.js';
import { memberChangeJson } from './json.js';
import type { Member, MemberListResponse, ResponseHeader } from './messages.js';
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

interface MemberChangeResponse {
  header: ResponseHeader | null;
  member?: Member | null;
  members: Member[];
}

/** Go's %16x of a uint64 given in decimal. */
function hex16(decimal: string | undefined): string {
  return BigInt(decimal ?? '0').toString(16).padStart(16, ' ');
}

/** etcdctl's hex member id argument (strconv.ParseUint(arg, 16, 64)), as the decimal string gRPC takes. */
function memberIdArg(args: string[]): string {
  if (args.length !== 1) throw new CtlError(EXIT_BAD_ARGS, 'member ID is not provided');
  const text = args[0]!;
  const problem = !/^[0-9a-fA-F]+$/.test(text) ? 'invalid syntax' : BigInt(`0x${text}`) >= 2n ** 64n ? 'value out of range' : null;
  if (problem !== null) {
    throw new CtlError(EXIT_BAD_ARGS, `bad member ID arg (strconv.ParseUint: parsing ${goQuote(text)}: ${problem}), expecting ID in Hex`);
  }
  return BigInt(`0x${text}`).toString();
}

/** Prints a change's response: the simple line(s), or JSON; table and fields are refused. */
function printChange(context: CommandContext, response: MemberChangeResponse, simple: () => string): void {
  const format = outputFormat(context.global.writeOut);
  if (format === 'json') return context.out.stdout(`${memberChangeJson(response)}\n`);
  if (format !== 'simple') throw new CtlError(EXIT_BAD_FEATURE, `${format} not supported as output format`);
  context.out.stdout(simple());
}

const PEER_URLS_FLAG: FlagSpec = { name: 'peer-urls', kind: 'string', default: '', help: 'comma separated peer URLs for the member' };

export const memberAddCommand: CommandSpec = {
  path: ['member', 'add'],
  usage: 'member add <memberName> [options]',
  summary: 'Adds a member into the cluster',
  flags: [PEER_URLS_FLAG, { name: 'learner', kind: 'bool', default: false, help: 'indicates if the new member is raft learner' }],
  async run(context) {
    const { args, global } = context;
    if (args.args.length < 1) throw new CtlError(EXIT_BAD_ARGS, 'member name not provided');
    if (args.args.length > 1) throw new CtlError(EXIT_BAD_ARGS, `too many arguments, did you mean --peer-urls=${args.args[1]}`);
    const name = args.args[0]!;
    if (args.string('peer-urls') === '') throw new CtlError(EXIT_BAD_ARGS, 'member peer urls not provided');
    const peerURLs = args.string('peer-urls').split(',');
    outputFormat(global.writeOut);
    const response = await withConnection(global, (connection) =>
      connection.call<MemberChangeResponse>('Cluster', 'MemberAdd', { peerURLs, isLearner: args.bool('learner') }));
    printChange(context, response, () => {
      const added = response.member!;
      const cluster = response.members.flatMap((member) =>
        member.peerURLs.map((url) => `${member.ID === added.ID ? name : member.name}=${url}`));
      return `Member ${hex16(added.ID)} added to cluster ${hex16(response.header?.cluster_id)}\n\n` +
        `ETCD_NAME=${goQuote(name)}\n` +
        `ETCD_INITIAL_CLUSTER=${goQuote(cluster.join(','))}\n` +
        `ETCD_INITIAL_ADVERTISE_PEER_URLS=${goQuote(added.peerURLs.join(','))}\n` +
        'ETCD_INITIAL_CLUSTER_STATE="existing"\n';
    });
  },
};

/** remove, update and promote: one hex id argument, one verb in the printed line. */
function memberIdCommand(verb: 'remove' | 'update' | 'promote', summary: string, method: string, printed: string,
  flags: FlagSpec[] = []): CommandSpec {
  return {
    path: ['member', verb],
    usage: `member ${verb} <memberID>${verb === 'update' ? ' [options]' : ''}`,
    summary,
    flags,
    async run(context) {
      const { args, global } = context;
      const id = memberIdArg(args.args);
      const request: { ID: string; peerURLs?: string[] } = { ID: id };
      if (verb === 'update') {
        if (args.string('peer-urls') === '') throw new CtlError(EXIT_BAD_ARGS, 'member peer urls not provided');
        request.peerURLs = args.string('peer-urls').split(',');
      }
      outputFormat(global.writeOut);
      const response = await withConnection(global, (connection) => connection.call<MemberChangeResponse>('Cluster', method, request));
      printChange(context, response, () => `Member ${hex16(id)} ${printed} cluster ${hex16(response.header?.cluster_id)}\n`);
    },
  };
}

export const memberRemoveCommand = memberIdCommand('remove', 'Removes a member from the cluster', 'MemberRemove', 'removed from');
export const memberUpdateCommand = memberIdCommand('update', 'Updates a member in the cluster', 'MemberUpdate', 'updated in', [PEER_URLS_FLAG]);
export const memberPromoteCommand = memberIdCommand('promote', 'Promotes a non-voting member in the cluster', 'MemberPromote', 'promoted in');
