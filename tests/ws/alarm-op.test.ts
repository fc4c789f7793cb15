/** The WebSocket protocol's alarm op: Maintenance.Alarm, and etcd's refusal of writes while CORRUPT is raised. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlarmAction, AlarmType } from '../../engine/alarm/alarm-rpc.js';
import { ErrCorrupt, GrpcCode } from '../../engine/errors.js';
import { CairnClient } from '../../net/client/cairn-client.js';
import { assertInvalidArgument, withSocket, WsCluster } from './ws-harness.js';

test('alarm raises, lists and clears alarms; a put while CORRUPT is raised fails with DATA_LOSS "etcdserver: corrupt cluster"', async () => {
  await withSocket(async (cluster, socket) => {
    await cluster.settledLeader();
    const raised = await socket.call({ id: 1, op: 'alarm', body: { action: AlarmAction.ACTIVATE, memberID: 4, alarm: AlarmType.CORRUPT } });
    assert.deepEqual(raised, { id: 1, result: { alarms: [{ memberID: 4, alarm: AlarmType.CORRUPT }] } });
    assert.deepEqual(await socket.call({ id: 2, op: 'alarm' }), { id: 2, result: { alarms: [{ memberID: 4, alarm: AlarmType.CORRUPT }] } });
    assert.deepEqual(await socket.call({ id: 3, op: 'put', body: { key: Buffer.from('k'), value: Buffer.from('v') } }),
      { id: 3, error: { code: GrpcCode.DATA_LOSS, message: 'etcdserver: corrupt cluster' } });
    const cleared = await socket.call({ id: 4, op: 'alarm', body: { action: AlarmAction.DEACTIVATE, memberID: 4, alarm: AlarmType.CORRUPT } });
    assert.deepEqual(cleared, { id: 4, result: { alarms: [{ memberID: 4, alarm: AlarmType.CORRUPT }] } });
    const put = await socket.call({ id: 5, op: 'put', body: { key: Buffer.from('k'), value: Buffer.from('v') } });
    assert.ok('result' in put, 'writes go through once disarmed');
    assertInvalidArgument(await socket.call({ id: 6, op: 'alarm', body: { action: 7 } }), 6, 'cairn: invalid request: alarm.action 7 is not a valid value', 'bad action');
  });
});

test('the TypeScript client raises, lists and clears alarms; writes fail with ErrCorrupt meanwhile', async () => {
  const cluster = new WsCluster(1);
  await cluster.start();
  const client = new CairnClient({ endpoints: [cluster.wsUrl(1)], requestTimeoutMs: 10_000 });
  try {
    await cluster.settledLeader();
    await client.alarm({ action: AlarmAction.ACTIVATE, memberID: 1, alarm: AlarmType.CORRUPT });
    assert.deepEqual(await client.alarm({ action: AlarmAction.GET, memberID: 0, alarm: AlarmType.NONE }),
      { alarms: [{ memberID: 1, alarm: AlarmType.CORRUPT }] });
    await assert.rejects(client.put('k', 'v'), ErrCorrupt);
    await client.alarm({ action: AlarmAction.DEACTIVATE, memberID: 1, alarm: AlarmType.CORRUPT });
    await client.put('k', 'v');
  } finally {
    client.close();
    await cluster.close();
  }
});
