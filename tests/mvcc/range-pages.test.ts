/**
 * Ranges read in pages through the apply worker (range-pages.ts, range-page-reader.ts): the pages
 * put together are the range at its revision, whatever was written between them; a read parks
 * between pages and holds compaction back only until its reader is closed or it sits idle too
 * long; and no more than PAGED_READS_OPEN_MAX ranges hold pages at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Applier, PAGED_READS_OPEN_MAX } from '../../engine/mvcc/applier.js';
import type { ReadAnswer } from '../../engine/mvcc/apply-protocol.js';
import { ErrTimeout, ErrTooManyRequests, etcdErrorRecord } from '../../engine/errors.js';
import { encodeRangeTail } from '../../engine/mvcc/range-encode.js';
import type { RangePageReader } from '../../engine/mvcc/range-page-reader.js';
import { PARKED_READ_IDLE_MS, ReadJobs } from '../../engine/mvcc/read-jobs.js';
import { encodeInternalRequest, type InternalRequest } from '../../engine/mvcc/request.js';
import { EntryType, type Entry } from '../../engine/raft/types.js';
import { etcdService } from '../../net/grpc/protos.js';
import { b, s, tempDir, withStore } from './helpers.js';

function entry(index: number, request: InternalRequest): Entry {
  return { index, term: 1, type: EntryType.Normal, data: encodeInternalRequest(request) };
}

function key(i: number): Buffer {
  return b(`k${String(i).padStart(5, '0')}`);
}

/** Reads every page of a reader; the body is the kvs fields followed by more and count. */
async function readAll(reader: RangePageReader): Promise<{ pages: number; body: Buffer }> {
  const parts: Uint8Array[] = [];
  for (let page = await reader.next(); page !== undefined; page = await reader.next()) parts.push(page);
  return { pages: parts.length, body: Buffer.concat([...parts, encodeRangeTail(reader.head.more, reader.head.count)]) };
}

/** The kvs of a RangeResponse body (fields after the header), decoded with etcd's definition. */
function kvsOf(body: Buffer): { key: string; value: string; mod_revision: string }[] {
  const decoded = etcdService('KV').Range!.responseDeserialize(body) as { kvs: { key: Buffer; value: Buffer; mod_revision: string }[] };
  return decoded.kvs.map((kv) => ({ key: kv.key.toString(), value: kv.value.toString(), mod_revision: kv.mod_revision }));
}

test('a range read in pages answers the range at its revision, whatever is written between its pages', async () => {
  const dir = tempDir();
  const keys = 600;
  const applier = await Applier.open({ path: dir.path, rangeKeysPerStep: 50, rangePageBytes: 2048 });
  try {
    await applier.apply(Array.from({ length: keys }, (_, i) => entry(i + 1, { put: { key: key(i), value: b(`old${i}`) } })));
    await applier.waitApplied(keys);
    const reader = await applier.rangeInPages({ key: b('k'), range_end: b('l') });
    assert.equal(reader.head.last, false);
    assert.equal(reader.head.count, keys);
    // Every key is rewritten and some deleted before the rest of the pages are asked for.
    await applier.apply(Array.from({ length: keys }, (_, i) => entry(keys + i + 1, i % 3 === 0
      ? { delete_range: { key: key(i) } }
      : { put: { key: key(i), value: b(`new${i}`) } })));
    await applier.waitApplied(2 * keys);
    const { pages, body } = await readAll(reader);
    assert.ok(pages > 5, `${pages} pages`);
    const kvs = kvsOf(body);
    assert.deepEqual(kvs.map((kv) => kv.key), Array.from({ length: keys }, (_, i) => s(key(i))));
    assert.ok(kvs.every((kv, i) => kv.value === `old${i}`), 'every key as it was at the range\'s revision');
    assert.equal(reader.head.revision, keys + 1);
  } finally {
    await applier.close();
    dir.remove();
  }
});

