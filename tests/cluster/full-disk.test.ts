/**
 * A member whose disk fills up fails stop, as etcd does: it logs one fatal line naming the cause
 * and exits 1 (no zombie answering from a frozen state), and, restarted on the same data dir once
 * there is room again, serves everything acknowledged before the fault and catches up.
 *
 * The full disk is real: the member's data dir is a small tmpfs the test mounts (root only; the
 * tests skip otherwise). Its size leaves the store a few MiB beside the WAL's two preallocated
 * 64 MiB segments, so the store's LMDB commit is what runs out of space, after a few dozen puts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statfsSync } from 'node:fs';
import { mountTmpfs, resizeTmpfs, tmpfsUnavailable, unmountTmpfs } from '../tmpfs.js';
import { ProcessCluster, call, type ClusterProcess } from './process-cluster.js';

/** Two WAL segments (the current one and the next, preallocated) and about 12 MiB for the store. */
const WAL_SEGMENTS_MIB = 2 * 64;
const TMPFS_FULL_MIB = WAL_SEGMENTS_MIB + 12;
/** Room enough again: the size the tmpfs is remounted with before the restart. */
const TMPFS_ROOMY_MIB = 512;
const VALUE_BYTES = 256 * 1024;
/** More puts than a full tmpfs can hold, so the fault is sure to come. */
const PUTS_MAX = 400;
const EXIT_WAIT_MS = 20_000;

interface RangeResponse { kvs: { key: Buffer; value: Buffer }[]; count: string }

