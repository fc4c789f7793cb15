import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrCompacted, ErrKeyNotFound, ErrStopped } from '../../engine/errors.js';
import { Applier, type ApplierEvent, type ApplierOptions, type ApplyResult } from '../../engine/mvcc/applier.js';
import { Packr } from 'msgpackr';
import { decodeInternalRequest, encodeInternalRequest, type InternalRequest } from '../../engine/mvcc/request.js';
import { EventType, type PutResponse } from '../../engine/mvcc/rpc.js';
import { MvccReader, MvccStore } from '../../engine/mvcc/store.js';
import { EventsMode } from '../../engine/mvcc/write-txn.js';
import { EntryType, type Entry } from '../../engine/raft/types.js';
import { b, s, tempDir } from './helpers.js';

const ZERO = new Uint8Array([0]);

function entry(index: number, request: InternalRequest | undefined, term = 1): Entry {
  return { index, term, type: EntryType.Normal, data: request === undefined ? new Uint8Array(0) : encodeInternalRequest(request) };
}

/** How `promise` stands after the turns `settleMs` gives it: 'rejected', 'resolved' or 'pending'. */
async function stateOf(promise: Promise<unknown>, settleMs = 50): Promise<string> {
  return Promise.race([promise.then(() => 'resolved', () => 'rejected'), new Promise<string>((resolve) => setTimeout(() => resolve('pending'), settleMs))]);
}

/**
 * Every test runs twice: with the apply loop in its worker thread (as it ships), and inline on
 * this thread (as the simulator runs it, here on node's own scheduler). Both must behave alike.
 */
const MODES = ['worker', 'inline'] as const;

function open(mode: (typeof MODES)[number], options: ApplierOptions): Promise<Applier> {
  return Applier.open(mode === 'inline' ? { ...options, inline: { soon: (fn) => setImmediate(fn), now: Date.now } } : options);
}

