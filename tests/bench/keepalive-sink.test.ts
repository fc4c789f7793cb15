/**
 * The keep-alive benchmark's sink (bench/lease/keepalive-sink.ts) as the benchmark drives it: a
 * child process that listens, answers the benchmark's own keep-alive client with the lease's TTL
 * (one answer per request, in order, the call ending with status OK), counts what it answered
 * after `mark`, and refuses any other call.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { forkChild, nextMessage, releaseChild } from '../../bench/common/child-ipc.js';
import { connectMember, KeepAliveCall } from '../../bench/lease/keepalive-call.js';
import type { SinkMessage, SinkParentMessage } from '../../bench/lease/keepalive-sink.js';
import { encodeKeepAliveRequest } from '../../bench/lease/keepalive-wire.js';

const SINK = fileURLToPath(new URL('../../bench/lease/keepalive-sink.js', import.meta.url));

test('the sink answers every keep-alive with the TTL, counts them after mark, and ends the call with OK', async () => {
  const sink = forkChild(SINK);
  const send = (message: SinkParentMessage): void => { sink.send(message); };
  try {
    const listening = nextMessage<SinkMessage, 'listening'>(sink, 'listening', 10_000);
    send({ type: 'listen', ttlSeconds: 42 });
    const { target } = await listening;
    const session = await connectMember(target, 5000);
    try {
      const ttls: bigint[] = [];
      let failure: Error | null = null;
      let allAnswered = (): void => {};
      const answered = new Promise<void>((resolve) => { allAnswered = resolve; });
      const call = new KeepAliveCall(session, {
        onAnswer: (ttl) => { ttls.push(ttl); if (ttls.length === 30) allAnswered(); },
        onError: (error) => { failure = error; allAnswered(); },
      });
      send({ type: 'mark' });
      // The mark reaches the sink through IPC; the first keep-alive must not overtake it.
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (let id = 1; id <= 30; id++) call.send(encodeKeepAliveRequest(BigInt(id)));
      await answered;
      assert.equal(failure, null);
      assert.deepEqual(ttls, Array<bigint>(30).fill(42n));
      const result = nextMessage<SinkMessage, 'sink-result'>(sink, 'sink-result', 5000);
      send({ type: 'stop' });
      const figures = await result;
      assert.equal(figures.answered, 30);
      assert.ok(figures.windowSeconds > 0 && figures.cpuSeconds >= 0);
      // Ending the call: the sink ends it with trailers carrying status OK (no status, or another, fails the call).
      call.end();
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(failure, null);

      // Any other method is refused with UNIMPLEMENTED (12) in a trailers-only answer.
      const other = session.request({ ':method': 'POST', ':path': '/etcdserverpb.KV/Put', 'content-type': 'application/grpc' });
      const headers = await new Promise<Record<string, unknown>>((resolve) => other.once('response', resolve));
      assert.equal(headers['grpc-status'], '12');
      other.close();
    } finally {
      session.destroy();
    }
  } finally {
    releaseChild(sink);
  }
});
