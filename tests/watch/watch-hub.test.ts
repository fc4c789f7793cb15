/**
 * The watch hub on real members (in-process, WAL and apply workers, LMDB): its guarantees, each
 * checked on the events a watcher receives: ordered, unique, reliable (no gap), atomic, resumable
 * across members, bookmarkable, and bounded for slow consumers.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ETCD_TIMINGS, TestCluster, bytes, text, waitFor, type RunningMember } from '../node/cluster-harness.js';
import { WatchHub } from '../../engine/watch/watch-hub.js';
import type { WatchCreateRequest, WatchResponse } from '../../engine/watch/watch-types.js';
import { FilterType, INVALID_WATCH_ID } from '../../engine/watch/watch-types.js';
import { EventType, type Event } from '../../engine/mvcc/rpc.js';
import { prefixRangeEnd } from '../../engine/mvcc/range.js';
import { encodeEvent } from '../../net/grpc/watch-encode.js';
import { ERR_EMPTY_WATCHER_RANGE, ERR_WATCHER_DUPLICATE_ID } from '../../engine/watch/watch-stream.js';

let cluster: TestCluster;
let leader: RunningMember;

before(async () => {
  // One leader for the whole file: the writes go through `leader`, and a lost proposal would fail a test.
  cluster = new TestCluster(3, ETCD_TIMINGS);
  await cluster.startAll();
  leader = await cluster.leader();
});

after(async () => {
  await cluster.close();
});

/** A sink that records every response; `accept` decides whether the transport has room. */
class Recorder {
  readonly responses: WatchResponse[] = [];
  accept = (): boolean => true;
  send = (response: WatchResponse): boolean => {
    this.responses.push(response);
    return this.accept();
  };

  events(watchId: number): Event[] {
    return this.responses.filter((r) => r.watch_id === watchId).flatMap((r) => r.events);
  }
}

/** A hub of the test's own on `member` (to set small read sizes), following its apply. */
function hubOn(member: RunningMember, historyEventsPerRead = 1000): WatchHub {
  const hub = new WatchHub(member.member.applier, { revision: member.member.applier.revision, historyEventsPerRead });
  member.member.observeApplies({ onResult: (result) => hub.onEvents(result.events), onBatch: (revision) => hub.onRevision(revision) });
  return hub;
}

const put = (key: string, value: string, lease = 0) => leader.kv.put({ key: bytes(key), value: bytes(value), lease });
const watchPrefix = (prefix: string, extra: Partial<WatchCreateRequest> = {}): WatchCreateRequest => ({
  key: bytes(prefix), range_end: prefixRangeEnd(bytes(prefix)), ...extra,
});

function assertContiguous(events: Event[], first: number, last: number): void {
  const revisions = events.map((e) => e.kv.mod_revision);
  assert.deepEqual(revisions, Array.from({ length: last - first + 1 }, (_, i) => first + i));
}

test('a watch from a past revision replays history, then takes live events, with no gap and no duplicate', async () => {
  const hub = hubOn(leader, 7);
  const first = (await put('replay/0', 'v')).header.revision;
  for (let i = 1; i < 50; i++) await put(`replay/${i}`, 'v');
  const sink = new Recorder();
  const stream = hub.openStream(sink);
  stream.create(watchPrefix('replay/', { start_revision: first }));
  // Writes race the catch-up, which reads 7 events per step.
  const writes: Promise<unknown>[] = [];
  for (let i = 50; i < 150; i++) writes.push(put(`replay/${i}`, 'v'));
  const last = (await Promise.all(writes) as { header: { revision: number } }[]).reduce((max, r) => Math.max(max, r.header.revision), 0);
  await waitFor('all events', () => sink.events(0).length >= 150);
  assert.equal(sink.responses[0]!.created, true, 'the created response comes first');
  assertContiguous(sink.events(0), first, last);
  assert.equal(hub.stats().synced, 1);
  hub.close();
});

