/**
 * `lease grant|revoke|timetolive|list|keep-alive`, as etcdctl 3.4 runs and prints them. Lease ids
 * are given and printed in hex, as int64s (strconv.ParseInt(id, 16, 64); printed with %016x).
 * Each checks its arguments (exit 128), then -w (exit 4), then makes its call. grant and revoke
 * report a failed call as "failed to <verb> lease (<error>)", exit 1; timetolive, list and
 * keep-alive, whose calls etcdctl makes without a deadline, report the bare error, exit 2.
 * Table output is refused (exit 4) once there is a response to print, protobuf writes clientv3's
 * embedded header; revoke's response has no protobuf form at all (exit 4).
 */
import { withConnection } from './client.js';
import type { CommandSpec } from './command.js';
import { CtlError, EXIT_BAD_ARGS, EXIT_BAD_CONNECTION, EXIT_ERROR } from './exit.js';
import { parseGoInt } from './go-format.js';
import { firstAnswerTimeoutMs, keepAlive, keepAliveOnce } from './lease-keep-alive.js';
import type { LeaseGrantResponse, LeaseLeasesResponse, LeaseRevokeResponse, LeaseTimeToLiveResponse } from './messages.js';
import {
  leaseIdHex, printLeaseGrant, printLeaseKeepAlive, printLeaseLeases, printLeaseRevoke, printLeaseTimeToLive, protobufOutputFormat,
} from './printers.js';

/** etcdctl's one hex lease id argument, as the decimal string gRPC takes. */
function leaseIdArg(args: string[], missing: string): string {
  if (args.length !== 1) throw new CtlError(EXIT_BAD_ARGS, missing);
  try {
    return parseGoInt(args[0]!, 16).toString();
  } catch (error) {
    throw new CtlError(EXIT_BAD_ARGS, `bad lease ID arg (${(error as Error).message}), expecting ID in Hex`);
  }
}

/** grant's and revoke's failed call: "failed to <verb> lease (<error>)", exit 1. */
async function failedTo<Response>(verb: 'grant' | 'revoke', call: Promise<Response>): Promise<Response> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof CtlError) throw new CtlError(EXIT_ERROR, `failed to ${verb} lease (${error.message})`);
    throw error;
  }
}

/** timetolive's and list's failed call: the bare error, exit 2 (etcdctl's ExitBadConnection). */
async function badConnection<Response>(call: Promise<Response>): Promise<Response> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof CtlError) throw new CtlError(EXIT_BAD_CONNECTION, error.message);
    throw error;
  }
}

export const leaseGrantCommand: CommandSpec = {
  path: ['lease', 'grant'],
  usage: 'lease grant <ttl>',
  summary: 'Creates leases',
  flags: [],
  async run({ args, global, out }) {
    if (args.args.length !== 1) throw new CtlError(EXIT_BAD_ARGS, 'lease grant command needs TTL argument');
    let ttl: bigint;
    try {
      ttl = parseGoInt(args.args[0]!, 10);
    } catch (error) {
      throw new CtlError(EXIT_BAD_ARGS, `bad TTL (${(error as Error).message})`);
    }
    const format = protobufOutputFormat(global.writeOut);
    const response = await withConnection(global, (connection) =>
      failedTo('grant', connection.call<LeaseGrantResponse>('Lease', 'LeaseGrant', { TTL: ttl.toString(), ID: '0' })));
    printLeaseGrant(out, format, response);
  },
};

export const leaseRevokeCommand: CommandSpec = {
  path: ['lease', 'revoke'],
  usage: 'lease revoke <leaseID>',
  summary: 'Revokes leases',
  flags: [],
  async run({ args, global, out }) {
    const id = leaseIdArg(args.args, 'lease revoke command needs 1 argument');
    const format = protobufOutputFormat(global.writeOut);
    const response = await withConnection(global, (connection) =>
      failedTo('revoke', connection.call<LeaseRevokeResponse>('Lease', 'LeaseRevoke', { ID: id })));
    printLeaseRevoke(out, format, id, response);
  },
};

export const leaseTimeToLiveCommand: CommandSpec = {
  path: ['lease', 'timetolive'],
  usage: 'lease timetolive <leaseID> [options]',
  summary: 'Get lease information',
  flags: [{ name: 'keys', kind: 'bool', default: false, help: 'Get keys attached to this lease' }],
  async run({ args, global, out }) {
    const id = leaseIdArg(args.args, 'lease timetolive command needs lease ID as argument');
    const keys = args.bool('keys');
    const format = protobufOutputFormat(global.writeOut);
    const response = await withConnection(global, (connection) =>
      badConnection(connection.call<LeaseTimeToLiveResponse>('Lease', 'LeaseTimeToLive', { ID: id, keys }, Infinity)));
    printLeaseTimeToLive(out, format, response, keys);
  },
};

export const leaseListCommand: CommandSpec = {
  path: ['lease', 'list'],
  usage: 'lease list',
  summary: 'List all active leases',
  flags: [],
  async run({ global, out }) {
    const format = protobufOutputFormat(global.writeOut);
    const response = await withConnection(global, (connection) =>
      badConnection(connection.call<LeaseLeasesResponse>('Lease', 'LeaseLeases', {}, Infinity)));
    printLeaseLeases(out, format, response);
  },
};

/**
 * Prints every keep-alive answer until the lease is gone (or goes unanswered past its TTL); in
 * simple output it then says so. With --once: one keep-alive, and a lease that is gone is an error.
 */
export const leaseKeepAliveCommand: CommandSpec = {
  path: ['lease', 'keep-alive'],
  usage: 'lease keep-alive [options] <leaseID>',
  summary: 'Keeps leases alive (renew)',
  flags: [{ name: 'once', kind: 'bool', default: false, help: 'Resets the keep-alive time to its original value and exits immediately' }],
  async run({ args, global, out }) {
    const id = leaseIdArg(args.args, 'lease keep-alive command needs lease ID as argument');
    const format = protobufOutputFormat(global.writeOut);
    if (args.bool('once')) {
      printLeaseKeepAlive(out, format, await withConnection(global, (connection) => keepAliveOnce(connection, id)));
      return;
    }
    await withConnection(global, (connection) => keepAlive(connection, id, firstAnswerTimeoutMs(global.dialTimeoutMs),
      (response) => printLeaseKeepAlive(out, format, response)));
    if (format === 'simple') out.stdout(`lease ${leaseIdHex(id)} expired or revoked.\n`);
  },
};
