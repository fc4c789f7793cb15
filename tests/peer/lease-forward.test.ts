/**
 * A follower's lease requests forwarded to the leader over the peer port: keep-alives travel as a
 * batch in one frame and come back in order; time-to-live too; the leader's errors arrive with
 * etcd's code and message; malformed bodies are told apart from well-formed ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdError, GrpcCode } from '../../engine/errors.js';
import type { ForwardedLeaseRequest } from '../../engine/lease/lease-server.js';
import { encodeFrame, FrameDecoder, PLAIN_PACKR } from '../../net/peer/frame-codec.js';
import { isForwardedLeaseRequest, KEEPALIVES_PER_REQUEST_MAX, LeaseForwarder } from '../../net/peer/lease-forward.js';
import { PeerTransport } from '../../net/peer/peer-transport.js';

async function leaderWith(answer: (body: ForwardedLeaseRequest) => Promise<unknown>, seen: unknown[]) {
  return PeerTransport.listen<never>({
    localId: 1, cluster: 'lease-test', clusterId: 7, listen: { host: '127.0.0.1', port: 0 }, isMember: (id) => id === 2,
    onMessage: () => {}, isMessage: (_value): _value is never => false, sizeOf: () => 0,
    onLeaseRequest: (body) => {
      seen.push(body);
      return isForwardedLeaseRequest(body) ? answer(body) : Promise.reject(new EtcdError(GrpcCode.INVALID_ARGUMENT, 'malformed'));
    },
  });
}

test('keep-alives go to the leader as one batch per request and come back in order; time-to-live too', async () => {
  const seen: unknown[] = [];
  const leader = await leaderWith(async (body) => ('keep_alives' in body ? body.keep_alives.map((id) => id + 100)
    : { ID: body.time_to_live.ID, TTL: 7, grantedTTL: 9, keys: [] }), seen);
  const forwarder = new LeaseForwarder({ cluster: 'lease-test', clusterId: 7, localId: 2, addressOf: () => leader.address() });
  try {
    const [first, second] = await Promise.all([forwarder.keepAlives(1, [5, 6, 7]), forwarder.keepAlives(1, [8])]);
    assert.deepEqual(first, [105, 106, 107]);
    assert.deepEqual(second, [108]);
    assert.deepEqual(seen, [{ keep_alives: [5, 6, 7] }, { keep_alives: [8] }]);
    assert.deepEqual(await forwarder.timeToLive(1, { ID: 5, keys: true }), { ID: 5, TTL: 7, grantedTTL: 9, keys: [] });
  } finally {
    forwarder.close();
    await leader.close();
  }
});

test('the leader\'s error reaches the follower with etcd\'s code and message; a malformed answer is refused', async () => {
  const seen: unknown[] = [];
  let mode: 'fail' | 'short' = 'fail';
  const leader = await leaderWith(async () => {
    if (mode === 'fail') throw new EtcdError(GrpcCode.FAILED_PRECONDITION, 'etcdserver: not leader');
    return [1];
  }, seen);
  const forwarder = new LeaseForwarder({ cluster: 'lease-test', clusterId: 7, localId: 2, addressOf: () => leader.address() });
  try {
    await assert.rejects(forwarder.keepAlives(1, [5]), (error: EtcdError) => error.code === GrpcCode.FAILED_PRECONDITION && error.message === 'etcdserver: not leader');
    mode = 'short';
    await assert.rejects(forwarder.keepAlives(1, [5, 6]), (error: EtcdError) => error.code === GrpcCode.INTERNAL);
  } finally {
    forwarder.close();
    await leader.close();
  }
});

test('forwarded bodies: batches of safe integers within the bound are requests, anything else is not', () => {
  assert.equal(isForwardedLeaseRequest({ keep_alives: [1, 2, 3] }), true);
  assert.equal(isForwardedLeaseRequest({ keep_alives: [] }), true);
  assert.equal(isForwardedLeaseRequest({ time_to_live: { ID: 3, keys: true } }), true);
  for (const body of [{ keep_alives: [1.5] }, { keep_alives: ['1'] }, { keep_alives: 1 }, { keep_alive: 1 }, null, 'x',
    { keep_alives: new Array(KEEPALIVES_PER_REQUEST_MAX + 1).fill(1) }, { time_to_live: { ID: 'a' } }]) {
    assert.equal(isForwardedLeaseRequest(body), false, JSON.stringify(body)?.slice(0, 60));
  }
});

test('plain msgpack frames (forwarded lease traffic) decode as objects beside record frames', () => {
  const decoder = new FrameDecoder(1 << 20);
  const frames = Buffer.concat([encodeFrame({ id: 1, body: { keep_alives: [1, 2] } }, PLAIN_PACKR), encodeFrame([{ to: 2, term: 3 }])]);
  assert.deepEqual(decoder.push(frames), [{ id: 1, body: { keep_alives: [1, 2] } }, [{ to: 2, term: 3 }]]);
});