test('the events of one revision arrive in one response, in sub-revision order', async () => {
  const hub = hubOn(leader);
  const sink = new Recorder();
  hub.openStream(sink).create(watchPrefix('atomic/'));
  const txn = await leader.kv.txn({ success: ['a', 'b', 'c'].map((k) => ({ request_put: { key: bytes(`atomic/${k}`), value: bytes(k) } })) });
  await waitFor('the txn', () => sink.events(0).length === 3);
  const withEvents = sink.responses.filter((r) => r.events.length > 0);
  assert.equal(withEvents.length, 1);
  assert.deepEqual(withEvents[0]!.events.map((e) => text(e.kv.key)), ['atomic/a', 'atomic/b', 'atomic/c']);
  assert.ok(withEvents[0]!.events.every((e) => e.kv.mod_revision === txn.header.revision));
  hub.close();
});

test('filters, prev_kv, a key, a range and a start in the future select the right events', async () => {
  const hub = hubOn(leader);
  const sink = new Recorder();
  const stream = hub.openStream(sink);
  const now = hub.revision;
  stream.create({ key: bytes('sel/k'), prev_kv: true });
  stream.create({ ...watchPrefix('sel/'), filters: [FilterType.NOPUT] });
  stream.create({ ...watchPrefix('sel/'), filters: [FilterType.NODELETE] });
  stream.create({ ...watchPrefix('sel/'), start_revision: now + 3 });
  await put('sel/k', 'one');
  await put('sel/k', 'two');
  await put('sel/other', 'x');
  await leader.kv.deleteRange({ key: bytes('sel/k') });
  await waitFor('events', () => sink.events(2).length === 3 && sink.events(1).length === 1);
  assert.deepEqual(sink.events(0).map((e) => [e.type, text(e.kv.value), e.prev_kv ? text(e.prev_kv.value) : null]),
    [[EventType.PUT, 'one', null], [EventType.PUT, 'two', 'one'], [EventType.DELETE, '', 'two']]);
  assert.equal(sink.responses.filter((r) => r.watch_id === 0 && r.events.length > 0).every((r) => r.prev_kv), true);
  assert.deepEqual(sink.events(1).map((e) => e.type), [EventType.DELETE]);
  assert.deepEqual(sink.events(2).map((e) => e.type), [EventType.PUT, EventType.PUT, EventType.PUT]);
  assert.deepEqual(sink.events(3).map((e) => e.kv.mod_revision), [now + 3, now + 4]);
  hub.close();
});

test('watch ids: server-chosen from 0, client-chosen kept, duplicates and empty ranges refused as etcd does, cancel answers', async () => {
  const hub = hubOn(leader);
  const sink = new Recorder();
  const stream = hub.openStream(sink);
  stream.create({ key: bytes('id/a') });
  stream.create({ key: bytes('id/a'), watch_id: 7 });
  stream.create({ key: bytes('id/a'), watch_id: 7 });
  stream.create({ key: bytes('id/b'), range_end: bytes('id/a') });
  stream.create({ key: bytes('id/a') });
  assert.deepEqual(sink.responses.map((r) => [r.watch_id, r.created, r.canceled ?? false, r.cancel_reason ?? '']), [
    [0, true, false, ''], [7, true, false, ''], [INVALID_WATCH_ID, true, true, ERR_WATCHER_DUPLICATE_ID],
    [INVALID_WATCH_ID, true, true, ERR_EMPTY_WATCHER_RANGE], [1, true, false, ''],
  ]);
  stream.cancel(7);
  stream.cancel(99);
  assert.deepEqual(sink.responses.at(-1), { revision: hub.revision, watch_id: 7, canceled: true, events: [], prev_kv: false });
  await put('id/a', 'x');
  await waitFor('events to the watchers left', () => sink.events(0).length === 1 && sink.events(1).length === 1);
  assert.equal(sink.events(7).length, 0);
  hub.close();
});

test('a slow consumer is moved to catch-up from history and misses nothing; other streams are not held up', async () => {
  const hub = hubOn(leader, 5);
  const slow = new Recorder();
  const fast = new Recorder();
  hub.openStream(fast).create(watchPrefix('slow/'));
  const slowStream = hub.openStream(slow);
  slowStream.create(watchPrefix('slow/'));
  const first = hub.revision + 1;
  slow.accept = () => false;
  let last = 0;
  for (let i = 0; i < 40; i++) last = (await put(`slow/${i}`, 'v')).header.revision;
  await waitFor('the fast stream', () => fast.events(0).length === 40);
  assert.ok(hub.stats().slowMoved >= 1, 'the slow watcher was moved');
  assert.ok(slow.events(0).length < 40, 'a congested stream takes nothing more');
  slow.accept = () => true;
  slowStream.drained();
  await waitFor('the slow stream to catch up', () => slow.events(0).length === 40);
  assertContiguous(slow.events(0), first, last);
  assertContiguous(fast.events(0), first, last);
  hub.close();
});

