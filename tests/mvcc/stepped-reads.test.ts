/**
 * Long reads in steps: a range or a HashKV run a bounded piece at a time answer exactly what they
 * answer in one go, whatever the step size (a range also in pages of any size, as gRPC reads it);
 * in the apply worker a small read answers while a long one is still under way, and a compaction scheduled meanwhile waits for the long read's rows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Applier } from '../../engine/mvcc/applier.js';
import { encodeRangeTail } from '../../engine/mvcc/range-encode.js';
import { encodeRangeBody } from '../range-body.js';
import type { PagedRange, RangeHead, RangePage } from '../../engine/mvcc/range-pages.js';
import { LONG_READS_RUNNING_MAX } from '../../engine/mvcc/read-jobs.js';
import { encodeInternalRequest, type InternalRequest } from '../../engine/mvcc/request.js';
import { SortOrder, SortTarget, type KeyValue, type RangeRequest } from '../../engine/mvcc/rpc.js';
import { unpack } from 'msgpackr';
import { keyValueJson } from '../../engine/wire/keyvalue-json.js';
import type { MvccStore, SteppedRead } from '../../engine/mvcc/store.js';
import { EntryType, type Entry } from '../../engine/raft/types.js';
import { seededRandom as seeded } from '../seeded-random.js';
import { b, s, tempDir, withStore } from './helpers.js';

function runToEnd<T>(read: SteppedRead<T>): { result: T; steps: number } {
  let steps = 1;
  while (!read.step()) steps++;
  return { result: read.result(), steps };
}

/** A kv with its bytes as hex, so kvs decoded by different codecs compare. */
function comparable(kv: KeyValue): object {
  return { ...kv, key: Buffer.from(kv.key).toString('hex'), value: Buffer.from(kv.value).toString('hex') };
}

/** Every answer of a range read in pages, asking for each page as the main thread would. */
function readAllPages(read: PagedRange): { head: RangeHead; pages: Uint8Array[] } {
  const head = runToEnd(read).result as RangeHead;
  const pages = [head.page];
  while (read.resumable) pages.push((runToEnd(read).result as RangePage).page);
  assert.equal(pages.length > 1, !head.last);
  return { head, pages };
}

function fill(store: MvccStore, random: () => number): void {
  for (let i = 0; i < 400; i++) {
    const key = `k${Math.floor(random() * 150).toString().padStart(3, '0')}`;
    if (random() < 0.15) store.write({ delete_range: { key: b(key) } });
    else store.write({ put: { key: b(key), value: b(`v${Math.floor(random() * 50)}`) } });
  }
}

test('a range in steps of any size answers exactly what the range answers in one go', () => withStore((store) => {
  const random = seeded(7);
  fill(store, random);
  const current = store.status().current_revision;
  for (let i = 0; i < 60; i++) {
    const from = Math.floor(random() * 150);
    const request: RangeRequest = {
      key: b(`k${from.toString().padStart(3, '0')}`),
      range_end: random() < 0.2 ? new Uint8Array([0]) : b(`k${(from + Math.floor(random() * 80)).toString().padStart(3, '0')}`),
      revision: random() < 0.3 ? 2 + Math.floor(random() * (current - 2)) : 0,
      limit: random() < 0.4 ? Math.floor(random() * 20) : 0,
      sort_target: [SortTarget.KEY, SortTarget.VALUE, SortTarget.MOD, SortTarget.VERSION][Math.floor(random() * 4)],
      sort_order: [SortOrder.NONE, SortOrder.ASCEND, SortOrder.DESCEND][Math.floor(random() * 3)],
      keys_only: random() < 0.2,
      count_only: random() < 0.1,
      min_mod_revision: random() < 0.2 ? Math.floor(random() * current) : 0,
    };
    const whole = store.range(request);
    const wholeBody = encodeRangeBody(whole.response);
    for (const keysPerStep of [1, 3, 64]) {
      const what = `case ${i}, ${keysPerStep} keys a step: ${JSON.stringify({ ...request, key: s(request.key), range_end: s(request.range_end) })}`;
      const { result } = runToEnd(store.rangeInSteps(request, keysPerStep));
      assert.deepEqual(result, whole, what);
      // In pages (the gRPC path): the same bytes as encoding the whole response at the end.
      for (const pageBytes of [1, 300, 1 << 20]) {
        const { head, pages } = readAllPages(store.rangeInPages(request, 'protobuf', keysPerStep, pageBytes));
        assert.equal(head.revision, whole.revision);
        assert.equal(head.kvs_bytes, pages.reduce((total, page) => total + page.length, 0), `announced bytes, ${what}`);
        const body = Buffer.concat([...pages, encodeRangeTail(head.more, head.count)]);
        assert.ok(body.equals(wholeBody), `paged body, ${pageBytes} bytes a page, ${what}`);
        // In msgpack (the WebSocket protocol's kvs array): the same kvs, each a map of its fields.
        const packed = readAllPages(store.rangeInPages(request, 'msgpack', keysPerStep, pageBytes));
        assert.equal(packed.head.kvs, whole.response.kvs.length);
        const arrayHeader = Buffer.alloc(5);
        arrayHeader[0] = 0xdd;
        arrayHeader.writeUInt32BE(packed.head.kvs, 1);
        const kvs = unpack(Buffer.concat([arrayHeader, ...packed.pages])) as KeyValue[];
        assert.deepEqual(kvs.map(comparable), whole.response.kvs.map(comparable), `msgpack pages, ${pageBytes} bytes a page, ${what}`);
        // In JSON (the gateway's kvs array): what the gateway writes for the whole response's kvs.
        const json = readAllPages(store.rangeInPages(request, 'json', keysPerStep, pageBytes));
        assert.equal(Buffer.concat(json.pages).toString('latin1'), whole.response.kvs.map(keyValueJson).join(','), `JSON pages, ${what}`);
      }
    }
  }
}));

