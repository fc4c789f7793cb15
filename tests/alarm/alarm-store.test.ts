/**
 * Alarms in the MVCC store: applied from Raft entries in the apply transaction, refusing what etcd's
 * corrupt and capped appliers refuse, kept across a reopen and carried by a store snapshot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AlarmAction, AlarmType, type AlarmRequest } from '../../engine/alarm/alarm-rpc.js';
import { ErrCorrupt, ErrNoSpace } from '../../engine/errors.js';
import { encodeInternalRequest, type InternalRequest } from '../../engine/mvcc/request.js';
import { MvccStore } from '../../engine/mvcc/store.js';
import { EntryType, type Entry } from '../../engine/raft/types.js';
import { writeStoreSnapshot } from '../../engine/snapshot/store-snapshot.js';
import { b, tempDir, withStore } from '../mvcc/helpers.js';

const MEMBER_ID = 0x1234_5678_9abc;

function entry(index: number, request: InternalRequest): Entry {
  return { index, term: 2, type: EntryType.Normal, data: encodeInternalRequest(request) };
}

const activate = (alarm: AlarmType, memberID = MEMBER_ID): InternalRequest => ({ alarm: { action: AlarmAction.ACTIVATE, memberID, alarm } });
const deactivate = (alarm: AlarmType, memberID = MEMBER_ID): InternalRequest => ({ alarm: { action: AlarmAction.DEACTIVATE, memberID, alarm } });
const get = (alarm = AlarmType.NONE): InternalRequest => ({ alarm: { action: AlarmAction.GET, memberID: 0, alarm } satisfies AlarmRequest });

/** Applies requests as consecutive entries after the store's applied index; returns each outcome. */
function applyAll(store: MvccStore, ...requests: InternalRequest[]) {
  const first = store.status().applied_index + 1;
  return store.applyEntries(requests.map((request, i) => entry(first + i, request))).outcomes;
}

test('ACTIVATE raises an alarm once, GET lists it by type, DEACTIVATE clears it; each answers as etcd does', async () => {
  await withStore((store) => {
    const [raised, again, other, all, corruptOnly, nospaceOnly] = applyAll(store,
      activate(AlarmType.CORRUPT), activate(AlarmType.CORRUPT), activate(AlarmType.NOSPACE, 7), get(), get(AlarmType.CORRUPT), get(AlarmType.NOSPACE));
    assert.deepEqual(raised!.response, { alarms: [{ memberID: MEMBER_ID, alarm: AlarmType.CORRUPT }] });
    assert.deepEqual(again!.response, { alarms: [{ memberID: MEMBER_ID, alarm: AlarmType.CORRUPT }] }, 'the alarm already raised');
    assert.deepEqual(other!.response, { alarms: [{ memberID: 7, alarm: AlarmType.NOSPACE }] });
    assert.deepEqual(all!.response, { alarms: [{ memberID: 7, alarm: AlarmType.NOSPACE }, { memberID: MEMBER_ID, alarm: AlarmType.CORRUPT }] });
    assert.deepEqual(corruptOnly!.response, { alarms: [{ memberID: MEMBER_ID, alarm: AlarmType.CORRUPT }] });
    assert.deepEqual(nospaceOnly!.response, { alarms: [{ memberID: 7, alarm: AlarmType.NOSPACE }] });
    const [cleared, clearedAgain, left] = applyAll(store, deactivate(AlarmType.CORRUPT), deactivate(AlarmType.CORRUPT), get());
    assert.deepEqual(cleared!.response, { alarms: [{ memberID: MEMBER_ID, alarm: AlarmType.CORRUPT }] });
    assert.deepEqual(clearedAgain!.response, { alarms: [] }, 'nothing to clear');
    assert.deepEqual(left!.response, { alarms: [{ memberID: 7, alarm: AlarmType.NOSPACE }] });
  });
});