test('a start revision below the compaction is canceled with compact_revision, header revision 0', async () => {
  const hub = hubOn(leader);
  const first = (await put('compact/a', '1')).header.revision;
  const second = (await put('compact/a', '2')).header.revision;
  await leader.kv.compact({ revision: second, physical: true });
  const sink = new Recorder();
  hub.openStream(sink).create({ key: bytes('compact/a'), start_revision: first });
  await waitFor('the cancel', () => sink.responses.length === 2);
  assert.deepEqual(sink.responses[1], { revision: 0, watch_id: 0, compact_revision: second, canceled: true, events: [], prev_kv: false });
  hub.close();
});

test('a progress request is answered once every watcher of the stream caught up, with a revision safe to resume from', async () => {
  const hub = hubOn(leader, 3);
  const start = (await put('progress/0', 'v')).header.revision;
  for (let i = 1; i < 30; i++) await put(`progress/${i}`, 'v');
  const sink = new Recorder();
  const stream = hub.openStream(sink);
  stream.create(watchPrefix('progress/', { start_revision: start }));
  stream.requestProgress();
  await waitFor('the progress answer', () => sink.responses.some((r) => r.watch_id === INVALID_WATCH_ID));
  const answerAt = sink.responses.findIndex((r) => r.watch_id === INVALID_WATCH_ID);
  const before = sink.responses.slice(0, answerAt).flatMap((r) => r.events);
  assert.equal(before.length, 30, 'every event up to the answered revision came before it');
  assert.equal(sink.responses[answerAt]!.revision, before.at(-1)!.kv.mod_revision);
  hub.close();
});

test('progress_notify tells an idle synced watcher the revision', async () => {
  const hub = new WatchHub(leader.member.applier, { revision: leader.member.applier.revision, progressNotifyIntervalMs: 50 });
  leader.member.observeApplies({ onResult: (r) => hub.onEvents(r.events), onBatch: (revision) => hub.onRevision(revision) });
  const sink = new Recorder();
  hub.openStream(sink).create({ key: bytes('idle'), progress_notify: true });
  await waitFor('a notification', () => sink.responses.length >= 2);
  assert.deepEqual(sink.responses[1], { revision: hub.revision, watch_id: 0, events: [], prev_kv: false });
  hub.close();
});

test('watchers of one key share event objects, so each event is encoded once', async () => {
  const hub = hubOn(leader);
  const sinks = Array.from({ length: 100 }, () => new Recorder());
  for (const sink of sinks) hub.openStream(sink).create({ key: bytes('shared') });
  await put('shared', 'x');
  await waitFor('every watcher', () => sinks.every((s) => s.events(0).length === 1));
  const event = sinks[0]!.events(0)[0]!;
  assert.ok(sinks.every((s) => s.events(0)[0] === event));
  assert.equal(encodeEvent(event, false), encodeEvent(sinks[99]!.events(0)[0]!, false));
  hub.close();
});

test('a follower serves watches from its own apply, and a watch resumed there at last+1 misses nothing', async () => {
  const followerId = cluster.ids.find((id) => id !== leader.member.id)!;
  const follower = cluster.members.get(followerId)!;
  const onLeader = hubOn(leader);
  const sink = new Recorder();
  onLeader.openStream(sink).create(watchPrefix('resume/'));
  const first = (await put('resume/0', 'v')).header.revision;
  for (let i = 1; i < 10; i++) await put(`resume/${i}`, 'v');
  await waitFor('on the leader', () => sink.events(0).length === 10);
  // The client "loses" the leader after 5 events and resumes on the follower from the next revision.
  const lastSeen = sink.events(0)[4]!.kv.mod_revision;
  onLeader.close();
  let last = 0;
  for (let i = 10; i < 15; i++) last = (await put(`resume/${i}`, 'v')).header.revision;
  const onFollower = hubOn(follower);
  const resumed = new Recorder();
  onFollower.openStream(resumed).create(watchPrefix('resume/', { start_revision: lastSeen + 1 }));
  await waitFor('on the follower', () => resumed.events(0).length === last - lastSeen);
  assertContiguous([...sink.events(0).slice(0, 5), ...resumed.events(0)], first, last);
  onFollower.close();
});

