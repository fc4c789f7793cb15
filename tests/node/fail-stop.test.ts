/**
 * Fail-stop on storage faults (issue #13): a member whose WAL or store cannot write stops for good
 * and reports the fault once through onFatal, instead of answering from a frozen state; a request
 * a client got wrong stays that client's error. The store test fills a real disk (a small tmpfs,
 * root only; skipped otherwise) and restarts the member with room again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { ErrLeaseNotFound, ErrStopped } from '../../engine/errors.js';
import { SEGMENT_BYTES_MIN, WalFailedError } from '../../engine/wal/wal.js';
import { mountTmpfs, resizeTmpfs, tmpfsUnavailable, unmountTmpfs } from '../tmpfs.js';
import { TestCluster, bytes, text, waitFor, type RunningMember } from './cluster-harness.js';

/** Two default WAL segments (the current one and the next, preallocated) and a few MiB for the store. */
const WAL_SEGMENTS_MIB = 2 * 64;
const TMPFS_FULL_MIB = WAL_SEGMENTS_MIB + 12;
const TMPFS_ROOMY_MIB = 512;

/** Every way a client could reach the member: each must fail with "server stopped". */
async function assertAnswersNothing({ kv, lease }: RunningMember): Promise<void> {
  await assert.rejects(kv.put({ key: bytes('after'), value: bytes('x') }), ErrStopped);
  await assert.rejects(kv.range({ key: bytes('before') }), ErrStopped);
  await assert.rejects(kv.range({ key: bytes('before'), serializable: true }), ErrStopped);
  await assert.rejects(kv.hashKV({}), ErrStopped);
  // It still thinks it leads, but renews no lease.
  await assert.rejects(lease.keepAlive(1), ErrStopped);
}

/** Puts `key-<i>` values until a put fails; returns the indexes acknowledged and the failure. */
async function putUntilFailure(running: RunningMember, valueBytes: number, putsMax: number): Promise<{ acknowledged: number[]; failure: unknown }> {
  const acknowledged: number[] = [];
  for (let index = 0; index < putsMax; index++) {
    try {
      await running.kv.put({ key: bytes(`key-${index}`), value: new Uint8Array(valueBytes).fill(index % 251) });
      acknowledged.push(index);
    } catch (failure) {
      return { acknowledged, failure };
    }
  }
  return { acknowledged, failure: null };
}

test('a WAL write failure stops the member for good: the fault is reported once and every request fails with "server stopped"', async () => {
  const faults: Error[] = [];
  const cluster = new TestCluster(1, { walSegmentBytes: SEGMENT_BYTES_MIN, onFatal: (error) => faults.push(error) });
  try {
    await cluster.startAll();
    const running = await cluster.leader();
    await running.kv.put({ key: bytes('before'), value: bytes('1') });
    // Without its directory the WAL worker cannot install its next segment when this one fills.
    rmSync(join(running.dataDir, 'member', 'wal'), { recursive: true, force: true });
    const { failure } = await putUntilFailure(running, 16 * 1024, 1000);
    assert.equal(failure, ErrStopped, 'the write in flight is answered "server stopped", which clients retry elsewhere');
    assert.equal(faults.length, 1);
    assert.ok(faults[0] instanceof WalFailedError, `a WAL failure, got ${String(faults[0])}`);
    assert.match(faults[0].message, /^wal: .*ENOENT/);
    assert.equal(running.member.fatalError, faults[0]);
    await assertAnswersNothing(running);
    await running.member.stop();
    assert.equal(faults.length, 1, 'reported once, also after the stop');
  } finally {
    await cluster.close();
  }
});

test('an error a client caused while applying stays that client\'s error: the member goes on', async () => {
  const faults: Error[] = [];
  const cluster = new TestCluster(1, { onFatal: (error) => faults.push(error) });
  try {
    await cluster.startAll();
    const { kv } = await cluster.leader();
    await assert.rejects(kv.put({ key: bytes('k'), value: bytes('v'), lease: 0x1234 }), ErrLeaseNotFound);
    await kv.put({ key: bytes('k'), value: bytes('v') });
    assert.equal(text((await kv.range({ key: bytes('k') })).kvs[0]!.value), 'v');
    assert.deepEqual(faults, []);
  } finally {
    await cluster.close();
  }
});

test('a full disk under the store stops the member the same way; restarted with room, it serves every acknowledged write', {
  skip: tmpfsUnavailable(),
  timeout: 60_000,
}, async () => {
  const faults: Error[] = [];
  const cluster = new TestCluster(1, { onFatal: (error) => faults.push(error) });
  const dataDir = join(cluster.root, 'm1');
  mountTmpfs(dataDir, TMPFS_FULL_MIB);
  try {
    await cluster.startAll();
    // Once the WAL holds both its segments, what runs out of space is the store.
    await waitFor('the WAL to preallocate its next segment', () => {
      const stats = statfsSync(dataDir);
      return stats.bavail * stats.bsize < (TMPFS_FULL_MIB - WAL_SEGMENTS_MIB) * 2 ** 20;
    });
    const running = await cluster.leader();
    await running.kv.put({ key: bytes('before'), value: bytes('1') });
    const valueBytes = 256 * 1024;
    const { acknowledged, failure } = await putUntilFailure(running, valueBytes, 400);
    assert.equal(failure, ErrStopped);
    assert.ok(acknowledged.length > 0, 'some writes fit before the disk filled');
    await waitFor('the fault to be reported', () => faults.length > 0);
    assert.equal(faults.length, 1);
    assert.match(faults[0]!.message, /^apply worker: applying entries \d+-\d+ to the store failed: .*\(0 bytes free in .*\)$/);
    await assertAnswersNothing(running);

    await cluster.stop(1);
    resizeTmpfs(dataDir, TMPFS_ROOMY_MIB);
    const restarted = await cluster.start(1);
    await cluster.leader();
    for (const index of acknowledged) {
      const got = await restarted.kv.range({ key: bytes(`key-${index}`), serializable: true });
      const value = got.kvs[0]?.value;
      assert.ok(value !== undefined && Buffer.from(value).equals(Buffer.alloc(valueBytes, index % 251)), `key-${index} survived`);
    }
    await restarted.kv.put({ key: bytes('after'), value: bytes('restart') });
    assert.equal(faults.length, 1);
  } finally {
    for (const id of [...cluster.members.keys()]) await cluster.stop(id);
    unmountTmpfs(dataDir);
    await cluster.close();
  }
});
