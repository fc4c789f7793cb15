import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { GrpcCode } from '../../engine/errors.js';
import { EventType } from '../../engine/mvcc/rpc.js';
import { FilterType } from '../../engine/watch/watch-types.js';
import { ERR_EMPTY_WATCHER_RANGE, ERR_WATCHER_DUPLICATE_ID } from '../../engine/watch/watch-stream.js';
import { text, waitFor } from '../node/cluster-harness.js';
import { assertInvalidArgument, RawSocket, WsCluster, withSocket } from './ws-harness.js';

const b = (value: string): Buffer => Buffer.from(value);
const TIMEOUT_MS = 60_000;

interface WireKv { key: Uint8Array; value: Uint8Array; mod_revision: number; create_revision: number; version: number }
interface WireEvent { type: EventType; kv: WireKv; prev_kv?: WireKv }
interface WireWatch {
  header: { revision: number; member_id: number; cluster_id: number; raft_term: number };
  watch_id: number; created?: boolean; canceled?: boolean; compact_revision?: number; cancel_reason?: string;
  fragment?: boolean; events: WireEvent[];
}

/** How long a test waits for a pushed frame before failing (and closing its cluster). */
const FRAME_TIMEOUT_MS = 20_000;

/** The next frame, which must be a pushed watch frame (no id). */
async function nextWatch(socket: RawSocket): Promise<WireWatch> {
  const frame = await socket.next(FRAME_TIMEOUT_MS);
  assert.equal(frame.id, undefined, `expected a pushed watch frame, got ${JSON.stringify(frame)}`);
  assert.deepEqual(Object.keys(frame), ['watch']);
  return frame.watch as WireWatch;
}

/** The result of a request answered successfully. */
function resultOf(answer: Record<string, unknown>): WireWatch {
  assert.equal(answer.error, undefined, JSON.stringify(answer.error));
  return answer.result as WireWatch;
}

/** Pushed frames of one watcher until one reaches `revision`; every frame must be that watcher's. */
async function eventsUntil(socket: RawSocket, watchId: number, revision: number): Promise<{ events: WireEvent[]; frames: WireWatch[] }> {
  const events: WireEvent[] = [];
  const frames: WireWatch[] = [];
  while (events.length === 0 || events[events.length - 1]!.kv.mod_revision < revision) {
    const frame = await nextWatch(socket);
    assert.equal(frame.watch_id, watchId);
    frames.push(frame);
    events.push(...frame.events);
  }
  return { events, frames };
}

const revisionsOf = (events: WireEvent[]): number[] => events.map((event) => event.kv.mod_revision);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('watch_create answers with the created response, later writes arrive as pushed frames with a header, and watch_cancel stops them', { timeout: TIMEOUT_MS }, async () => {
  await withSocket(async (cluster, socket) => {
    const { kv } = await cluster.settledLeader();
    const created = resultOf(await socket.call({ id: 1, op: 'watch_create', body: { key: b('a'), range_end: b('c') } }));
    assert.deepEqual({ ...created, header: undefined }, { header: undefined, watch_id: 0, created: true, events: [] });
    assert.deepEqual({ ...created.header, raft_term: 0 }, { cluster_id: 42, member_id: 1, revision: 2, raft_term: 0 });
    assert.ok(created.header.raft_term > 0);

    await kv.put({ key: b('b'), value: b('1') });
    await kv.put({ key: b('c'), value: b('outside the range') });
    await kv.put({ key: b('a'), value: b('2') });
    const first = await nextWatch(socket);
    assert.equal(first.watch_id, 0);
    assert.equal(first.header.revision, 3);
    assert.equal(first.header.member_id, 1);
    assert.deepEqual(first.events.map((event) => [event.type, text(event.kv.key), text(event.kv.value), event.kv.mod_revision]),
      [[EventType.PUT, 'b', '1', 3]]);
    assert.equal(first.events[0]!.prev_kv, undefined);
    assert.equal(first.created, undefined);
    const second = await nextWatch(socket);
    assert.deepEqual(second.events.map((event) => [text(event.kv.key), event.kv.mod_revision]), [['a', 5]], 'c is not in [a, c)');

    const chosen = resultOf(await socket.call({ id: 2, op: 'watch_create', body: { key: b('z'), watch_id: 7 } }));
    assert.equal(chosen.watch_id, 7, 'a watch_id the client picks is kept');
    const duplicate = resultOf(await socket.call({ id: 3, op: 'watch_create', body: { key: b('y'), watch_id: 7 } }));
    assert.deepEqual({ ...duplicate, header: undefined },
      { header: undefined, watch_id: -1, created: true, canceled: true, cancel_reason: ERR_WATCHER_DUPLICATE_ID, events: [] });
    const empty = resultOf(await socket.call({ id: 4, op: 'watch_create', body: { key: b('b'), range_end: b('a') } }));
    assert.equal(empty.cancel_reason, ERR_EMPTY_WATCHER_RANGE);

    const canceled = resultOf(await socket.call({ id: 5, op: 'watch_cancel', body: { watch_id: 0 } }));
    assert.deepEqual({ ...canceled, header: undefined }, { header: undefined, watch_id: 0, canceled: true, events: [] });
    assert.equal(canceled.header.revision, 5);
    const again = await socket.call({ id: 6, op: 'watch_cancel', body: { watch_id: 0 } });
    assert.deepEqual(again.error, { code: GrpcCode.NOT_FOUND, message: 'mvcc: watcher does not exist' });

    // Watcher 0 would see 'a' before watcher 7 sees 'z': the first frame shows it is gone.
    await kv.put({ key: b('a'), value: b('3') });
    await kv.put({ key: b('z'), value: b('4') });
    const next = await nextWatch(socket);
    assert.equal(next.watch_id, 7);
    assert.deepEqual(next.events.map((event) => text(event.kv.key)), ['z']);
  });
});

