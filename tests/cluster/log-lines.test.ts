/**
 * A real 3-member cluster of cairn processes logs etcd's key events as etcd's zap logger does: one
 * JSON object a line with level, ts, caller and msg, and etcd's messages for start, readiness,
 * elections and leader loss, snapshots, slow applies, compaction, membership and alarms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { AlarmAction, AlarmType } from '../../engine/alarm/alarm-rpc.js';
import { etcdClient } from '../../net/grpc/protos.js';
import { ProcessCluster, call, type ClusterProcess } from './process-cluster.js';

interface LogLine {
  level: string;
  ts: string;
  caller: string;
  msg: string;
  [field: string]: unknown;
}

/** Every JSON line the member wrote (stdout's plain "cairn: serving ..." lines are not log lines). */
function logLines(member: ClusterProcess): LogLine[] {
  return member.output.join('').split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as LogLine);
}

async function waitForLine(member: ClusterProcess, what: string, match: (line: LogLine) => boolean, timeoutMs = 15_000): Promise<LogLine> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = logLines(member).find(match);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${member.name} never logged ${what}:\n${member.output.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const message = (text: string) => (line: LogLine): boolean => line.msg === text;

test('a 3-member cluster logs etcd\'s key events as JSON lines with etcd\'s messages', async () => {
  const cluster = new ProcessCluster(3, 20, 200, false, ['--snapshot-count', '50', '--experimental-warning-apply-duration', '1ns']);
  try {
    await cluster.start();
    const leader = await cluster.leader();
    const leaderHex = BigInt((await call<{ header: { member_id: string } }>(leader.clients!.maintenance, 'Status', {})).header.member_id).toString(16);
    for (const member of cluster.members) {
      const starting = await waitForLine(member, 'starting', message('starting an etcd server'));
      assert.equal(starting.level, 'info');
      assert.match(starting.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(starting.caller, 'embed');
      assert.equal(starting.name, member.name);
      assert.equal(starting['heartbeat-interval'], '20ms');
      assert.equal((await waitForLine(member, 'capabilities', message('enabled capabilities for version')))['cluster-version'], '3.4');
      await waitForLine(member, 'publish', message('published local member to cluster through raft'));
      await waitForLine(member, 'ready', message('ready to serve client requests'));
      assert.equal(logLines(member).filter(message('added member')).length, 3, 'each founding member is added');
      await waitForLine(member, 'the elected leader', (line) => new RegExp(`^raft\\.node: [0-9a-f]+ elected leader ${leaderHex} at term \\d+$`).test(line.msg));
    }
    await waitForLine(leader, 'becoming leader', (line) => new RegExp(`^${leaderHex} became leader at term \\d+$`).test(line.msg));
    const follower = cluster.members.find((member) => member !== leader)!;
    await waitForLine(follower, 'becoming follower', (line) => /^[0-9a-f]+ became follower at term \d+$/.test(line.msg));

    // Enough puts for a snapshot (every 50 applied entries); every batch is "slow" at a 1 ns threshold.
    let revision = '0';
    for (let i = 0; i < 60; i++) {
      revision = (await call<{ header: { revision: string } }>(leader.clients!.kv, 'Put', { key: Buffer.from(`k${i}`), value: Buffer.from('v') })).header.revision;
    }
    assert.equal((await waitForLine(leader, 'a snapshot', message('saved snapshot'))).caller, 'etcdserver');
    const slow = await waitForLine(leader, 'a slow apply', message('apply request took too long'));
    assert.equal(slow.level, 'warn');
    assert.equal(slow['expected-duration'], '1ns');
    await call(leader.clients!.kv, 'Compact', { revision, physical: true });
    const compacted = await waitForLine(leader, 'the compaction', message('finished scheduled compaction'));
    assert.equal(compacted['compact-revision'], Number(revision));

    await call(leader.clients!.maintenance, 'Alarm', { action: AlarmAction.ACTIVATE, memberID: 0x1234, alarm: AlarmType.NOSPACE });
    const raised = await waitForLine(follower, 'the alarm', message('alarm raised'));
    assert.deepEqual([raised.level, raised.alarm, raised.from], ['warn', 'NOSPACE', '1234']);
    await call(leader.clients!.maintenance, 'Alarm', { action: AlarmAction.DEACTIVATE, memberID: 0x1234, alarm: AlarmType.NOSPACE });
    await waitForLine(follower, 'the disarm', message('alarm disarmed'));

    // The leader goes: the others lose it, then elect another.
    await cluster.kill(leader);
    for (const member of cluster.members.filter((member) => member !== leader)) {
      await waitForLine(member, 'losing the leader', (line) => line.msg.includes(` lost leader ${leaderHex} at term `));
    }
    const survivor = cluster.members.find((member) => member !== leader)!;
    const Cluster = etcdClient('Cluster');
    const clusterClient = new Cluster(`127.0.0.1:${survivor.clientPort}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>;
    try {
      // Remove the dead leader: the two survivors still make a quorum of three.
      await call(clusterClient, 'MemberRemove', { ID: BigInt(`0x${leaderHex}`).toString() }, 10_000);
    } finally {
      clusterClient.close();
    }
    const removed = await waitForLine(survivor, 'the removal', message('removed member'));
    assert.equal(removed['removed-remote-peer-id'], leaderHex);
  } finally {
    await cluster.close();
  }
});