/** Waits until the WAL holds both its segments: what then runs out of space is the store. */
async function walPreallocated(dir: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const stats = statfsSync(dir);
    if (stats.bavail * stats.bsize < (TMPFS_FULL_MIB - WAL_SEGMENTS_MIB) * 2 ** 20) return;
    if (Date.now() > deadline) throw new Error(`the WAL did not preallocate its next segment in ${dir}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function valueOf(index: number): Buffer {
  return Buffer.alloc(VALUE_BYTES, index % 251);
}

/** Resolves with the process's exit code once it exits; rejects after `timeoutMs`. */
function exitOf(member: ClusterProcess, timeoutMs: number): Promise<number | null> {
  const child = member.process!;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${member.name} still running ${timeoutMs} ms after its disk filled:\n${member.output.join('')}`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/**
 * Puts `full-<i>` keys through `writer` until `victim` exits; returns the indexes acknowledged. A
 * put that fails (the victim was the one answering, or an election is under way) is tried again
 * under the same index until the victim has gone, so one slow moment cannot end the writes early.
 */
async function writeUntilExit(writer: () => ClusterProcess, victim: ClusterProcess): Promise<number[]> {
  const acknowledged: number[] = [];
  let gone = false;
  const exited = exitOf(victim, EXIT_WAIT_MS).finally(() => { gone = true; });
  exited.catch(() => {});
  for (let index = 0; index < PUTS_MAX && !gone;) {
    try {
      await call(writer().clients!.kv, 'Put', { key: Buffer.from(`full-${index}`), value: valueOf(index) }, 5000);
      acknowledged.push(index++);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await exited;
  return acknowledged;
}

/** Checks the one fatal log line: it names the failing store write and that no space is left. */
function assertOneFatalLine(member: ClusterProcess): void {
  const fatal = member.output.join('').split('\n').filter((line) => line.includes('"level":"fatal"'));
  assert.equal(fatal.length, 1, `one fatal line, got:\n${member.output.join('')}`);
  const line = JSON.parse(fatal[0]!) as { msg: string; error: string };
  assert.equal(line.msg, 'storage fault; exiting');
  assert.match(line.error, /^apply worker: applying entries \d+-\d+ to the store failed: .*\(0 bytes free in .*\)$/);
}

/** Serializable reads of every acknowledged key from `member`, checked against what was written. */
async function assertServes(member: ClusterProcess, indexes: readonly number[]): Promise<void> {
  for (const index of indexes) {
    const response = await call<RangeResponse>(member.clients!.kv, 'Range', { key: Buffer.from(`full-${index}`), serializable: true }, 5000);
    assert.equal(response.kvs.length, 1, `full-${index} is served after the restart`);
    assert.ok(response.kvs[0]!.value.equals(valueOf(index)), `full-${index} holds its value`);
  }
}

test('a member whose disk fills up logs one fatal line, exits 1, and after a restart with room serves every acknowledged write',
  { skip: tmpfsUnavailable(), timeout: 60_000 }, async () => {
    const cluster = new ProcessCluster(1, 100, 1000);
    const dataDir = `${cluster.root}/m1`;
    try {
      mountTmpfs(dataDir, TMPFS_FULL_MIB);
      await cluster.start();
      await walPreallocated(dataDir);
      const member = cluster.members[0]!;
      const acknowledged = await writeUntilExit(() => member, member);
      assert.equal(await exitOf(member, EXIT_WAIT_MS), 1, 'exit status 1, as etcd after a fatal log');
      assert.ok(acknowledged.length > 0 && acknowledged.length < PUTS_MAX, `${acknowledged.length} puts acknowledged before the disk filled`);
      assertOneFatalLine(member);
      member.clients?.kv.close();
      member.clients?.maintenance.close();

      resizeTmpfs(dataDir, TMPFS_ROOMY_MIB);
      await cluster.launch(member);
      await cluster.leader();
      await assertServes(member, acknowledged);
      await call(member.clients!.kv, 'Put', { key: Buffer.from('after'), value: Buffer.from('restart') }, 5000);
    } finally {
      for (const member of cluster.members) await cluster.kill(member);
      unmountTmpfs(dataDir);
      await cluster.close();
    }
  });

test('three members: the one whose disk fills up exits, the others keep serving, and after a restart it catches up',
  { skip: tmpfsUnavailable(), timeout: 60_000 }, async () => {
    const cluster = new ProcessCluster(3, 100, 1000);
    const dataDir = `${cluster.root}/m1`;
    try {
      mountTmpfs(dataDir, TMPFS_FULL_MIB);
      await cluster.start();
      await walPreallocated(dataDir);
      const [full, second, third] = cluster.members as [ClusterProcess, ClusterProcess, ClusterProcess];
      // Writes go through a healthy member, so the full one fails wherever the leader is.
      const acknowledged = await writeUntilExit(() => second, full);
      assert.equal(await exitOf(full, EXIT_WAIT_MS), 1);
      assertOneFatalLine(full);
      full.clients?.kv.close();
      full.clients?.maintenance.close();
      full.clients = null;

      // The other two still form a quorum: they elect a leader if they need one and take writes.
      await cluster.leader(20_000);
      const later = [PUTS_MAX, PUTS_MAX + 1, PUTS_MAX + 2];
      for (const index of later) {
        await call(third.clients!.kv, 'Put', { key: Buffer.from(`full-${index}`), value: valueOf(index) }, 10_000);
      }

      resizeTmpfs(dataDir, TMPFS_ROOMY_MIB);
      await cluster.launch(full);
      await cluster.leader(20_000);
      // A linearizable read on the restarted member waits until it has caught up with the leader.
      const latest = await call<RangeResponse>(full.clients!.kv, 'Range', { key: Buffer.from(`full-${later.at(-1)}`) }, 10_000);
      assert.ok(latest.kvs[0]?.value.equals(valueOf(later.at(-1)!)), 'the restarted member caught up with writes made while it was down');
      await assertServes(full, [...acknowledged, ...later]);
      const all = { key: Buffer.from('full-'), range_end: Buffer.from('full.'), count_only: true, serializable: true };
      const counts = await Promise.all(cluster.members.map((m) => call<RangeResponse>(m.clients!.kv, 'Range', all, 5000)));
      assert.deepEqual(counts.map((c) => c.count), counts.map(() => counts[1]!.count), 'every member holds the same keys');
    } finally {
      for (const member of cluster.members) await cluster.kill(member);
      unmountTmpfs(dataDir);
      await cluster.close();
    }
  });