for (const mode of MODES) {
  test(`${mode}: entries applied through the ring answer per index, in order, with events`, async () => {
    const dir = tempDir();
    const seen: number[] = [];
    const applier = await open(mode, { path: dir.path, eventsMode: EventsMode.KV_AND_PREV, onResult: (result) => seen.push(result.index) });
    try {
      assert.equal(applier.appliedIndex, 0);
      assert.equal(applier.revision, 1, 'an empty store is at revision 1, as etcd\'s');
      const batch = [
        entry(1, { put: { key: b('a'), value: b('1') } }),
        entry(2, undefined),
        entry(3, { put: { key: b('a'), value: b('2'), prev_kv: true } }),
        entry(4, { put: { key: b('missing'), ignore_value: true } }),
        entry(5, { delete_range: { key: b('a') } }),
      ];
      const results = batch.map((e) => applier.wait(e.index));
      await applier.apply(batch);
      const [first, noop, second, failed, deleted] = await Promise.all(results) as ApplyResult[];
      assert.deepEqual([first!.revision, second!.revision, deleted!.revision], [2, 3, 4]);
      assert.equal(noop!.response, undefined);
      assert.equal(noop!.error, undefined);
      assert.equal(s((second!.response as PutResponse).prev_kv?.value), '1');
      assert.equal(failed!.error, ErrKeyNotFound);
      assert.equal(failed!.revision, 3);
      assert.deepEqual(second!.events.map((event) => [event.type, s(event.kv.value), s(event.prev_kv?.value)]), [[EventType.PUT, '2', '1']]);
      assert.deepEqual(deleted!.events.map((event) => [event.type, s(event.kv.key), event.kv.mod_revision]), [[EventType.DELETE, 'a', 4]]);
      assert.deepEqual(seen, [1, 3, 4, 5], 'onResult sees every KV request, not the no-op');
      assert.equal(applier.appliedIndex, 5);
      const reader = new MvccReader(dir.path);
      assert.equal((await applier.read({ op: 'range', request: { key: ZERO, range_end: ZERO } })).response.count, 0);
      assert.equal(reader.status().applied_index, 5);
      await reader.close();
    } finally {
      await applier.close();
      dir.remove();
    }
  });

  test(`${mode}: the request header id comes back as requestId; a malformed header means no KV request`, async () => {
    const dir = tempDir();
    const seen = new Map<number, ApplyResult>();
    const applier = await open(mode, { path: dir.path, onResult: (result) => seen.set(result.index, result) });
    // Entries written as a proposer from another version might: plain msgpack maps, built by hand.
    const raw = new Packr({ useRecords: false });
    const put = { key: b('bad'), value: b('v') };
    try {
      assert.equal(decodeInternalRequest(raw.pack({ header: { id: 7 }, put }))?.header?.id, 7, 'a hand-built entry decodes');
      for (const header of [{ id: 'x' }, { id: 1.5 }, {}, null, 7]) {
        assert.equal(decodeInternalRequest(raw.pack({ header, put })), undefined, `header ${JSON.stringify(header)}`);
      }
      const batch = [
        entry(1, { put: { key: b('a'), value: b('1') }, header: { id: 123456789 } }),
        entry(2, { put: { key: b('a'), value: b('2') } }),
        entry(3, { put: { key: b('missing'), ignore_value: true }, header: { id: 42 } }),
        { index: 4, term: 1, type: EntryType.Normal, data: raw.pack({ header: { id: 'x' }, put }) },
      ];
      const results = batch.map((e) => applier.wait(e.index));
      await applier.apply(batch);
      const [withId, withoutId, failed, malformed] = await Promise.all(results) as ApplyResult[];
      assert.equal(withId!.requestId, 123456789);
      assert.equal(withId!.revision, 2);
      assert.equal(seen.get(1)?.requestId, 123456789);
      assert.equal(withoutId!.requestId, undefined);
      assert.ok(seen.has(2));
      assert.equal(seen.get(2)!.requestId, undefined);
      assert.equal(failed!.error, ErrKeyNotFound);
      assert.equal(failed!.requestId, 42, 'a failed request still names its proposer\'s id');
      assert.equal(seen.get(3)?.requestId, 42);
      assert.equal(malformed!.response, undefined);
      assert.equal(malformed!.error, undefined);
      assert.equal(malformed!.requestId, undefined);
      assert.equal(seen.has(4), false, 'onResult sees no KV request in the malformed entry');
      assert.equal(applier.appliedIndex, 4);
      const reader = new MvccReader(dir.path);
      assert.equal((await applier.read({ op: 'range', request: { key: b('bad') } })).response.count, 0);
      assert.equal(reader.status().current_revision, 3);
      await reader.close();
    } finally {
      await applier.close();
      dir.remove();
    }
  });

  test(`${mode}: a small entry ring applies backpressure and loses nothing`, async () => {
    const dir = tempDir();
    const applier = await open(mode, { path: dir.path, entryRingBytes: 4096 });
    try {
      const total = 3000;
      const batches: Entry[][] = [];
      for (let index = 1; index <= total; index += 100) {
        batches.push(Array.from({ length: 100 }, (_, i) => entry(index + i, { put: { key: b(`k${(index + i) % 37}`), value: b(`v${index + i}`) } })));
      }
      const last = applier.wait(total);
      for (const batch of batches) await applier.apply(batch);
      assert.equal((await last).revision, total + 1);
      const reader = new MvccReader(dir.path);
      assert.equal(s((await applier.read({ op: 'range', request: { key: b(`k${total % 37}`) } })).response.kvs[0]!.value), `v${total}`);
      assert.equal(reader.status().current_revision, total + 1);
      await reader.close();
    } finally {
      await applier.close();
      dir.remove();
    }
  });

  test(`${mode}: re-sent entries at or below the applied index are skipped after a restart`, async () => {
    const dir = tempDir();
    const batch = Array.from({ length: 10 }, (_, i) => entry(i + 1, { put: { key: b('counter'), value: b(`${i + 1}`) } }));
    let applier = await open(mode, { path: dir.path });
    try {
      await applier.apply(batch);
      await applier.waitApplied(10);
      await applier.close();
      applier = await open(mode, { path: dir.path });
      assert.equal(applier.appliedIndex, 10);
      await assert.rejects(applier.wait(10), /entry 10 was already applied/);
      const fresh = applier.wait(11);
      await applier.apply([...batch, entry(11, { put: { key: b('counter'), value: b('11') } })]);
      assert.equal((await fresh).revision, 12);
      await applier.close();
      await assert.rejects(applier.wait(12), ErrStopped);
      const store = new MvccStore(dir.path);
      const [kv] = store.range({ key: b('counter') }).response.kvs;
      assert.equal(kv!.version, 11, 'the ten re-sent puts were not applied again');
      await store.close();
    } finally {
      await applier.close();
      dir.remove();
    }
  });

  test(`${mode}: a gap in the entries stops the worker instead of skipping an entry`, async () => {
    const dir = tempDir();
    const applier = await open(mode, { path: dir.path });
    try {
      const after = applier.wait(3);
      await applier.apply([entry(1, undefined), entry(3, undefined)]);
      await assert.rejects(after, /apply gap: entry 3 after applied index 1/);
    } finally {
      await applier.close();
      dir.remove();
    }
  });

  test(`${mode}: a store fault ends the worker and is reported by whenFailed, naming the entries and the free space; a close is no fault`, async () => {
    const faulty = tempDir();
    const healthy = tempDir();
    const applier = await open(mode, { path: faulty.path });
    const closed = await open(mode, { path: healthy.path });
    try {
      // An entry the store cannot apply (here a gap) throws in the worker: no client caused it.
      await applier.apply([entry(1, undefined), entry(3, undefined)]);
      const fault = await applier.whenFailed().catch((error: Error) => error);
      assert.match(fault.message, /^apply worker: applying entries 1-3 to the store failed: apply gap: entry 3 after applied index 1 \(\d+ bytes free in .*\)$/);
      await assert.rejects(applier.waitApplied(3), (error) => error === fault);
      await closed.apply([entry(1, { put: { key: b('k'), value: b('v') } })]);
      await closed.close();
      assert.equal(await stateOf(closed.whenFailed()), 'pending');
    } finally {
      await applier.close();
      faulty.remove();
      healthy.remove();
    }
  });

  test(`${mode}: a physical compaction answers once the worker has finished it; reads below fail at once`, async () => {
    const dir = tempDir();
    const applier = await open(mode, { path: dir.path, compactionKeysPerChunk: 2 });
    try {
      const puts = Array.from({ length: 20 }, (_, i) => entry(i + 1, { put: { key: b(`k${i % 10}`), value: b(`${i}`) } }));
      await applier.apply(puts);
      await applier.waitApplied(20);
      const compacted = applier.wait(21);
      await applier.apply([entry(21, { compaction: { revision: 16, physical: true } })]);
      await applier.waitApplied(21);
      const reader = new MvccReader(dir.path);
      await assert.rejects(applier.read({ op: 'range', request: { key: b('k0'), revision: 15 } }), ErrCompacted);
      const result = await compacted;
      assert.deepEqual(result.response, {});
      assert.equal(reader.status().finished_compact_revision, 16);
      await reader.close();
    } finally {
      await applier.close();
      dir.remove();
    }
  });

  test(`${mode}: the apply worker runs a compaction in chunks between batches: later writes answer before it completes`, async () => {
    const dir = tempDir();
    const keys = 300;
    const applier = await open(mode, { path: dir.path, compactionKeysPerChunk: 1 });
    try {
      await applier.apply(Array.from({ length: 2 * keys }, (_, i) => entry(i + 1, { put: { key: b(`k${i % keys}`), value: b(`${i}`) } })));
      let compactionAnswered = false;
      const compactAt = 2 * keys + 1;
      const compacted = applier.wait(compactAt).then((result) => { compactionAnswered = true; return result; });
      await applier.apply([entry(compactAt, { compaction: { revision: keys + 1, physical: true } })]);
      const later = applier.wait(compactAt + 9);
      await applier.apply(Array.from({ length: 9 }, (_, i) => entry(compactAt + 1 + i, { put: { key: b(`later${i}`), value: b('v') } })));
      assert.ok((await later).response !== undefined);
      assert.equal(compactionAnswered, false, `the compaction of ${keys} keys, one per chunk, has not answered before later writes`);
      await compacted;
      const reader = new MvccReader(dir.path);
      assert.equal(reader.status().finished_compact_revision, keys + 1);
      await reader.close();
      const { response } = await applier.read({ op: 'range', request: { key: b('k0'), revision: keys + 1 } });
      assert.equal(s(response.kvs[0]!.value), '0', 'the revision in force where it compacted stays readable');
    } finally {
      await applier.close();
      dir.remove();
    }
  });

  test(`${mode}: reads while the worker applies see whole transactions, never half of one`, async () => {
    const dir = tempDir();
    const applier = await open(mode, { path: dir.path });
    try {
      const total = 400;
      const txns = Array.from({ length: total }, (_, i) => entry(i + 1, { txn: { success: [
        { request_put: { key: b('x'), value: b(`${i}`) } },
        { request_put: { key: b('y'), value: b(`${i}`) } },
      ] } }));
      for (let start = 0; start < total; start += 20) {
        await applier.apply(txns.slice(start, start + 20));
        const { response, revision } = await applier.read({ op: 'range', request: { key: b('x'), range_end: b('z') } });
        if (response.count === 0) continue;
        assert.equal(response.count, 2);
        assert.equal(s(response.kvs[0]!.value), s(response.kvs[1]!.value), `x and y differ at revision ${revision}`);
        assert.equal(response.kvs[0]!.mod_revision, revision);
      }
      await applier.waitApplied(total);
      assert.equal(s((await applier.read({ op: 'range', request: { key: b('y') } })).response.kvs[0]!.value), `${total - 1}`);
    } finally {
      await applier.close();
      dir.remove();
    }
  });

  test(`${mode}: a batch slower than the warning threshold, a finished compaction and raised or disarmed alarms are events`, async () => {
    const dir = tempDir();
    const events: ApplierEvent[] = [];
    const applier = await open(mode, { path: dir.path, warnApplyMs: 0, onEvent: (event) => events.push(event) });
    try {
      await applier.apply([entry(1, { put: { key: b('a'), value: b('1') } }), entry(2, { put: { key: b('a'), value: b('2') } })]);
      await applier.wait(2);
      const slow = events.find((event) => event.kind === 'slow-apply');
      assert.ok(slow !== undefined && slow.kind === 'slow-apply');
      assert.deepEqual([slow.entries, slow.lastIndex], [2, 2]);
      assert.ok(slow.tookMs > 0);

      const compaction = applier.wait(3);
      await applier.apply([entry(3, { compaction: { revision: 2, physical: true } })]);
      await compaction;
      assert.ok(events.some((event) => event.kind === 'compacted' && event.revision === 2 && event.tookMs >= 0));

      const raised = applier.wait(4);
      await applier.apply([entry(4, { alarm: { action: 1, memberID: 7, alarm: 1 } })]);
      await raised;
      const disarmed = applier.wait(5);
      await applier.apply([entry(5, { alarm: { action: 2, memberID: 7, alarm: 1 } })]);
      await disarmed;
      assert.deepEqual(events.filter((event) => event.kind === 'alarm'), [
        { kind: 'alarm', raised: true, alarm: { memberID: 7, alarm: 1 } },
        { kind: 'alarm', raised: false, alarm: { memberID: 7, alarm: 1 } },
      ]);
    } finally {
      await applier.close();
      dir.remove();
    }
  });
}