test('prev_kv goes only to the watcher that asked for it, though both watchers get the same events', { timeout: TIMEOUT_MS }, async () => {
  await withSocket(async (cluster, socket) => {
    const { kv } = await cluster.settledLeader();
    resultOf(await socket.call({ id: 1, op: 'watch_create', body: { key: b('k'), prev_kv: true, watch_id: 1 } }));
    resultOf(await socket.call({ id: 2, op: 'watch_create', body: { key: b('k'), watch_id: 2 } }));
    await kv.put({ key: b('k'), value: b('one') });
    await kv.put({ key: b('k'), value: b('two') });
    await kv.deleteRange({ key: b('k') });
    const byWatcher = new Map<number, WireEvent[]>([[1, []], [2, []]]);
    while (byWatcher.get(1)!.length < 3 || byWatcher.get(2)!.length < 3) {
      const frame = await nextWatch(socket);
      byWatcher.get(frame.watch_id)!.push(...frame.events);
    }
    const withPrev = byWatcher.get(1)!;
    assert.deepEqual(withPrev.map((event) => event.type), [EventType.PUT, EventType.PUT, EventType.DELETE]);
    assert.equal(withPrev[0]!.prev_kv, undefined, 'the first put had nothing before it');
    assert.equal(text(withPrev[1]!.prev_kv!.value), 'one');
    assert.equal(text(withPrev[2]!.prev_kv!.value), 'two');
    assert.equal(withPrev[2]!.kv.value.length, 0, 'a delete event carries only key and revision');
    for (const event of byWatcher.get(2)!) assert.ok(!('prev_kv' in event), 'no prev_kv for the watcher that did not ask');
  });
});

test('filters: NOPUT reports only deletes and NODELETE only puts', { timeout: TIMEOUT_MS }, async () => {
  await withSocket(async (cluster, socket) => {
    const { kv } = await cluster.settledLeader();
    resultOf(await socket.call({ id: 1, op: 'watch_create', body: { key: b('f'), filters: [FilterType.NOPUT], watch_id: 1 } }));
    resultOf(await socket.call({ id: 2, op: 'watch_create', body: { key: b('f'), filters: [FilterType.NODELETE], watch_id: 2 } }));
    for (let i = 0; i < 2; i++) {
      await kv.put({ key: b('f'), value: b(`${i}`) });
      await kv.deleteRange({ key: b('f') });
    }
    const seen = new Map<number, [EventType, number][]>([[1, []], [2, []]]);
    while (seen.get(1)!.length < 2 || seen.get(2)!.length < 2) {
      const frame = await nextWatch(socket);
      for (const event of frame.events) seen.get(frame.watch_id)!.push([event.type, event.kv.mod_revision]);
    }
    assert.deepEqual(seen.get(1), [[EventType.DELETE, 4], [EventType.DELETE, 6]]);
    assert.deepEqual(seen.get(2), [[EventType.PUT, 3], [EventType.PUT, 5]]);
  });
});

