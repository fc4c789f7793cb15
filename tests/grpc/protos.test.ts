/**
 * The build's JSON descriptor of etcd's API (bin/etcd-descriptor.mjs) defines the same services as
 * parsing the etcd3 package's .proto files: the same methods, paths and stream kinds, and the
 * same bytes for a message each way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as protoLoader from '@grpc/proto-loader';
import type { MethodDefinition } from '@grpc/proto-loader';

interface EtcdDescriptor {
  etcdDescriptor(root: string): Parameters<typeof protoLoader.fromJSON>[0];
}

// Plain JavaScript at the repository's root; npm test runs there.
const { etcdDescriptor } = await import(pathToFileURL(resolve('bin/etcd-descriptor.mjs')).href) as EtcdDescriptor;
const { loadEtcdDefinition } = await import('../../net/grpc/protos.js');

const OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: Number, defaults: true, oneofs: true };

test('the JSON descriptor and the .proto files define the same services and encode alike', () => {
  const parsed = loadEtcdDefinition(true);
  const fromJson = protoLoader.fromJSON(etcdDescriptor(process.cwd()), OPTIONS);
  const services = Object.keys(parsed).filter((name) => name.startsWith('etcdserverpb.') && 'format' in parsed[name]! === false);
  assert.ok(services.includes('etcdserverpb.KV') && services.includes('etcdserverpb.Watch'), services.join());
  assert.deepEqual(Object.keys(fromJson).sort(), Object.keys(parsed).sort());
  for (const name of services) {
    const a = parsed[name] as Record<string, MethodDefinition<object, object>>;
    const b = fromJson[name] as Record<string, MethodDefinition<object, object>>;
    assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort(), name);
    for (const [method, definition] of Object.entries(a)) {
      const other = b[method]!;
      assert.equal(other.path, definition.path);
      assert.equal(other.requestStream, definition.requestStream);
      assert.equal(other.responseStream, definition.responseStream);
    }
  }
  const range = (parsed['etcdserverpb.KV'] as Record<string, MethodDefinition<object, object>>)['Range']!;
  const rangeJson = (fromJson['etcdserverpb.KV'] as Record<string, MethodDefinition<object, object>>)['Range']!;
  const request = { key: Buffer.from('a'), range_end: Buffer.from('z'), limit: '10', revision: '7', sort_order: 1, serializable: true };
  const bytes = range.requestSerialize(request);
  assert.deepEqual(rangeJson.requestSerialize(request), bytes);
  assert.deepEqual(rangeJson.requestDeserialize(bytes), range.requestDeserialize(bytes));
});

test('the build writes the descriptor where protos.ts reads it', async () => {
  const { writeEtcdDescriptor, DESCRIPTOR_PATH } = await import(pathToFileURL(resolve('bin/etcd-descriptor.mjs')).href) as
    { writeEtcdDescriptor(root: string, outDir: string): string; DESCRIPTOR_PATH: string };
  const out = mkdtempSync(join(tmpdir(), 'descriptor-'));
  try {
    assert.equal(writeEtcdDescriptor(process.cwd(), out), join(out, DESCRIPTOR_PATH));
    assert.equal(DESCRIPTOR_PATH, join('net', 'grpc', 'etcd-rpc.json'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
