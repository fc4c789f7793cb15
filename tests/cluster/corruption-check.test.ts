/**
 * The corruption checks of real cairn processes, switched on by etcd's flags, with peers' hashes
 * fetched over gRPC from their advertised client URLs: a member whose store was made to diverge
 * (stopped, a stored value rewritten straight in its LMDB kv table) refuses to start with
 * --experimental-initial-corrupt-check; started without it, the leader's periodic check
 * (--experimental-corrupt-check-time) raises CORRUPT naming it, and every member refuses writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AlarmAction, AlarmType } from '../../engine/alarm/alarm-rpc.js';
import { GrpcCode } from '../../engine/errors.js';
import { divergeStore } from '../node/diverge-store.js';
import { ProcessCluster, call, type ClusterProcess } from './process-cluster.js';

const WAIT_MS = 60_000;
/** etcd's default timings: one leader from start to end on a loaded machine. */
const HEARTBEAT_MS = 100;
const ELECTION_MS = 1000;

interface Header { header: { revision: string; member_id: string } }
interface Alarms { alarms: { memberID: string; alarm: number }[] }

/** Polls `probe` every 100 ms until it returns a value; throws naming `what` after WAIT_MS. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const statusOf = (member: ClusterProcess): Promise<Header> => call<Header>(member.clients!.maintenance, 'Status', {}, 5000);

test('a diverged member refuses to start with the initial check; without it, the leader\'s periodic check raises CORRUPT naming it', async () => {
  const cluster = new ProcessCluster(3, HEARTBEAT_MS, ELECTION_MS, true, ['--experimental-corrupt-check-time', '200ms']);
  try {
    await cluster.start();
    const leader = await cluster.leader(WAIT_MS);
    const put = await call<Header>(leader.clients!.kv, 'Put', { key: Buffer.from('diverging'), value: Buffer.from('original-value') }, 10_000);
    for (const member of cluster.members) {
      await eventually(`${member.name} to apply the put`, async () =>
        (Number((await statusOf(member)).header.revision) >= Number(put.header.revision) ? true : undefined));
    }
    const diverged = cluster.members.find((member) => member !== leader)!;
    const divergedId = (await statusOf(diverged)).header.member_id;
    await cluster.kill(diverged);
    assert.equal(await divergeStore(join(diverged.dataDir, 'member', 'kv'), 'original-value', 'tampered-value'), 1);

    diverged.extraArgs = ['--experimental-initial-corrupt-check'];
    await assert.rejects(cluster.launch(diverged),
      new RegExp(`exited with 1 before serving:[^]*"level":"fatal"[^\n]*"msg":"failed to start","error":"${BigInt(divergedId).toString(16)} found data inconsistency with peers`));

    diverged.extraArgs = [];
    await cluster.launch(diverged);
    const alarms = await eventually('the CORRUPT alarm', async () => {
      const listed = await call<Alarms>(leader.clients!.maintenance, 'Alarm', { action: AlarmAction.GET, memberID: '0', alarm: AlarmType.NONE }, 5000);
      return listed.alarms.length > 0 ? listed.alarms : undefined;
    });
    assert.deepEqual(alarms, [{ memberID: divergedId, alarm: AlarmType.CORRUPT }]);
    for (const member of cluster.members) {
      await assert.rejects(call(member.clients!.kv, 'Put', { key: Buffer.from('k'), value: Buffer.from('v') }, 10_000),
        { code: GrpcCode.DATA_LOSS, details: 'etcdserver: corrupt cluster' }, member.name);
    }
  } finally {
    await cluster.close();
  }
});
