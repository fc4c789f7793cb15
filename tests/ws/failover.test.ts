import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GrpcCode } from '../../engine/errors.js';
import { CairnClient } from '../../net/client/cairn-client.js';
import { ConnectionLostError } from '../../net/client/client-errors.js';
import { text } from '../node/cluster-harness.js';
import { WsCluster } from './ws-harness.js';

test('when its member stops, the client fails over to the next endpoint: a read in flight is retried there, and later calls go there', async () => {
  const cluster = new WsCluster(3);
  await cluster.start();
  try {
    const leader = await cluster.cluster.leader();
    const others = cluster.cluster.ids.filter((id) => id !== leader.member.id);
    const endpoints = [leader.member.id, ...others].map((id) => cluster.wsUrl(id));
    const client = new CairnClient({ endpoints, requestTimeoutMs: 5000 });
    try {
      await client.put('before', '1');
      assert.equal(client.endpoint, endpoints[0]);
      // Answered before the app closes, or lost with the connection and retried on the next member.
      const inFlight = client.get('before', { serializable: true });
      await cluster.stopMember(leader.member.id);
      assert.equal(text((await inFlight).kvs[0]!.value), '1');
      // A ReadIndex sent to a member that still believes in the dead leader waits out the member's
      // request timeout (engine/node/read-index-batcher.ts does not re-issue it on leader change),
      // so the read goes out once the others agree on a new leader.
      await cluster.cluster.leader();
      const got = await client.get('before');
      assert.equal(text(got.kvs[0]!.value), '1');
      assert.notEqual(client.endpoint, endpoints[0], 'the client moved to another member');
      assert.notEqual(got.header.member_id, leader.member.id);
      await client.put('after', '2');
    } finally {
      client.close();
    }
  } finally {
    await cluster.close();
  }
});

test('an endpoint that refuses connections is skipped', async () => {
  const cluster = new WsCluster(1);
  await cluster.start();
  const refusing = new WsCluster(1);
  await refusing.start();
  const deadUrl = refusing.wsUrl(1);
  await refusing.close();
  const client = new CairnClient({ endpoints: [deadUrl, cluster.wsUrl(1)], requestTimeoutMs: 5000 });
  try {
    await cluster.cluster.leader();
    const put = await client.put('k', 'v');
    assert.equal(put.header.revision, 2);
    assert.equal(client.endpoint, cluster.wsUrl(1));
  } finally {
    client.close();
    await cluster.close();
  }
});

test('a write in flight on a dropped connection rejects as lost and possibly applied; it is not resent', async () => {
  const cluster = new WsCluster(3);
  await cluster.start();
  try {
    await cluster.cluster.leader();
    const [survivor, ...rest] = cluster.cluster.ids;
    const client = new CairnClient({ endpoints: [cluster.wsUrl(survivor!)], requestTimeoutMs: 5000 });
    try {
      await client.status();
      // Without a quorum the survivor's put waits for a leader, so it is in flight when the app closes.
      for (const id of rest) await cluster.stopMember(id);
      const write = client.put('k', 'v');
      await new Promise((resolve) => setTimeout(resolve, 20));
      cluster.app(survivor!).close();
      const error = await write.then(() => assert.fail('the write cannot succeed'), (e: unknown) => e);
      assert.ok(error instanceof ConnectionLostError, String(error));
      assert.equal(error.code, GrpcCode.UNAVAILABLE);
      assert.equal(error.sent, true);
      assert.match(error.message, /may or may not have been applied/);
    } finally {
      client.close();
    }
  } finally {
    await cluster.close();
  }
});
