/**
 * A gRPC endpoint over an EtcdServer given only the member and its KV server: the Watch, Lease and
 * Cluster calls answer UNIMPLEMENTED with grpc-go's words for a server without the service (what
 * the server decides, not the transport), while KV is served.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { GrpcCode } from '../../engine/errors.js';
import { EtcdServer } from '../../engine/server/etcd-server.js';
import { GrpcEndpoint } from '../../net/grpc/grpc-server.js';
import { etcdClient } from '../../net/grpc/protos.js';
import { TestCluster } from '../node/cluster-harness.js';

let cluster: TestCluster;
let endpoint: GrpcEndpoint;
let target: string;

before(async () => {
  cluster = new TestCluster(1);
  await cluster.startAll();
  const leader = await cluster.leader();
  endpoint = await GrpcEndpoint.listen({
    server: new EtcdServer({ member: leader.member, kv: leader.kv }), host: '127.0.0.1', port: 0, maxRequestBytes: 1.5 * 1024 * 1024,
  });
  target = `127.0.0.1:${endpoint.port}`;
});

after(async () => {
  await endpoint.close();
  await cluster.close();
});

type Unary = (request: object, callback: (error: grpc.ServiceError | null, response?: unknown) => void) => void;

function unary(service: 'KV' | 'Lease' | 'Cluster', method: string, request: object): Promise<unknown> {
  const client = new (etcdClient(service))(target, grpc.credentials.createInsecure()) as unknown as Record<string, Unary> & grpc.Client;
  return new Promise((resolve, reject) => {
    client[method]!.call(client, request, (error, response) => {
      client.close();
      if (error) reject(error);
      else resolve(response);
    });
  });
}

const unimplemented = (service: string) => (error: grpc.ServiceError): boolean =>
  Number(error.code) === GrpcCode.UNIMPLEMENTED && error.details === `unknown service etcdserverpb.${service}`;

test('Lease and Cluster calls answer UNIMPLEMENTED, unknown service; KV is served', async () => {
  await assert.rejects(unary('Lease', 'LeaseGrant', { TTL: 60 }), unimplemented('Lease'));
  await assert.rejects(unary('Lease', 'LeaseLeases', {}), unimplemented('Lease'));
  await assert.rejects(unary('Cluster', 'MemberList', {}), unimplemented('Cluster'));
  const put = await unary('KV', 'Put', { key: Buffer.from('k'), value: Buffer.from('v') }) as { header: { revision: string } };
  assert.ok(Number(put.header.revision) > 1);
});

test('a Watch call ends at once with UNIMPLEMENTED, unknown service', async () => {
  const client = new (etcdClient('Watch'))(target, grpc.credentials.createInsecure());
  try {
    const call = (client as unknown as { Watch(): grpc.ClientDuplexStream<object, object> }).Watch();
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      call.on('error', () => {});
      call.on('status', resolve);
      call.write({ create_request: { key: Buffer.from('k') } });
    });
    assert.equal(Number(status.code), GrpcCode.UNIMPLEMENTED);
    assert.equal(status.details, 'unknown service etcdserverpb.Watch');
  } finally {
    client.close();
  }
});
