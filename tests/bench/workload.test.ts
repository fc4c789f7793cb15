/** The request stream: key spelling, operation weights, determinism, sequential keys across processes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOAD_DEFAULTS, type LoadOptions } from '../../bench/load/load-options.js';
import { keyOf, OperationChooser, Workload } from '../../bench/load/workload.js';
import { grpcRequestOf } from '../../bench/load/grpc-driver.js';
import { nativeRequestOf } from '../../bench/load/native-driver.js';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

function options(overrides: Partial<LoadOptions>): LoadOptions {
  return { ...LOAD_DEFAULTS, endpoints: ['x'], ...overrides };
}

test('a key is its index zero-padded to exactly key-size bytes', () => {
  assert.equal(text(keyOf(42, 8)), '00000042');
  assert.equal(text(keyOf(99_999, 8)), '00099999');
  assert.equal(keyOf(0, 16).length, 16);
});

test('operations are chosen by cumulative weight', () => {
  const chooser = new OperationChooser({ put: 3, range: 1 });
  assert.equal(chooser.choose(0), 'put');
  assert.equal(chooser.choose(0.7499), 'put');
  assert.equal(chooser.choose(0.75), 'range');
  assert.equal(chooser.choose(0.9999), 'range');
  assert.throws(() => new OperationChooser({}));
});

test('the same seed and process send the same requests; another process sends others', () => {
  const mix = { put: 1, range: 1, txn: 1 };
  const first = new Workload(options({ mix }), 0);
  const again = new Workload(options({ mix }), 0);
  const other = new Workload(options({ mix }), 1);
  const a = Array.from({ length: 50 }, () => first.next());
  const b = Array.from({ length: 50 }, () => again.next());
  const c = Array.from({ length: 50 }, () => other.next());
  assert.deepEqual(a.map((r) => [r.operation, text(r.key)]), b.map((r) => [r.operation, text(r.key)]));
  assert.notDeepEqual(a.map((r) => text(r.key)), c.map((r) => text(r.key)));
  assert.ok(a.every((r) => r.value.length === 256 && Number(text(r.key)) < 100_000));
  assert.deepEqual(new Set(a.map((r) => r.operation)), new Set(['put', 'range', 'txn']));
});

test('sequential keys interleave across processes and wrap at the key space', () => {
  const sequential = options({ sequential: true, processes: 2, keySpace: 5, keySize: 1 });
  const zero = new Workload(sequential, 0);
  const one = new Workload(sequential, 1);
  assert.deepEqual(Array.from({ length: 4 }, () => text(zero.next().key)), ['0', '2', '4', '1']);
  assert.deepEqual(Array.from({ length: 3 }, () => text(one.next().key)), ['1', '3', '0']);
});

test('each operation maps to the same etcd request on both protocols', () => {
  const key = keyOf(1, 8);
  const value = new Uint8Array([1]);
  const native = (operation: Parameters<typeof nativeRequestOf>[0]['operation']) => nativeRequestOf({ operation, key, value });
  const grpc = (operation: Parameters<typeof grpcRequestOf>[0]['operation']) => grpcRequestOf({ operation, key, value });
  assert.deepEqual(native('put'), { op: 'put', body: { key, value } });
  assert.deepEqual(grpc('put'), { method: 'Put', message: { key, value } });
  assert.deepEqual(native('range-serializable'), { op: 'range', body: { key, serializable: true } });
  assert.deepEqual(grpc('range'), { method: 'Range', message: { key } });
  assert.deepEqual(native('delete'), { op: 'delete_range', body: { key } });
  assert.equal(grpc('delete').method, 'DeleteRange');
  // Compare-and-swap: same compare (value EQUAL) and branches on both.
  assert.deepEqual(native('txn').body, grpc('txn').message);
  assert.equal(native('txn').op, 'txn');
});
