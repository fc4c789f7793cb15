/** The flags every cairnctl command accepts (etcdctl's global flags that cairnctl serves). */
import type { FlagSpec, ParsedArgs } from './args.js';
import type { GlobalOptions } from './client.js';

export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: 'endpoints', kind: 'strings', default: ['127.0.0.1:2379'], help: 'gRPC endpoints, comma-separated' },
  { name: 'write-out', short: 'w', kind: 'string', default: 'simple', help: 'output format: simple, json, table or fields (watch, lease: also protobuf)' },
  { name: 'command-timeout', kind: 'duration', default: 5000, help: 'timeout for a command (Go duration, e.g. 5s)' },
  { name: 'dial-timeout', kind: 'duration', default: 2000, help: 'timeout for connecting to an endpoint' },
  { name: 'hex', kind: 'bool', default: false, help: 'print keys and values as hex-encoded bytes' },
  { name: 'help', short: 'h', kind: 'bool', default: false, help: 'help for the command' },
];

export function globalOptions(args: ParsedArgs): GlobalOptions {
  return {
    endpoints: args.strings('endpoints'),
    writeOut: args.string('write-out'),
    commandTimeoutMs: args.durationMs('command-timeout'),
    dialTimeoutMs: args.durationMs('dial-timeout'),
    hex: args.bool('hex'),
  };
}