test('a start revision in the past replays history, then live events follow with no gap and no duplicate', { timeout: TIMEOUT_MS }, async () => {
  await withSocket(async (cluster, socket) => {
    const { kv } = await cluster.settledLeader();
    // More history than one catch-up read (1000 events), so the watcher catches up in steps.
    const HISTORY = 2500;
    const LIVE = 300;
    await Promise.all(Array.from({ length: HISTORY }, (_, i) => kv.put({ key: b(`r/${i % 7}`), value: b(`${i}`) })));
    const startRevision = 10;
    resultOf(await socket.call({ id: 1, op: 'watch_create', body: { key: b('r/'), range_end: b('r0'), start_revision: startRevision } }));
    // Writes while catching up: the watcher joins the live ones exactly where its history ends.
    const live = Promise.all(Array.from({ length: LIVE }, (_, i) => kv.put({ key: b(`r/${i % 3}`), value: b(`live ${i}`) })));
    const lastRevision = 2 + HISTORY + LIVE;
    const { events, frames } = await eventsUntil(socket, 0, lastRevision);
    await live;
    assert.deepEqual(revisionsOf(events), range(startRevision, lastRevision));
    assert.ok(frames.length >= 3, 'history came in several responses');
    for (const frame of frames) assert.ok(frame.header.revision >= frame.events[frame.events.length - 1]!.kv.mod_revision);
  });
});

test('a start revision below the compaction: created, then canceled with the compact revision', { timeout: TIMEOUT_MS }, async () => {
  await withSocket(async (cluster, socket) => {
    const { kv } = await cluster.settledLeader();
    for (let i = 0; i < 5; i++) await kv.put({ key: b('c'), value: b(`${i}`) });
    await kv.compact({ revision: 5, physical: true });
    const created = resultOf(await socket.call({ id: 1, op: 'watch_create', body: { key: b('c'), start_revision: 3 } }));
    assert.equal(created.created, true);
    assert.equal(created.canceled, undefined);
    const canceled = await nextWatch(socket);
    assert.deepEqual({ ...canceled, header: undefined },
      { header: undefined, watch_id: 0, canceled: true, compact_revision: 5, events: [] });
    assert.equal(canceled.header.revision, 0, 'etcd 3.4 sends this one with a header revision of 0');
    const atCompaction = resultOf(await socket.call({ id: 2, op: 'watch_create', body: { key: b('c'), start_revision: 5 } }));
    assert.equal(atCompaction.watch_id, 1);
    const replayed = await nextWatch(socket);
    assert.deepEqual(revisionsOf(replayed.events), [5, 6, 7], 'from the compaction revision on, history is there');
  });
});

/** Malformed watch requests and the INVALID_ARGUMENT message each must get. */
const MALFORMED: { name: string; op: string; body: unknown; message: string | RegExp }[] = [
  { name: 'body not a map', op: 'watch_create', body: [b('k')], message: /watch_create must be a map/ },
  { name: 'no body', op: 'watch_create', body: undefined, message: /watch_create must be a map/ },
  { name: 'key as text', op: 'watch_create', body: { key: 'k' }, message: /watch_create\.key must be bytes/ },
  { name: 'range_end as number', op: 'watch_create', body: { key: b('k'), range_end: 1 }, message: /watch_create\.range_end must be bytes/ },
  { name: 'start_revision as text', op: 'watch_create', body: { key: b('k'), start_revision: '3' }, message: /watch_create\.start_revision must be an integer/ },
  { name: 'fractional start_revision', op: 'watch_create', body: { key: b('k'), start_revision: 2.5 }, message: /watch_create\.start_revision must be an integer/ },
  { name: 'prev_kv as number', op: 'watch_create', body: { key: b('k'), prev_kv: 1 }, message: /watch_create\.prev_kv must be a boolean/ },
  { name: 'progress_notify as text', op: 'watch_create', body: { key: b('k'), progress_notify: 'yes' }, message: /watch_create\.progress_notify must be a boolean/ },
  { name: 'fragment as number', op: 'watch_create', body: { key: b('k'), fragment: 0 }, message: /watch_create\.fragment must be a boolean/ },
  { name: 'filters not a list', op: 'watch_create', body: { key: b('k'), filters: 0 }, message: /watch_create\.filters must be an array/ },
  { name: 'unknown filter', op: 'watch_create', body: { key: b('k'), filters: [0, 2] }, message: 'cairn: invalid request: watch_create.filters[1] 2 is not a valid value' },
  { name: 'filter as text', op: 'watch_create', body: { key: b('k'), filters: ['NOPUT'] }, message: /watch_create\.filters\[0\] must be an integer/ },
  { name: 'negative watch_id', op: 'watch_create', body: { key: b('k'), watch_id: -1 }, message: /watch_create\.watch_id must not be negative/ },
  { name: 'misspelt option', op: 'watch_create', body: { key: b('k'), prefix: true }, message: /watch_create has unknown field "prefix"/ },
  { name: 'cancel id as text', op: 'watch_cancel', body: { watch_id: '0' }, message: /watch_cancel\.watch_id must be an integer/ },
  { name: 'cancel body not a map', op: 'watch_cancel', body: 3, message: /watch_cancel must be a map/ },
  { name: 'progress with arguments', op: 'watch_progress', body: { watch_id: 1 }, message: /watch_progress has unknown field "watch_id"/ },
];

