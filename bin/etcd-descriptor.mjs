// Writes etcd's v3 API, read from the .proto files the `etcd3` npm package ships, as a protobufjs
// JSON descriptor into dist/net/grpc/etcd-rpc.json. Loading that JSON takes ~11 ms where parsing
// the .proto text takes ~60 ms, paid by every process that speaks gRPC (cairn, cairnctl, each test
// that spawns them). The build writes it; net/grpc/protos.ts parses the .proto files when it is absent.
// Plain JavaScript: it runs as part of the build (bin/build-if-stale.mjs).
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where the descriptor goes, under a build's output directory. */
export const DESCRIPTOR_PATH = join('net', 'grpc', 'etcd-rpc.json');

/** The descriptor of etcd's rpc.proto and everything it imports, as protobufjs's JSON. */
export function etcdDescriptor(root) {
  const require = createRequire(join(root, 'package.json'));
  const protobuf = require('protobufjs');
  const protoDir = join(dirname(require.resolve('etcd3/package.json')), 'proto');
  const tree = new protobuf.Root();
  tree.resolvePath = (_origin, target) => join(protoDir, target);
  tree.loadSync('rpc.proto', { keepCase: true });
  return tree.toJSON();
}

/** Writes the descriptor into `outDir` (dist/ of the repository at `root`). */
export function writeEtcdDescriptor(root, outDir) {
  const path = join(outDir, DESCRIPTOR_PATH);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(etcdDescriptor(root)));
  return path;
}