test('a HashKV in steps equals the HashKV in one go, at every revision and after a compaction', () => withStore((store) => {
  fill(store, seeded(11));
  const current = store.status().current_revision;
  store.write({ compaction: { revision: Math.floor(current / 2) } });
  for (const revision of [0, current, Math.floor(current / 2) + 1, current - 7]) {
    const whole = store.hashKV({ revision });
    const { result, steps } = runToEnd(store.hashKVInSteps({ revision }, 5));
    assert.deepEqual(result, whole, `revision ${revision}`);
    assert.ok(steps > 10, `${steps} steps`);
  }
}));

function entry(index: number, request: InternalRequest): Entry {
  return { index, term: 1, type: EntryType.Normal, data: encodeInternalRequest(request) };
}

test('in the apply worker a single-key read answers while a long range is still under way', async () => {
  const dir = tempDir();
  const keys = 3000;
  const applier = await Applier.open({ path: dir.path, rangeKeysPerStep: 10 });
  try {
    await applier.apply(Array.from({ length: keys }, (_, i) => entry(i + 1, { put: { key: b(`k${String(i).padStart(5, '0')}`), value: b('v') } })));
    await applier.waitApplied(keys);
    const order: string[] = [];
    const long = applier.read({ op: 'range', request: { key: b('k'), range_end: b('l') } }).then((r) => { order.push('long'); return r; });
    const small = applier.read({ op: 'range', request: { key: b('k00042') } }).then((r) => { order.push('small'); return r; });
    const [longAnswer, smallAnswer] = await Promise.all([long, small]);
    assert.deepEqual(order, ['small', 'long'], 'the small read did not wait for 300 steps of the long one');
    assert.equal(longAnswer.response.count, keys);
    assert.equal(longAnswer.response.kvs.length, keys);
    assert.equal(s(smallAnswer.response.kvs[0]!.key), 'k00042');
  } finally {
    await applier.close();
    dir.remove();
  }
});

test('a compaction scheduled while a long range reads an older revision waits for it: the range answers that revision whole', async () => {
  const dir = tempDir();
  const keys = 2000;
  const applier = await Applier.open({ path: dir.path, rangeKeysPerStep: 5, compactionKeysPerChunk: 50 });
  try {
    const first = Array.from({ length: keys }, (_, i) => entry(i + 1, { put: { key: b(`k${String(i).padStart(5, '0')}`), value: b('old') } }));
    const second = Array.from({ length: keys }, (_, i) => entry(keys + i + 1, { put: { key: b(`k${String(i).padStart(5, '0')}`), value: b('new') } }));
    await applier.apply(first);
    await applier.waitApplied(keys);
    const oldRevision = keys + 1;
    await applier.apply(second);
    await applier.waitApplied(2 * keys);
    const reading = applier.read({ op: 'range', request: { key: b('k'), range_end: b('l'), revision: oldRevision } });
    // The read's record reaches the ring within this turn's microtasks; the compaction follows it.
    await new Promise((resolve) => setImmediate(resolve));
    const compaction = applier.wait(2 * keys + 1);
    await applier.apply([entry(2 * keys + 1, { compaction: { revision: 2 * keys + 1, physical: true } })]);
    const { response } = await reading;
    assert.equal(response.kvs.length, keys);
    assert.ok(response.kvs.every((kv) => s(kv.value) === 'old'), 'every key as it was at the range\'s revision');
    await compaction;
    await assert.rejects(applier.read({ op: 'range', request: { key: b('k'), range_end: b('l'), revision: oldRevision } }), /compacted/);
  } finally {
    await applier.close();
    dir.remove();
  }
});

test('more long reads than may run at once all answer whole: the rest wait their turn, each after one step', async () => {
  const dir = tempDir();
  const keys = 500;
  const applier = await Applier.open({ path: dir.path, rangeKeysPerStep: 10 });
  try {
    await applier.apply(Array.from({ length: keys }, (_, i) => entry(i + 1, { put: { key: b(`k${String(i).padStart(5, '0')}`), value: b(`v${i}`) } })));
    await applier.waitApplied(keys);
    const longReads = LONG_READS_RUNNING_MAX * 3;
    const answers = await Promise.all(Array.from({ length: longReads }, (_, i) =>
      applier.read({ op: 'range', request: { key: b('k'), range_end: b('l'), limit: keys - i } })));
    answers.forEach(({ response }, i) => {
      assert.equal(response.kvs.length, keys - i, `read ${i}`);
      assert.equal(s(response.kvs[keys - i - 1]!.value), `v${keys - i - 1}`);
      assert.equal(response.count, keys);
    });
  } finally {
    await applier.close();
    dir.remove();
  }
});
