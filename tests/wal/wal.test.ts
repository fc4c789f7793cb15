import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_HARD_STATE } from '../../engine/raft/types.js';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { batchBytes, WalFailedError } from '../../engine/wal/wal.js';
import { append, appendDurably, entries, openWal, snapshotDurably, withTempDir } from './helpers.js';

test('a new WAL in an empty directory replays nothing, then keeps what was appended across a reopen', async () => {
  await withTempDir(async (dir) => {
    const first = await openWal(dir);
    assert.deepEqual(first.replay, { hardState: { ...EMPTY_HARD_STATE }, snapshot: null, entries: [] });
    assert.equal(first.wal.durableSeq, 0);
    const written = entries(1, 50, 1, 100);
    const seq = await appendDurably(first.wal, written, { term: 1, vote: 2, commit: 40 });
    await first.wal.close();

    const second = await openWal(dir);
    assert.deepEqual(second.replay.entries, written);
    assert.deepEqual(second.replay.hardState, { term: 1, vote: 2, commit: 40 });
    assert.equal(second.wal.durableSeq, seq, 'batch seqs continue across a reopen');
    assert.equal(await appendDurably(second.wal, entries(51, 51, 1)), seq + 1);
    await second.wal.close();
  });
});

test('batches become durable in seq order, and batches queued during an fdatasync share the next one', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await openWal(dir);
    const seqs: number[] = [];
    for (let index = 1; index <= 1000; index++) seqs.push(await append(wal, entries(index, index, 1, 256)));
    assert.deepEqual(seqs, Array.from({ length: 1000 }, (_, i) => i + 1));
    const order: number[] = [];
    await Promise.all(seqs.map((seq) => wal.whenDurable(seq).then(() => {
      assert.ok(wal.durableSeq >= seq);
      order.push(seq);
    })));
    assert.deepEqual(order, seqs);
    const stats = wal.stats();
    assert.equal(stats.batches, 1000);
    assert.equal(stats.entries, 1000);
    assert.ok(stats.fsyncs < 1000, `1000 pipelined batches took ${stats.fsyncs} fdatasyncs`);
    assert.ok(stats.bytesWritten >= 1000 * 256);
    await wal.close();
  });
});

test('a hard state can be appended alone, and the latest one wins on replay', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await openWal(dir);
    await appendDurably(wal, entries(1, 3, 1), { term: 1, vote: 1, commit: 0 });
    await appendDurably(wal, [], { term: 2, vote: 3, commit: 3 });
    await wal.close();
    const reopened = await openWal(dir);
    assert.deepEqual(reopened.replay.hardState, { term: 2, vote: 3, commit: 3 });
    assert.equal(reopened.replay.entries.length, 3);
    await reopened.wal.close();
  });
});

test('appends that would break the log are refused before they reach the ring', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await openWal(dir, { ringBytes: 1 << 16 });
    await appendDurably(wal, entries(1, 10, 1));
    await snapshotDurably(wal, { index: 5, term: 1, confState: { voters: [1], learners: [] } });
    assert.throws(() => wal.append(entries(12, 12, 1)), /must follow the snapshot \(5\) and the log \(last 10\)/);
    assert.throws(() => wal.append(entries(5, 6, 2)), /must follow the snapshot/);
    assert.throws(() => wal.append([...entries(11, 11, 1), ...entries(13, 13, 1)]), /not contiguous/);
    assert.throws(() => wal.append([]), /append of nothing/);
    assert.throws(() => wal.append(entries(11, 11, 1, 40_000)), /exceeds the limit/);
    assert.throws(() => wal.saveSnapshot({ index: 4, term: 1, confState: { voters: [1], learners: [] } }), /older than/);
    await assert.rejects(wal.releaseBefore(7), /latest snapshot covers only up to 5/);
    assert.equal(await appendDurably(wal, entries(11, 11, 1)), 3, 'refused appends took no seq');
    await wal.close();
    assert.throws(() => wal.append(entries(12, 12, 1)), /closed/);
  });
});

test('a full ring is backpressure: append returns null until the worker drains it', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await openWal(dir, { ringBytes: 1 << 16 });
    let next = 1;
    let refused = 0;
    let lastSeq = 0;
    while (next <= 400) {
      const batch = entries(next, next + 3, 1, 1000);
      const seq = wal.append(batch);
      if (seq === null) {
        refused++;
        await wal.whenWritable(batchBytes(batch));
        continue;
      }
      lastSeq = seq;
      next += 4;
    }
    assert.ok(refused > 0, 'a 64 KiB ring must fill with 400 KB appended in one go');
    await wal.whenDurable(lastSeq);
    await wal.close();
    const reopened = await openWal(dir);
    assert.deepEqual(reopened.replay.entries, entries(1, 400, 1, 1000));
    await reopened.wal.close();
  });
});

