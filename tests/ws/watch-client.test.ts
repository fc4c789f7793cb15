import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrCompacted, EtcdError, GrpcCode } from '../../engine/errors.js';
import { EventType, type Event } from '../../engine/mvcc/rpc.js';
import { FilterType } from '../../engine/watch/watch-types.js';
import { ERR_EMPTY_WATCHER_RANGE } from '../../engine/watch/watch-stream.js';
import { CairnClient } from '../../net/client/cairn-client.js';
import { WatchCompactedError } from '../../net/client/client-errors.js';
import type { Watch, WatchBatch } from '../../net/client/watch.js';
import { text, waitFor } from '../node/cluster-harness.js';
import { WsCluster } from './ws-harness.js';

const TIMEOUT_MS = 60_000;

/** Runs `body` with a one-member cluster and a client of it; both are closed afterwards. */
async function withClient(body: (cluster: WsCluster, client: CairnClient) => Promise<void>, options: { watchBufferBytesMax?: number } = {}): Promise<void> {
  const cluster = new WsCluster(1);
  await cluster.start();
  const client = new CairnClient({ endpoints: [cluster.wsUrl(1)], requestTimeoutMs: 5000, ...options });
  try {
    await cluster.settledLeader();
    await body(cluster, client);
  } finally {
    client.close();
    await cluster.close();
  }
}

/** Takes batches until `count` events have come. */
async function takeEvents(watch: Watch, count: number): Promise<{ events: Event[]; batches: WatchBatch[] }> {
  const events: Event[] = [];
  const batches: WatchBatch[] = [];
  while (events.length < count) {
    const next = await watch.next();
    assert.equal(next.done, false, 'the watch ended early');
    batches.push(next.value!);
    events.push(...next.value!.events);
  }
  return { events, batches };
}

const describe = (events: Event[]): string[] => events.map((event) =>
  `${event.type === EventType.PUT ? 'put' : 'delete'} ${text(event.kv.key)}${event.type === EventType.PUT ? `=${text(event.kv.value)}` : ''}@${event.kv.mod_revision}`);

test('client.watch is an async iterator of event batches over a prefix; cancel ends the iteration and the server-side watcher', { timeout: TIMEOUT_MS }, async () => {
  await withClient(async (cluster, client) => {
    const hub = cluster.cluster.members.get(1)!.hub;
    const watch = client.watch('p/', { prefix: true });
    assert.equal(await watch.created, 2, 'created at the current revision');
    await client.put('p/1', 'a');
    await client.put('q', 'not in the prefix');
    await client.put('p/2', 'b');
    await client.delete('p/1');
    const { events, batches } = await takeEvents(watch, 3);
    assert.deepEqual(describe(events), ['put p/1=a@3', 'put p/2=b@5', 'delete p/1@6']);
    for (const batch of batches) assert.equal(batch.revision, batch.events[batch.events.length - 1]!.kv.mod_revision);
    assert.equal(hub.stats().synced, 1);
    watch.cancel();
    assert.deepEqual(await watch.next(), { value: undefined, done: true });
    await waitFor('the server to drop the watcher', () => hub.stats().synced === 0);

    const options = client.watch('o', { prevKv: true, filters: [FilterType.NODELETE], startRevision: 3 });
    await client.put('o', '1');
    await client.put('o', '2');
    await client.delete('o');
    await client.put('o', '3');
    const seen: string[] = [];
    for await (const batch of options) {
      for (const event of batch.events) seen.push(`${text(event.kv.value)} after ${event.prev_kv === undefined ? 'nothing' : text(event.prev_kv.value)}`);
      if (seen.length === 3) break;
    }
    assert.deepEqual(seen, ['1 after nothing', '2 after 1', '3 after nothing'], 'puts only, with their previous values');
    await waitFor('break to cancel the watch on the server', () => hub.stats().synced + hub.stats().unsynced === 0);
  });
});

test('a watch whose start revision is compacted ends with an error carrying the compact revision; a refused one with the reason', { timeout: TIMEOUT_MS }, async () => {
  await withClient(async (_cluster, client) => {
    for (let i = 0; i < 5; i++) await client.put('c', `${i}`);
    await client.compact(6, { physical: true });
    const watch = client.watch('c', { startRevision: 4 });
    const error = await (async () => {
      for await (const batch of watch) assert.fail(`no batch expected, got ${describe(batch.events).join()}`);
      return assert.fail('the iteration must fail');
    })().catch((e: unknown) => e);
    assert.ok(error instanceof WatchCompactedError, String(error));
    assert.equal(error.compactRevision, 6);
    assert.equal(error.code, ErrCompacted.code);
    assert.equal(error.message, ErrCompacted.message);

    const fromCompaction = client.watch('c', { startRevision: 6 });
    const { events } = await takeEvents(fromCompaction, 2);
    assert.deepEqual(describe(events), ['put c=3@6', 'put c=4@7']);
    fromCompaction.cancel();

    const refused = client.watch('b', { rangeEnd: 'a' });
    await assert.rejects(refused.created, (e: unknown) => e instanceof EtcdError && e.code === GrpcCode.FAILED_PRECONDITION &&
      e.message === ERR_EMPTY_WATCHER_RANGE);
    await assert.rejects(refused.next(), (e: unknown) => e instanceof EtcdError && e.message === ERR_EMPTY_WATCHER_RANGE);
  });
});

test('a slow consumer: the watch pauses at its buffer bound (KV calls go on), then resumes from history with every event once, in order', { timeout: TIMEOUT_MS }, async () => {
  const BOUND_BYTES = 64 * 1024;
  const VALUE_BYTES = 4 * 1024;
  await withClient(async (cluster, client) => {
    const hub = cluster.cluster.members.get(1)!.hub;
    const watch = client.watch('s/', { prefix: true });
    const from = await watch.created;
    const PUTS = 200;
    let bufferedMax = 0;
    for (let i = 0; i < PUTS; i++) {
      await client.put(`s/${i}`, String(i).padStart(VALUE_BYTES, '.'));
      bufferedMax = Math.max(bufferedMax, watch.bufferedBytes);
    }
    // Each put is its own response here, so the bound is overshot by at most one event.
    assert.ok(bufferedMax <= BOUND_BYTES + VALUE_BYTES + 256, `buffered at most ${bufferedMax} bytes`);
    assert.ok(bufferedMax > BOUND_BYTES / 2, 'the buffer did fill up');
    await waitFor('the paused watch to drop its server-side watcher', () => hub.stats().synced + hub.stats().unsynced === 0);
    assert.equal(text((await client.get('s/0')).kvs[0]!.value).trim().length, VALUE_BYTES, 'a KV call is not held up');
    const { events } = await takeEvents(watch, PUTS);
    assert.deepEqual(events.map((event) => event.kv.mod_revision), Array.from({ length: PUTS }, (_, i) => from + 1 + i));
    assert.deepEqual(events.map((event) => text(event.kv.key)), Array.from({ length: PUTS }, (_, i) => `s/${i}`));
    assert.ok(watch.bufferedBytes <= BOUND_BYTES);
  }, { watchBufferBytesMax: BOUND_BYTES });
});