test('an alarm request with a negative member id or alarm type is refused and changes nothing', async () => {
  await withStore((store) => {
    const [negativeMember, negativeType, all] = applyAll(store, activate(AlarmType.CORRUPT, -1), activate(-1 as AlarmType), get());
    assert.equal(negativeMember!.error?.message, 'cairn: malformed alarm request');
    assert.equal(negativeType!.error?.message, 'cairn: malformed alarm request');
    assert.deepEqual(all!.response, { alarms: [] });
  });
});

test('while CORRUPT is raised, writes, compactions and lease grants and revokes fail with "corrupt cluster" and change nothing; read-only txns pass', async () => {
  await withStore((store) => {
    applyAll(store, { put: { key: b('a'), value: b('1') } }, { lease_grant: { ID: 5, TTL: 60 } }, activate(AlarmType.CORRUPT));
    const revision = store.status().current_revision;
    const refused = applyAll(store,
      { put: { key: b('a'), value: b('2') } },
      { delete_range: { key: b('a') } },
      { txn: { success: [{ request_put: { key: b('b'), value: b('1') } }] } },
      { txn: { failure: [{ request_txn: { success: [{ request_delete_range: { key: b('a') } }] } }] } },
      { compaction: { revision } },
      { lease_grant: { ID: 6, TTL: 60 } },
      { lease_revoke: { ID: 5 } });
    for (const outcome of refused) assert.equal(outcome.error, ErrCorrupt);
    assert.equal(store.status().current_revision, revision);
    assert.equal(store.range({ key: b('a') }).response.kvs[0]!.value.toString(), '1');
    const [readOnly] = applyAll(store, { txn: { success: [{ request_range: { key: b('a') } }] } });
    assert.equal(readOnly!.error, undefined);
    applyAll(store, deactivate(AlarmType.CORRUPT));
    const [put] = applyAll(store, { put: { key: b('a'), value: b('3') } });
    assert.equal(put!.error, undefined);
    assert.equal(store.status().current_revision, revision + 1);
  });
});

test('while NOSPACE is raised, puts, txns that put and lease grants fail with "database space exceeded"; deletes go on', async () => {
  await withStore((store) => {
    applyAll(store, { put: { key: b('a'), value: b('1') } }, activate(AlarmType.NOSPACE));
    const [put, txnPut, grant, del] = applyAll(store,
      { put: { key: b('a'), value: b('2') } },
      { txn: { success: [{ request_put: { key: b('b'), value: b('1') } }] } },
      { lease_grant: { ID: 6, TTL: 60 } },
      { delete_range: { key: b('a') } });
    assert.equal(put!.error, ErrNoSpace);
    assert.equal(txnPut!.error, ErrNoSpace);
    assert.equal(grant!.error, ErrNoSpace);
    assert.equal(del!.error, undefined);
  });
});

test('alarms are in the store: a reopened store and one restored from a snapshot hold them and still refuse writes', async () => {
  const source = tempDir();
  const target = tempDir();
  try {
    const store = new MvccStore(source.path);
    applyAll(store, { put: { key: b('a'), value: b('1') } }, activate(AlarmType.CORRUPT));
    await store.close();
    const reopened = new MvccStore(source.path);
    assert.deepEqual(reopened.alarms.active, [{ memberID: MEMBER_ID, alarm: AlarmType.CORRUPT }]);
    assert.equal(applyAll(reopened, { put: { key: b('a'), value: b('2') } })[0]!.error, ErrCorrupt);
    await reopened.close();

    const file = join(target.path, 'store.snap');
    await writeStoreSnapshot(source.path, file);
    const restored = new MvccStore(join(target.path, 'kv'));
    assert.deepEqual(restored.alarms.active, []);
    assert.equal(restored.restoreSnapshot(file).restored, true);
    assert.deepEqual(restored.alarms.active, [{ memberID: MEMBER_ID, alarm: AlarmType.CORRUPT }]);
    assert.equal(applyAll(restored, { put: { key: b('b'), value: b('1') } })[0]!.error, ErrCorrupt);
    await restored.close();
  } finally {
    source.remove();
    target.remove();
  }
});