test('malformed watch requests get INVALID_ARGUMENT in etcd wording, open no stream, create no watcher, and keep the connection', { timeout: TIMEOUT_MS }, async () => {
  await withSocket(async (cluster, socket) => {
    const { member, hub } = await cluster.settledLeader();
    const before = member.status();
    let id = 0;
    for (const { name, op, body, message } of MALFORMED) {
      const answer = await socket.call({ id: ++id, op, ...(body === undefined ? {} : { body }) });
      assertInvalidArgument(answer, id, message, name);
    }
    const missing = await socket.call({ id: ++id, op: 'watch_cancel', body: { watch_id: 3 } });
    assert.deepEqual(missing.error, { code: GrpcCode.NOT_FOUND, message: 'mvcc: watcher does not exist' });
    assert.deepEqual(hub.stats(), { synced: 0, unsynced: 0, streams: 0, slowMoved: 0, eventsSent: 0 }, 'no stream, no watcher');
    assert.equal(member.status().revision, before.revision);
    assert.equal(member.status().commitIndex, before.commitIndex);

    const fine = resultOf(await socket.call({ id: ++id, op: 'watch_create', body: {} }));
    assert.equal(fine.created, true, 'an absent key is "\\0", as etcd reads it');
    assert.equal(hub.stats().streams, 1);
    assert.equal(hub.stats().synced, 1);
  });
});

test('watch_progress answers once every watcher has caught up, after all the events up to its revision', { timeout: TIMEOUT_MS }, async () => {
  await withSocket(async (cluster, socket) => {
    const { kv } = await cluster.settledLeader();
    const early = resultOf(await socket.call({ id: 1, op: 'watch_progress' }));
    assert.deepEqual({ ...early, header: undefined }, { header: undefined, watch_id: -1, events: [] });
    assert.equal(early.header.revision, 2);
    await Promise.all(Array.from({ length: 3000 }, (_, i) => kv.put({ key: b(`p/${i}`), value: b('v') })));
    const current = 2 + 3000;
    socket.sendBatch([
      { id: 2, op: 'watch_create', body: { key: b('p/'), range_end: b('p0'), start_revision: 3 } },
      { id: 3, op: 'watch_progress', body: {} },
    ]);
    assert.equal((await socket.next()).id, 2);
    const events: WireEvent[] = [];
    for (;;) {
      const frame = await socket.next();
      if (frame.id === undefined) {
        events.push(...(frame.watch as WireWatch).events);
        continue;
      }
      assert.equal(frame.id, 3);
      const progress = resultOf(frame);
      assert.equal(progress.watch_id, -1);
      assert.equal(progress.header.revision, current);
      break;
    }
    assert.deepEqual(revisionsOf(events), range(3, current), 'every event up to the progress revision came first');
  });
});

