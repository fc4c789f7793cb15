/**
 * cairnctl alarm list and alarm disarm print what etcdctl 3.4 prints against the same member, in
 * every output format etcdctl can write for them.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { AlarmAction, AlarmType } from '../../engine/alarm/alarm-rpc.js';
import { etcdClient } from '../../net/grpc/protos.js';
import { assertSame, CtlServer, LARGE_MEMBER_ID } from './ctl-harness.js';

let server: CtlServer;
let maintenance: grpc.Client & Record<string, Function>;

/** Raises an alarm as a gRPC client would (etcdctl has no command for it). */
function raise(memberID: number, alarm: AlarmType): Promise<void> {
  return new Promise((resolve, reject) => {
    maintenance.Alarm!({ action: AlarmAction.ACTIVATE, memberID: String(memberID), alarm }, { deadline: Date.now() + 10_000 },
      (error: grpc.ServiceError | null) => (error ? reject(error) : resolve()));
  });
}

before(async () => {
  server = await CtlServer.start();
  maintenance = new (etcdClient('Maintenance'))(server.address, grpc.credentials.createInsecure()) as unknown as typeof maintenance;
});

after(async () => {
  maintenance.close();
  await server.close();
});

test('alarm list with no alarm, then with two, in simple and json; table is refused as etcdctl refuses it', async () => {
  assert.equal((await assertSame(server, 0, ['alarm', 'list'])).stdout, '');
  assert.equal((await assertSame(server, 0, ['alarm', 'list', '-w', 'json'])).stdout, '{}\n');
  await raise(LARGE_MEMBER_ID, AlarmType.CORRUPT);
  await raise(1, AlarmType.NOSPACE);
  assert.equal((await assertSame(server, 0, ['alarm', 'list'])).stdout,
    `memberID:1 alarm:NOSPACE \nmemberID:${LARGE_MEMBER_ID} alarm:CORRUPT \n`);
  assert.equal((await assertSame(server, 0, ['alarm', 'list', '-w', 'json'])).stdout,
    `{"alarms":[{"memberID":1,"alarm":1},{"memberID":${LARGE_MEMBER_ID},"alarm":2}]}\n`);
  await assertSame(server, 4, ['alarm', 'list', '-w', 'table']);
  await assertSame(server, 4, ['alarm', 'list', '-w', 'bogus']);
  await assertSame(server, 128, ['alarm', 'list', 'extra']);
  await assertSame(server, 128, ['alarm', 'disarm', 'extra']);
});

test('alarm list -w fields prints each alarm (etcdctl 3.4 crashes on the header-less response)', async () => {
  const run = await server.cairnctl(['alarm', 'list', '-w', 'fields']);
  assert.deepEqual(run, { code: 0, stdout: `"MemberID" : 1\n"AlarmType" : NOSPACE\n\n"MemberID" : ${LARGE_MEMBER_ID}\n"AlarmType" : CORRUPT\n\n`, stderr: '' });
});

test('alarm disarm clears every alarm and prints those it cleared, in simple and json', async () => {
  for (const format of ['simple', 'json']) {
    const runs = [];
    for (const tool of ['etcdctl', 'cairnctl'] as const) {
      await raise(LARGE_MEMBER_ID, AlarmType.CORRUPT);
      await raise(1, AlarmType.NOSPACE);
      runs.push(await server[tool](['alarm', 'disarm', '-w', format]));
      assert.deepEqual(await server[tool](['alarm', 'list']), { code: 0, stdout: '', stderr: '' }, `${tool} cleared them all`);
    }
    assert.equal(runs[0]!.code, 0, runs[0]!.stderr);
    assert.deepEqual(runs[1], runs[0], format);
  }
  assert.equal((await assertSame(server, 0, ['alarm', 'disarm'])).stdout, '', 'nothing to disarm');
});
