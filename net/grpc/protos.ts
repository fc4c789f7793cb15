/**
 * etcd's v3 API definitions, loaded from the .proto files the `etcd3` npm package ships (never
 * copied into this repository). Enums load as numbers: the package's enum value names differ
 * from upstream (`Equal` vs `EQUAL`), but the numbers are etcd's, and our engine types use them.
 * int64 fields load as strings so a value beyond 2^53 is refused, not silently rounded (int64.ts).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import * as grpc from '@grpc/grpc-js';

const require = createRequire(import.meta.url);
const PROTO_DIR = join(dirname(require.resolve('etcd3/package.json')), 'proto');

const definition = protoLoader.loadSync(join(PROTO_DIR, 'rpc.proto'), {
  keepCase: true,
  longs: String,
  enums: Number,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
});

type ServiceName = 'KV' | 'Watch' | 'Lease' | 'Cluster' | 'Maintenance' | 'Auth';

const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  etcdserverpb: Record<ServiceName, grpc.ServiceClientConstructor>;
};

/** The service definition of one etcd v3 service, for grpc.Server.addService and for clients. */
export function etcdService(name: ServiceName): grpc.ServiceDefinition {
  return loaded.etcdserverpb[name].service;
}

/** A client constructor for one etcd v3 service (tests use it as a plain gRPC client). */
export function etcdClient(name: ServiceName): grpc.ServiceClientConstructor {
  return loaded.etcdserverpb[name];
}
