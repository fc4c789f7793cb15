/**
 * `endpoint health` and `endpoint status`: each --endpoints entry on its own. health is a
 * linearizable read of the key "health" (a read that needs the leader and a quorum), timed;
 * status is Maintenance.Status.
 */
import { performance } from 'node:perf_hooks';
import { ErrPermissionDenied } from '../../engine/errors.js';
import { connectEach, type EtcdConnection } from './client.js';
import type { CommandSpec } from './command.js';
import { CtlError, EXIT_ERROR } from './exit.js';
import { formatGoDuration } from './go-format.js';
import type { EndpointHealth, EndpointStatus, StatusResponse } from './messages.js';
import { outputFormat, printEndpointHealth, printEndpointStatus } from './printers.js';

async function checkHealth(connection: EtcdConnection): Promise<EndpointHealth> {
  const started = performance.now();
  let error = '';
  try {
    await connection.call('KV', 'Range', { key: Buffer.from('health') });
  } catch (failure) {
    // etcd refuses the read when auth is on, which still proves the member is serving.
    if (!(failure instanceof CtlError && failure.status === ErrPermissionDenied)) error = (failure as Error).message;
  }
  const took = formatGoDuration((performance.now() - started) * 1e6);
  return { endpoint: connection.endpoint, health: error === '', took, error };
}

export const endpointHealthCommand: CommandSpec = {
  path: ['endpoint', 'health'],
  usage: 'endpoint health',
  summary: 'Checks the healthiness of endpoints specified in `--endpoints` flag',
  flags: [],
  async run({ global, out }) {
    const format = outputFormat(global.writeOut);
    const connections = connectEach(global);
    const results: EndpointHealth[] = [];
    try {
      // Listed as they finish, as etcdctl lists them.
      await Promise.all(connections.map(async (connection) => results.push(await checkHealth(connection))));
    } finally {
      for (const connection of connections) connection.close();
    }
    printEndpointHealth(out, format, results);
    if (results.some((result) => !result.health)) throw new CtlError(EXIT_ERROR, 'unhealthy cluster');
  },
};

export const endpointStatusCommand: CommandSpec = {
  path: ['endpoint', 'status'],
  usage: 'endpoint status',
  summary: 'Prints out the status of endpoints specified in `--endpoints` flag',
  flags: [],
  async run({ global, out }) {
    const format = outputFormat(global.writeOut);
    const statuses: EndpointStatus[] = [];
    let failed = false;
    for (const connection of connectEach(global)) {
      try {
        statuses.push({ endpoint: connection.endpoint, status: await connection.call<StatusResponse>('Maintenance', 'Status', {}) });
      } catch (error) {
        out.stderr(`Failed to get the status of endpoint ${connection.endpoint} (${(error as Error).message})\n`);
        failed = true;
      } finally {
        connection.close();
      }
    }
    printEndpointStatus(out, format, statuses);
    // etcdctl exits 1 without another message when an endpoint did not answer.
    return failed ? EXIT_ERROR : 0;
  },
};