test('close makes every appended batch durable, even ones nobody awaited', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await openWal(dir);
    for (let first = 1; first <= 500; first += 50) await append(wal, entries(first, first + 49, 1));
    await wal.close();
    const reopened = await openWal(dir);
    assert.deepEqual(reopened.replay.entries, entries(1, 500, 1));
    await reopened.wal.close();
  });
});

test('a segment left half-prepared by a crash is deleted on open', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await openWal(dir);
    await appendDurably(wal, entries(1, 3, 1));
    await wal.close();
    writeFileSync(join(dir, '0000000000000002.wal.tmp'), new Uint8Array(1000).fill(7));
    const reopened = await openWal(dir);
    assert.deepEqual(reopened.replay.entries, entries(1, 3, 1));
    await reopened.wal.close();
    assert.deepEqual(readdirSync(dir), ['0000000000000001.wal']);
  });
});

test('an I/O failure in the worker is fatal: waiters reject and later appends throw', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await openWal(dir);
    await appendDurably(wal, entries(1, 1, 1));
    // Without its directory the worker cannot install the next segment when this one fills.
    rmSync(dir, { recursive: true, force: true });
    let failure: unknown = null;
    for (let first = 2; failure === null && first < 100_000; first += 100) {
      try {
        await appendDurably(wal, entries(first, first + 99, 1, 256));
      } catch (error) {
        failure = error;
      }
    }
    assert.ok(failure instanceof WalFailedError, `expected WalFailedError, got ${String(failure)}`);
    // The fault names where it happened and the free space there (here: none to tell, the directory is gone).
    assert.match((failure as Error).message, /^wal: ENOENT: .* \(free space in .* unknown: ENOENT.*\)$/);
    await assert.rejects(wal.whenFailed(), (error) => error === failure);
    assert.throws(() => wal.append(entries(1, 1, 1)), WalFailedError);
    await assert.rejects(wal.close(), WalFailedError);
  });
});

test('a clean close is no fault: whenFailed never settles', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await openWal(dir);
    await appendDurably(wal, entries(1, 10, 1));
    await wal.close();
    const settled = await Promise.race([
      wal.whenFailed().then(() => 'resolved', () => 'rejected'),
      new Promise((resolve) => setTimeout(() => resolve('pending'), 50)),
    ]);
    assert.equal(settled, 'pending');
  });
});

test('batches as large as the limit still get through a busy ring', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await openWal(dir, { ringBytes: 1 << 16 });
    const dataBytes = wal.batchBytesMax - batchBytes(entries(1, 1, 1, 0));
    assert.equal(batchBytes(entries(1, 1, 1, dataBytes)), wal.batchBytesMax);
    let lastSeq = 0;
    for (let index = 1; index <= 20; index++) lastSeq = await append(wal, entries(index, index, 1, dataBytes));
    await wal.whenDurable(lastSeq);
    await wal.close();
    const reopened = await openWal(dir);
    assert.deepEqual(reopened.replay.entries, entries(1, 20, 1, dataBytes));
    await reopened.wal.close();
  });
});

test('an fdatasync slower than the threshold is reported with the threshold (etcd\'s "slow fdatasync")', async () => {
  await withTempDir(async (dir) => {
    const slow: [number, number][] = [];
    const { wal } = await openWal(dir, { slowSyncMs: 0, onSlowSync: (tookMs, expectedMs) => slow.push([tookMs, expectedMs]) });
    await appendDurably(wal, entries(1, 10, 1));
    await wal.close();
    assert.ok(slow.length >= 1, 'every group sync is over a 0 ms threshold');
    assert.ok(slow.every(([tookMs, expectedMs]) => tookMs > 0 && expectedMs === 0));
  });
  await withTempDir(async (dir) => {
    let reported = 0;
    const { wal } = await openWal(dir, { onSlowSync: () => { reported++; } });
    await appendDurably(wal, entries(1, 10, 1));
    await wal.close();
    assert.equal(reported, 0, 'at etcd\'s 1 s threshold a healthy disk reports nothing');
  });
});
