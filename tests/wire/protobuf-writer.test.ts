/**
 * The one protobuf writer (engine/wire/) against protobufjs, which grpc-js serializes etcd's
 * messages with: for random values of every width (numbers up to 2^53-1, negative int64s, uint64s
 * beyond 2^53 as bigints), the bytes are the same, and the sizes computed without writing are the
 * sizes written. A failing seed replays exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeKeyValue } from '../../engine/mvcc/kv-codec.js';
import { encodeRangeTail, writeKvsField, kvsFieldBytes } from '../../engine/mvcc/range-encode.js';
import type { KeyValue } from '../../engine/mvcc/rpc.js';
import { varintBytes, VARINT_BYTES_MAX, type Int64 } from '../../engine/wire/protobuf-size.js';
import { encodeFields, ProtobufWriter, writeVarint } from '../../engine/wire/protobuf-writer.js';
import { encodeResponseHeader, responseHeaderBytes, type ResponseHeader } from '../../engine/wire/response-header.js';
import { rangeHeaderField } from '../../net/grpc/kv-service.js';
import { etcdService } from '../../net/grpc/protos.js';
import { seededRandom } from '../seeded-random.js';

const SEED = 14;
const ROUNDS = 2000;
const keepAliveSerialize = etcdService('Lease')['LeaseKeepAlive']!.responseSerialize as (response: object) => Buffer;
const rangeSerialize = etcdService('KV')['Range']!.responseSerialize as (response: object) => Buffer;

/** A random unsigned integer of 0 to `bits` bits (each width as likely as the next, so short and long varints both come up). */
function randomBits(random: () => number, bits: number): bigint {
  const width = Math.floor(random() * (bits + 1));
  let value = 0n;
  for (let bit = 0; bit < width; bit++) value = (value << 1n) | (random() < 0.5 ? 0n : 1n);
  return width === 0 ? 0n : value | (1n << BigInt(width - 1));
}

const EDGES = [0n, 1n, 127n, 128n, 16_383n, 16_384n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n, 2n ** 53n - 1n];

/** A safe integer, maybe negative (an int64 field such as a lease ID or TTL). */
function randomSafe(random: () => number, round: number): number {
  const magnitude = round < EDGES.length ? Number(EDGES[round]!) : Number(randomBits(random, 53));
  return random() < 0.2 ? -magnitude : magnitude;
}

/** A uint64 beyond what a number holds exactly, as etcd's random member ids are. */
function randomUint64(random: () => number, round: number): bigint {
  return round % 7 === 0 ? 2n ** 64n - 1n : randomBits(random, 64);
}

/** The object protobufjs encodes: 64-bit fields as decimal strings, zero fields absent (proto3 writes none). */
function protobufjsObject(fields: Record<string, Int64>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => BigInt(value) !== 0n).map(([name, value]) => [name, String(value)]));
}

test('varints of random values are protobufjs\'s bytes, sized as written: numbers, negative int64s, and uint64s as bigints', () => {
  const random = seededRandom(SEED);
  for (let round = 0; round < ROUNDS; round++) {
    const header: ResponseHeader = {
      cluster_id: randomUint64(random, round), member_id: Math.abs(randomSafe(random, round)),
      revision: Math.abs(randomSafe(random, round + 1)), raft_term: Number(randomBits(random, 32)),
    };
    const id = randomSafe(random, round);
    const ttl = random() < 0.5 ? randomSafe(random, round) : BigInt.asIntN(64, randomBits(random, 64));
    const headerBytes = encodeResponseHeader(header);
    assert.equal(headerBytes.length, responseHeaderBytes(header), `seed ${SEED} round ${round}: header size`);
    const ours = encodeFields([{ field: 1, message: headerBytes }, { field: 2, varint: id }, { field: 3, varint: ttl }]);
    const theirs = keepAliveSerialize({ header: protobufjsObject({ ...header }), ...protobufjsObject({ ID: id, TTL: ttl }) });
    assert.deepEqual(ours, theirs, `seed ${SEED} round ${round}: ${JSON.stringify({ ...header, cluster_id: String(header.cluster_id), id, ttl: String(ttl) })}`);
  }
});

test('a number and the bigint of the same value write the same varint, in the bytes varintBytes says', () => {
  const random = seededRandom(SEED + 1);
  const out = Buffer.alloc(VARINT_BYTES_MAX);
  for (let round = 0; round < ROUNDS; round++) {
    const value = randomSafe(random, round);
    const end = writeVarint(out, 0, value);
    assert.equal(end, varintBytes(value), `${value}`);
    assert.equal(varintBytes(BigInt(value)), end, `${value}n`);
    const big = Buffer.alloc(VARINT_BYTES_MAX);
    writeVarint(big, 0, BigInt(value));
    assert.deepEqual(big.subarray(0, end), out.subarray(0, end), `${value}`);
  }
  assert.equal(varintBytes(Number.MAX_SAFE_INTEGER), 8);
  assert.equal(varintBytes(-1), VARINT_BYTES_MAX);
  assert.equal(varintBytes(2n ** 64n - 1n), VARINT_BYTES_MAX);
  assert.equal(varintBytes(2n ** 63n - 1n), 9);
});

test('a RangeResponse of random kvs (lengths of one to three varint bytes) is protobufjs\'s bytes', () => {
  const random = seededRandom(SEED + 2);
  for (let round = 0; round < 200; round++) {
    const kvs: KeyValue[] = Array.from({ length: Math.floor(random() * 4) }, () => ({
      key: Buffer.alloc(1 + Math.floor(random() * 300), 'k'),
      value: Buffer.alloc(Math.floor(random() ** 4 * 40_000), 'v'),
      create_revision: Math.abs(randomSafe(random, round)), mod_revision: Math.abs(randomSafe(random, round)),
      version: Number(randomBits(random, 20)), lease: randomSafe(random, round),
    }));
    const header: ResponseHeader = { cluster_id: randomUint64(random, round), member_id: 9, revision: kvs.length, raft_term: 2 };
    const more = random() < 0.5;
    const count = Number(randomBits(random, 40));
    const encodedKvs = kvs.map(encodeKeyValue);
    const kvsBytes = encodedKvs.reduce((sum, kv) => sum + kvsFieldBytes(kv.length), 0);
    const writer = new ProtobufWriter(kvsBytes);
    for (const kv of encodedKvs) writer.offset = writeKvsField(writer.out, writer.offset, kv);
    const ours = Buffer.concat([rangeHeaderField(header), writer.finish(), encodeRangeTail(more, count)]);
    const theirs = rangeSerialize({
      header: protobufjsObject({ ...header }),
      kvs: kvs.map(({ key, value, ...numbers }) => ({ key, ...(value.length > 0 ? { value } : {}), ...protobufjsObject(numbers) })),
      ...(more ? { more } : {}), ...protobufjsObject({ count }),
    });
    assert.deepEqual(ours, theirs, `seed ${SEED + 2} round ${round}`);
  }
});

test('a writer sized wrong says so instead of sending a short or padded message', () => {
  const writer = new ProtobufWriter(3);
  writer.varint(1, 1);
  assert.throws(() => writer.finish(), /wrote 2 of 3 bytes/);
});