test('a watcher that asked for fragments gets a response over max-request-bytes in parts of whole events; one that did not gets it whole', { timeout: TIMEOUT_MS }, async () => {
  const MAX_REQUEST_BYTES = 64 * 1024;
  const cluster = new WsCluster(1, { maxRequestBytes: MAX_REQUEST_BYTES });
  await cluster.start();
  const socket = await RawSocket.open(cluster.wsUrl(1));
  try {
    const { kv } = await cluster.settledLeader();
    const KEYS = 20;
    for (let i = 0; i < KEYS; i++) await kv.put({ key: b(`g/${String(i).padStart(2, '0')}`), value: Buffer.alloc(8 * 1024, i) });
    resultOf(await socket.call({ id: 1, op: 'watch_create', body: { key: b('g/'), range_end: b('g0'), prev_kv: true, fragment: true, watch_id: 1 } }));
    resultOf(await socket.call({ id: 2, op: 'watch_create', body: { key: b('g/'), range_end: b('g0'), prev_kv: true, watch_id: 2 } }));
    // One revision deleting 20 keys whose prev_kvs hold 160 KiB.
    const deleted = await kv.deleteRange({ key: b('g/'), range_end: b('g0') });
    const parts: WireWatch[] = [];
    const whole: WireWatch[] = [];
    while (parts.length === 0 || parts[parts.length - 1]!.fragment === true || whole.length === 0) {
      const frame = await nextWatch(socket);
      (frame.watch_id === 1 ? parts : whole).push(frame);
    }
    assert.equal(whole.length, 1);
    assert.equal(whole[0]!.events.length, KEYS);
    assert.equal(whole[0]!.fragment, undefined);
    assert.ok(parts.length >= 3, `160 KiB in parts under 64 KiB (${parts.length} parts)`);
    parts.forEach((part, i) => {
      assert.equal(part.fragment, i < parts.length - 1 ? true : undefined, `part ${i}`);
      assert.equal(part.header.revision, deleted.header.revision);
      assert.ok(part.events.length > 0);
      const bytes = part.events.reduce((sum, event) => sum + event.prev_kv!.value.length, 0);
      assert.ok(bytes < MAX_REQUEST_BYTES, `part ${i} holds ${bytes} bytes of values`);
    });
    const joined = parts.flatMap((part) => part.events);
    assert.deepEqual(joined.map((event) => text(event.kv.key)), whole[0]!.events.map((event) => text(event.kv.key)));
    assert.ok(joined.every((event) => event.type === EventType.DELETE && event.prev_kv!.value.length === 8 * 1024));
  } finally {
    socket.close();
    await cluster.close();
  }
});

const CONGESTING_VALUE = Buffer.alloc(128 * 1024, 7);

/**
 * Watches s/ with the client's socket paused, puts `puts` values of 128 KiB there, 16 at a time, and
 * waits until the stream congests. Returns the paused socket (revisions 3.. are the puts).
 */
async function congest(cluster: WsCluster, socket: RawSocket, puts: number): Promise<Socket> {
  const { kv, hub } = await cluster.settledLeader();
  resultOf(await socket.call({ id: 1, op: 'watch_create', body: { key: b('s/'), range_end: b('s0') } }));
  const tcp = (socket.socket as unknown as { _socket: Socket })._socket;
  tcp.pause();
  for (let i = 0; i < puts; i += 16) {
    await Promise.all(Array.from({ length: 16 }, (_, j) => kv.put({ key: b(`s/${i + j}`), value: CONGESTING_VALUE })));
  }
  await waitFor('the stream to congest', () => hub.stats().slowMoved > 0);
  return tcp;
}

test('a watch client that stops reading congests its stream: the server holds back live events, and once read they all arrive, once each, in order', { timeout: TIMEOUT_MS }, async () => {
  await withSocket(async (cluster, socket) => {
    // 40 MiB of events: far more than the socket buffers and the stream's 4 MiB bound.
    const PUTS = 320;
    const tcp = await congest(cluster, socket, PUTS);
    tcp.resume();
    const { events } = await eventsUntil(socket, 0, 2 + PUTS);
    assert.deepEqual(revisionsOf(events), range(3, 2 + PUTS));
    assert.ok(events.every((event) => event.kv.value.length === CONGESTING_VALUE.length));
  });
});

test('a congested client that reads in short bursts gets every event: each uWS drain leads to a flush', { timeout: TIMEOUT_MS }, async () => {
  // Reading 3 ms on, 3 ms off makes many drains. Frames sent inside uWS's drain callback could
  // stay in its buffer with nothing left to write them, and the stream stalled for good.
  await withSocket(async (cluster, socket) => {
    const PUTS = 160;
    const tcp = await congest(cluster, socket, PUTS);
    let reading = false;
    const bursts = setInterval(() => {
      reading = !reading;
      if (reading) tcp.resume();
      else tcp.pause();
    }, 3);
    try {
      const { events } = await eventsUntil(socket, 0, 2 + PUTS);
      assert.deepEqual(revisionsOf(events), range(3, 2 + PUTS));
    } finally {
      clearInterval(bursts);
      tcp.resume();
    }
  });
});
