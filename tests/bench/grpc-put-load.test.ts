/**
 * micro-grpc's load (bench/micro/grpc-put-load.ts) on both serving paths: the server process
 * answers pipelined Puts through grpc-js and through the raw route, reports CPU and event-loop
 * time since its mark, and exits when stopped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { askPutServer, drivePuts, startPutServer, stopPutServer } from '../../bench/micro/grpc-put-load.js';

for (const mode of ['grpc-js', 'raw'] as const) {
  test(`the ${mode} Put server answers pipelined calls and reports the time it spent on them`, async () => {
    const server = await startPutServer(mode);
    try {
      let marked = false;
      const { calls, seconds } = await drivePuts(server.port, 300, async () => {
        assert.deepEqual(await askPutServer(server, 'mark'), { marked: true });
        marked = true;
      });
      assert.ok(marked);
      assert.ok(calls > 0, 'calls were answered');
      assert.ok(seconds >= 0.3);
      const { activeMs, cpuMs } = await askPutServer<{ activeMs: number; cpuMs: number }>(server, 'busy');
      assert.ok(activeMs > 0 && cpuMs > 0, `busy ${activeMs} ms, CPU ${cpuMs} ms`);
    } finally {
      await stopPutServer(server);
    }
    assert.notEqual(server.process.exitCode ?? server.process.signalCode, null, 'the server process exited');
  });
}
