import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdError, GrpcCode } from '../../engine/errors.js';
import { EventType, type Event } from '../../engine/mvcc/rpc.js';
import { CairnClient } from '../../net/client/cairn-client.js';
import { text, waitFor } from '../node/cluster-harness.js';
import { WsCluster } from './ws-harness.js';

const WRITES = 400;
/** The writes before the watch's member stops; the rest go on while it is down and after. */
const WRITES_BEFORE_FAILURE = 150;

/** Puts key=value, retrying while the cluster elects a new leader (a retried put may apply twice). */
async function putRetrying(client: CairnClient, key: string, value: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await client.put(key, value)).header.revision;
    } catch (error) {
      const transient = error instanceof EtcdError && (error.code === GrpcCode.UNAVAILABLE || error.code === GrpcCode.DEADLINE_EXCEEDED);
      if (!transient || attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const summary = (event: Event): string =>
  `${event.kv.mod_revision} ${event.type === EventType.PUT ? 'put' : 'delete'} ${text(event.kv.key)}=${text(event.kv.value)}`;

test('a watch resumes on another member when its member fails: every event exactly once, in revision order', { timeout: 120_000 }, async () => {
  const cluster = new WsCluster(3);
  await cluster.start();
  try {
    const leader = await cluster.cluster.leader();
    const failing = leader.member.id;
    const others = cluster.cluster.ids.filter((id) => id !== failing);
    const failingUrl = cluster.wsUrl(failing);
    const watcher = new CairnClient({ endpoints: [failingUrl, ...others.map((id) => cluster.wsUrl(id))], requestTimeoutMs: 5000 });
    const writer = new CairnClient({ endpoints: others.map((id) => cluster.wsUrl(id)), requestTimeoutMs: 5000 });
    try {
      const watch = watcher.watch('w/', { prefix: true });
      const from = (await watch.created) + 1;
      assert.equal(watcher.endpoint, failingUrl);
      const received: Event[] = [];
      const consuming = (async () => {
        for await (const batch of watch) received.push(...batch.events);
      })().catch((error: unknown) => error);

      let lastRevision = 0;
      const write = async (i: number): Promise<void> => {
        lastRevision = Math.max(lastRevision, await putRetrying(writer, `w/${i}`, `${i}`));
      };
      for (let i = 0; i < WRITES_BEFORE_FAILURE; i++) await write(i);
      await waitFor('the watch to receive the first writes', () => received.length >= WRITES_BEFORE_FAILURE / 2);
      const receivedBeforeFailure = received.length;
      // The writes go on while the member stops, the others elect a leader, and the watch moves.
      const writing = (async () => { for (let i = WRITES_BEFORE_FAILURE; i < WRITES; i++) await write(i); })();
      await cluster.stopMember(failing);
      await writing;
      await waitFor('the watch to receive every write', () =>
        received.length > 0 && received[received.length - 1]!.kv.mod_revision >= lastRevision, 30_000);
      assert.notEqual(watcher.endpoint, failingUrl, 'the watch moved to another member');
      assert.ok(receivedBeforeFailure < WRITES, 'the failure happened while events were still coming');

      // The truth: the history of a surviving member over the same revisions.
      const survivor = cluster.cluster.members.get(others[0]!)!;
      await waitFor('the survivor to apply every write', () => survivor.member.applier.revision >= lastRevision);
      const history = await survivor.member.applier.history(from, lastRevision, 1_000_000, false);
      assert.ok('events' in history);
      const expected = history.events.filter((event) => text(event.kv.key).startsWith('w/'));
      assert.ok(expected.length >= WRITES);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(received.map(summary), expected.map(summary), 'the same events, once each, in revision order');
      watch.cancel();
      assert.equal(await consuming, undefined, 'the iteration ended without an error');
    } finally {
      watcher.close();
      writer.close();
    }
  } finally {
    await cluster.close();
  }
});