test('when the store jumps ahead (a snapshot replaced it), synced watchers catch up from the store', () => {
  const reads: { from: number; to: number }[] = [];
  const kv = { key: bytes('j'), create_revision: 5, mod_revision: 0, version: 1, value: bytes('v'), lease: 0 };
  const source = {
    history: (from: number, to: number) => {
      reads.push({ from, to });
      return { events: [{ type: EventType.PUT, kv: { ...kv, mod_revision: to } }], nextRev: to + 1 };
    },
  };
  const hub = new WatchHub(source, { revision: 4 });
  const sink = new Recorder();
  hub.openStream(sink).create({ key: bytes('j') });
  assert.equal(hub.stats().synced, 1);
  hub.onRevision(9);
  assert.deepEqual(hub.stats(), { synced: 0, unsynced: 1, streams: 1, slowMoved: 0, eventsSent: 0 });
  return waitFor('the catch-up read', () => reads.length === 1).then(() => {
    assert.deepEqual(reads, [{ from: 5, to: 9 }]);
    assert.equal(hub.stats().synced, 1);
    hub.close();
  });
});

test('watchers owed the same revisions share one history read per step, and each gets exactly its own events', async () => {
  const LAST = 2001;
  const calls: { from: number; withPrevKv: boolean }[] = [];
  const kvAt = (revision: number) => ({ key: bytes(revision % 2 === 0 ? 'a' : 'b'), create_revision: 2, mod_revision: revision, version: 1, value: bytes(`v${revision}`), lease: 0 });
  const source = {
    history: (from: number, to: number, eventsMax: number, withPrevKv: boolean) => {
      calls.push({ from, withPrevKv });
      const events: Event[] = [];
      for (let revision = from; revision <= to && events.length < eventsMax; revision++) {
        events.push({ type: EventType.PUT, kv: kvAt(revision), ...(withPrevKv ? { prev_kv: kvAt(revision - 1) } : {}) });
      }
      return { events, nextRev: from + events.length };
    },
  };
  const hub = new WatchHub(source, { revision: LAST, historyEventsPerRead: 100 });
  const sinks = Array.from({ length: 4 }, () => new Recorder());
  // Two streams watch "a" (one with prev_kv), two watch "b"; 25 watchers each, all from revision 2.
  sinks.forEach((sink, i) => {
    const stream = hub.openStream(sink);
    for (let w = 0; w < 25; w++) stream.create({ key: bytes(i % 2 === 0 ? 'a' : 'b'), start_revision: 2, prev_kv: i >= 2 });
  });
  await waitFor('every watcher to catch up', () => hub.stats().synced === 100);
  // 2,000 revisions in steps of 100: 20 steps, one read each for prev_kv and for plain watchers.
  assert.equal(calls.length, 40, 'one read per step and prev_kv choice, not one per watcher');
  assert.deepEqual(new Set(calls.map((call) => `${call.from}:${call.withPrevKv}`)).size, 40);
  sinks.forEach((sink, i) => {
    const wanted = Array.from({ length: LAST - 1 }, (_, k) => k + 2).filter((revision) => (revision % 2 === 0) === (i % 2 === 0));
    for (let w = 0; w < 25; w++) {
      const events = sink.events(w);
      assert.deepEqual(events.map((event) => event.kv.mod_revision), wanted, `stream ${i} watcher ${w}`);
      assert.ok(events.every((event) => (event.prev_kv !== undefined) === (i >= 2)), `stream ${i} watcher ${w} prev_kv`);
    }
  });
  hub.close();
});

test('a sink that throws closes its stream; the hub and other streams go on', async () => {
  const hub = hubOn(leader);
  const good = new Recorder();
  hub.openStream(good).create({ key: bytes('throws') });
  let calls = 0;
  hub.openStream({ send: () => { if (++calls > 1) throw new Error('socket gone'); return true; } }).create({ key: bytes('throws') });
  assert.equal(hub.stats().streams, 2);
  await put('throws', '1');
  await put('throws', '2');
  await waitFor('the good stream', () => good.events(0).length === 2);
  assert.equal(hub.stats().streams, 1);
  assert.equal(hub.stats().synced, 1);
  hub.close();
});