test('a paged range holds a compaction back while its pages are read, and not after its reader is closed', async () => {
  const dir = tempDir();
  const keys = 300;
  const applier = await Applier.open({ path: dir.path, rangePageBytes: 512, compactionKeysPerChunk: 20 });
  try {
    await applier.apply(Array.from({ length: keys }, (_, i) => entry(i + 1, { put: { key: key(i), value: b('old') } })));
    await applier.apply(Array.from({ length: keys }, (_, i) => entry(keys + i + 1, { put: { key: key(i), value: b('new') } })));
    await applier.waitApplied(2 * keys);
    const reader = await applier.rangeInPages({ key: b('k'), range_end: b('l'), revision: keys + 1 });
    assert.equal(reader.head.last, false);
    let compacted = false;
    const compaction = applier.wait(2 * keys + 1).then(() => { compacted = true; });
    await applier.apply([entry(2 * keys + 1, { compaction: { revision: 2 * keys + 1, physical: true } })]);
    // Half the pages, then a pause: the rows at the range's revision are all still there.
    for (let i = 0; i < 5; i++) assert.ok(await reader.next());
    await applier.waitApplied(2 * keys + 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(compacted, false, 'compaction waits while the paged range is open');
    const rest = await readAll(reader);
    assert.ok(rest.pages > 0);
    await compaction;

    // A reader closed after its first page lets the next compaction through at once.
    await applier.apply(Array.from({ length: keys }, (_, i) => entry(2 * keys + 2 + i, { put: { key: key(i), value: b('newer') } })));
    await applier.waitApplied(3 * keys + 1);
    const dropped = await applier.rangeInPages({ key: b('k'), range_end: b('l') });
    assert.ok(await dropped.next());
    dropped.close();
    const next = applier.wait(3 * keys + 2);
    await applier.apply([entry(3 * keys + 2, { compaction: { revision: 3 * keys + 2, physical: true } })]);
    await next;
    assert.equal(await dropped.next(), undefined, 'a closed reader gives nothing more');
  } finally {
    await applier.close();
    dir.remove();
  }
});

test('no more than PAGED_READS_OPEN_MAX ranges hold pages at once; a range that fits one page takes no place', async () => {
  const dir = tempDir();
  const applier = await Applier.open({ path: dir.path, rangePageBytes: 16 });
  try {
    await applier.apply(Array.from({ length: 4 }, (_, i) => entry(i + 1, { put: { key: key(i), value: b('0123456789') } })));
    await applier.waitApplied(4);
    const everything = { key: b('k'), range_end: b('l') };
    const open = await Promise.all(Array.from({ length: PAGED_READS_OPEN_MAX }, () => applier.rangeInPages(everything)));
    await assert.rejects(applier.rangeInPages(everything), (error) => error === ErrTooManyRequests);
    const single = await applier.rangeInPages({ key: key(2) });
    assert.equal(single.head.last, true);
    assert.equal(kvsOf(single.head.page as Buffer).length, 1);
    open.pop()!.close();
    const another = await applier.rangeInPages(everything);
    assert.equal(kvsOf((await readAll(another)).body).length, 4);
    for (const reader of open) reader.close();
  } finally {
    await applier.close();
    dir.remove();
  }
});

test('a paged range left idle is dropped: its next page is "request timed out" and compaction may go on', () => withStore((store) => {
  for (let i = 0; i < 50; i++) store.write({ put: { key: key(i), value: b('v') } });
  const reads = new ReadJobs(store);
  /** The answers of a read, running steps until it has one. */
  const answered = (answers: ReadAnswer[]): ReadAnswer[] => {
    while (answers.length === 0) answers = reads.run(1);
    return answers;
  };
  const [head] = answered(reads.start(1, { op: 'range_pages', request: { key: b('k'), range_end: b('l'), revision: 10 }, format: 'protobuf' }));
  assert.equal(head!.id, 1);
  assert.equal(reads.parkedCount, 1);
  assert.equal(reads.allowCompaction(40), false, 'a parked read holds compaction back');
  reads.expireParked(Date.now() + PARKED_READ_IDLE_MS / 2);
  assert.equal(reads.parkedCount, 1, 'not idle long enough');
  const [page] = answered(reads.start(2, { op: 'range_page', job: 1 }));
  assert.equal((page!.value as { last: boolean }).last, false, 'a page, with more to come');
  assert.equal(reads.parkedCount, 1, 'parked again after its page');
  reads.expireParked(Date.now() + PARKED_READ_IDLE_MS + 1);
  assert.equal(reads.parkedCount, 0);
  assert.equal(reads.allowCompaction(40), true);
  assert.deepEqual(reads.start(3, { op: 'range_page', job: 1 }), [{ id: 3, error: etcdErrorRecord(ErrTimeout) }]);
}, { rangePageBytes: 64 }));

test('values of every size come out of pages byte for byte, the page that holds a large one grown to fit it', async () => {
  const dir = tempDir();
  const sizes = [0, 1, 70_000, 1_200_000, 5, 300_000];
  const applier = await Applier.open({ path: dir.path, rangePageBytes: 4096 });
  try {
    await applier.apply(sizes.map((size, i) => entry(i + 1, { put: { key: key(i), value: Buffer.alloc(size, 97 + i) } })));
    await applier.waitApplied(sizes.length);
    const reader = await applier.rangeInPages({ key: b('k'), range_end: b('l') });
    const kvs = kvsOf((await readAll(reader)).body);
    assert.deepEqual(kvs.map((kv) => kv.value), sizes.map((size, i) => String.fromCharCode(97 + i).repeat(size)));
  } finally {
    await applier.close();
    dir.remove();
  }
});
