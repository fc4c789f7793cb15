/** The WebSocket protocol's alarm op: Maintenance.Alarm, and etcd's refusal of writes while CORRUPT is raised. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlarmAction, AlarmType } from '../../engine/alarm/alarm-rpc.js';
import { GrpcCode } from '../../engine/errors.js';
import { assertInvalidArgument, withSocket } from './ws-harness.js';

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
