/**
 * Flags the member honours: --strict-reconfig-check, --wal-dir and --pre-vote, on in-process
 * clusters of real members.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrMemberNotEnoughStarted } from '../../engine/errors.js';
import { recordingLogger } from '../recording-logger.js';
import { ClusterMembership } from '../../engine/node/membership.js';
import { freePort } from '../free-port.js';
import { TestCluster, bytes, text } from './cluster-harness.js';

/** A Logger that keeps every message. */
test('--strict-reconfig-check refuses a voter the started members could not make a quorum with; off, it is added', async () => {
  const cluster = new TestCluster(3);
  try {
    await cluster.startAll();
    const leader = await cluster.leader();
    const strict = new ClusterMembership(leader.member, leader.reader, 'test-cluster');
    // Two voters that never start: 3 started of 5 is still a quorum.
    await strict.add([`http://127.0.0.1:${await freePort()}`], false);
    await strict.add([`http://127.0.0.1:${await freePort()}`], false);
    // A sixth voter would need 4 started members.
    const sixth = `http://127.0.0.1:${await freePort()}`;
    await assert.rejects(strict.add([sixth], false), ErrMemberNotEnoughStarted);
    const lenient = new ClusterMembership(leader.member, leader.reader, 'test-cluster', { strictReconfigCheck: false });
    const { members } = await lenient.add([sixth], false);
    assert.equal(members.length, 6);
  } finally {
    await cluster.close();
  }
});

test('--wal-dir puts the WAL in its own directory, and a restart replays it from there', async () => {
  const walDir = mkdtempSync(join(tmpdir(), 'cairn-wal-dir-'));
  const cluster = new TestCluster(1, { walDir });
  try {
    await cluster.startAll();
    const leader = await cluster.leader();
    await leader.kv.put({ key: bytes('k'), value: bytes('in the dedicated WAL') });
    assert.ok(readdirSync(walDir).length > 0, 'segments are in --wal-dir');
    assert.equal(existsSync(join(leader.dataDir, 'member', 'wal')), false, 'none under the data dir');
    await cluster.stop(1);
    const restarted = await cluster.start(1);
    await cluster.leader();
    assert.equal(text((await restarted.kv.range({ key: bytes('k'), serializable: true })).kvs[0]!.value), 'in the dedicated WAL');
  } finally {
    await cluster.close();
    rmSync(walDir, { recursive: true, force: true });
  }
});

test('--pre-vote: on, the first election goes through a pre-candidate; off, straight to candidate', async () => {
  for (const preVote of [true, false]) {
    const { logger, messages } = recordingLogger();
    const cluster = new TestCluster(3, { preVote, logger });
    try {
      await cluster.startAll();
      await cluster.leader();
      assert.equal(messages.some((msg) => msg.includes(' became pre-candidate at term ')), preVote, `preVote ${preVote}`);
      assert.ok(messages.some((msg) => msg.includes(' became candidate at term ')));
    } finally {
      await cluster.close();
    }
  }
});
