/**
 * etcd's v3 API definitions, from the .proto files the `etcd3` npm package ships (never copied
 * into this repository): the build turns them into a JSON descriptor beside this module
 * (bin/etcd-descriptor.mjs), which loads in a fifth of the time of parsing them; without one (a
 * compile outside `npm run build`) they are parsed here. Enums load as numbers: the package's
 * enum value names differ from upstream (`Equal` vs `EQUAL`), but the numbers are etcd's, and
 * our engine types use them. int64 fields load as strings so a value beyond 2^53 is refused, not
 * silently rounded (int64.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import * as grpc from '@grpc/grpc-js';

const require = createRequire(import.meta.url);
const PROTO_DIR = join(dirname(require.resolve('etcd3/package.json')), 'proto');
const DESCRIPTOR = new URL('./etcd-rpc.json', import.meta.url);

const OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: Number, defaults: true, oneofs: true };

/** The package definition from the build's descriptor, or from the .proto files (`fromProtos`, or no descriptor). */
export function loadEtcdDefinition(fromProtos = false): protoLoader.PackageDefinition {
  if (!fromProtos) {
    let json: string | undefined;
    try {
      json = readFileSync(DESCRIPTOR, 'utf8');
    } catch {
      // No descriptor beside this module: parse the .proto files below.
    }
    if (json !== undefined) return protoLoader.fromJSON(JSON.parse(json) as Parameters<typeof protoLoader.fromJSON>[0], OPTIONS);
  }
  return protoLoader.loadSync(join(PROTO_DIR, 'rpc.proto'), { ...OPTIONS, includeDirs: [PROTO_DIR] });
}

const definition = loadEtcdDefinition();

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
