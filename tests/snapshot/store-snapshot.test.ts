import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Applier } from '../../engine/mvcc/applier.js';
import { encodeInternalRequest, type InternalRequest } from '../../engine/mvcc/request.js';
import { MvccStore } from '../../engine/mvcc/store.js';
import type { RangeRequest } from '../../engine/mvcc/rpc.js';
import { EntryType, type Entry } from '../../engine/raft/types.js';
import { readSnapshotFile } from '../../engine/snapshot/snapshot-file.js';
import { SnapshotPool } from '../../engine/snapshot/snapshot-pool.js';
import { writeStoreSnapshot } from '../../engine/snapshot/store-snapshot.js';
import { b, keysOf, s, tempDir } from '../mvcc/helpers.js';

function entry(index: number, request: InternalRequest, term = 2): Entry {
  return { index, term, type: EntryType.Normal, data: encodeInternalRequest(request) };
}

/** A store with history: 300 puts over 100 keys, some deletes, a compaction; applied index 400. */
function fillStore(path: string): void {
  const store = new MvccStore(path);
  const entries: Entry[] = [];
  let index = 0;
  for (let i = 0; i < 300; i++) entries.push(entry(++index, { put: { key: b(`key-${i % 100}`), value: b(`value-${i}`) } }));
  for (let i = 0; i < 10; i++) entries.push(entry(++index, { delete_range: { key: b(`key-${i}`) } }));
  entries.push(entry(++index, { compaction: { revision: 150, physical: true } }));
  while (index < 400) entries.push(entry(++index, { put: { key: b('hot'), value: b(`v${index}`) } }));
  store.applyEntries(entries);
  while (store.compactionPending()) store.compactStep();
  void store.close();
}

test('a store snapshot written on the pool restores into another store byte for byte (HashKV, ranges, applied index)', async () => {
  const source = tempDir();
  const target = tempDir();
  const pool = new SnapshotPool();
  try {
    fillStore(source.path);
    const file = join(target.path, 'in.snap');
    const info = await pool.writeSnapshot(source.path, file);
    assert.equal(info.appliedIndex, 400);
    assert.equal(info.appliedTerm, 2);
    assert.ok(info.rows > 300, `rows: ${info.rows}`);

    const applier = await Applier.open({ path: join(target.path, 'kv') });
    // The target had its own, older state: all of it is replaced.
    await applier.apply([entry(1, { put: { key: b('only-in-target'), value: b('x') } }, 1)]);
    await applier.waitApplied(1);
    const outcome = await applier.restoreSnapshot(file);
    assert.deepEqual(outcome, { path: file, restored: true });
    assert.equal(applier.appliedIndex, 400);
    const from = new MvccStore(source.path);
    const to = { range: (request: RangeRequest) => applier.read({ op: 'range', request }) };
    assert.deepEqual(await applier.read({ op: 'hash_kv', request: { revision: 0 } }), from.hashKV({ revision: 0 }));
    const all = { key: b('\0'), range_end: b('\0') };
    assert.deepEqual(keysOf((await to.range(all)).response.kvs), keysOf(from.range(all).response.kvs));
    assert.equal((await to.range({ key: b('only-in-target') })).response.kvs.length, 0);
    assert.equal(s((await to.range({ key: b('hot') })).response.kvs[0]!.value), 'v400');
    // Entries after the snapshot apply on top; entries it already covers are skipped.
    await applier.apply([entry(400, { put: { key: b('hot'), value: b('stale') } }), entry(401, { put: { key: b('new'), value: b('n') } })]);
    await applier.waitApplied(401);
    assert.equal(s((await to.range({ key: b('hot') })).response.kvs[0]!.value), 'v400');
    assert.equal(s((await to.range({ key: b('new') })).response.kvs[0]!.value), 'n');
    // A snapshot the store is already past changes nothing.
    assert.deepEqual(await applier.restoreSnapshot(file), { path: file, restored: false });
    assert.equal(s((await to.range({ key: b('new') })).response.kvs[0]!.value), 'n');
    await from.close();
    await applier.close();
  } finally {
    await pool.close();
    source.remove();
    target.remove();
  }
});

test('a damaged or truncated snapshot file is refused and the store keeps its state', async () => {
  const source = tempDir();
  const target = tempDir();
  try {
    fillStore(source.path);
    const file = join(target.path, 'good.snap');
    await writeStoreSnapshot(source.path, file);
    const whole = readFileSync(file);
    let rows = 0;
    readSnapshotFile(file, () => true, (frame) => { rows += frame.rows.length / 2; });
    assert.ok(rows > 0);

    const flipped = Buffer.from(whole);
    flipped[Math.floor(whole.length / 2)]! ^= 0xff;
    writeFileSync(join(target.path, 'flipped.snap'), flipped);
    writeFileSync(join(target.path, 'truncated.snap'), whole.subarray(0, whole.length - 20));
    writeFileSync(join(target.path, 'garbage.snap'), Buffer.from('not a snapshot at all'));

    const applier = await Applier.open({ path: join(target.path, 'kv') });
    await applier.apply([entry(1, { put: { key: b('mine'), value: b('kept') } }, 1)]);
    await applier.waitApplied(1);
    for (const [name, reason] of [['flipped', /checksum mismatch|malformed|torn/], ['truncated', /torn|truncated/], ['garbage', /bad header|torn|frame/]] as const) {
      const outcome = await applier.restoreSnapshot(join(target.path, `${name}.snap`));
      assert.equal(outcome.restored, false, name);
      assert.match(outcome.error ?? '', reason, name);
    }
    assert.equal(applier.appliedIndex, 1);
    assert.equal(s((await applier.read({ op: 'range', request: { key: b('mine') } })).response.kvs[0]!.value), 'kept');
    await applier.close();
  } finally {
    source.remove();
    target.remove();
  }
});
