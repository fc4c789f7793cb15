/**
 * The KV conformance cases: etcd's behaviour every transport must show, written once. Each case
 * works under its own key prefix, so transports and cases can share one cluster.
 */
import assert from 'node:assert/strict';
import type { KvTransport } from './transports.js';

export interface KvCase {
  name: string;
  run(kv: KvTransport, prefix: string): Promise<void>;
}

export const KV_CASES: readonly KvCase[] = [
  {
    name: 'put then get returns the value with version, create and mod revisions',
    async run(kv, p) {
      const put = await kv.put(`${p}a`, 'one');
      const got = await kv.range(`${p}a`);
      assert.equal(got.kvs.length, 1);
      assert.deepEqual(got.kvs[0], { key: `${p}a`, value: 'one', version: 1, create_revision: put.revision, mod_revision: put.revision });
      assert.ok(got.revision >= put.revision);
      const again = await kv.put(`${p}a`, 'two', true);
      assert.equal(again.prevValue, 'one');
      assert.ok(again.revision > put.revision, 'a later write has a later revision');
      const after = await kv.range(`${p}a`);
      assert.equal(after.kvs[0]!.version, 2);
      assert.equal(after.kvs[0]!.create_revision, put.revision);
      assert.equal(after.kvs[0]!.mod_revision, again.revision);
    },
  },
  {
    name: 'a prefix range is sorted by key, and limit reports more and the full count',
    async run(kv, p) {
      for (const k of ['c', 'a', 'b']) await kv.put(`${p}${k}`, k);
      const all = await kv.range(p, { prefix: true });
      assert.deepEqual(all.kvs.map((x) => x.key), [`${p}a`, `${p}b`, `${p}c`]);
      assert.equal(all.count, 3);
      assert.equal(all.more, false);
      const limited = await kv.range(p, { prefix: true, limit: 2 });
      assert.deepEqual(limited.kvs.map((x) => x.key), [`${p}a`, `${p}b`]);
      assert.equal(limited.count, 3);
      assert.equal(limited.more, true);
    },
  },
  {
    name: 'reads at a past revision see history',
    async run(kv, p) {
      const first = await kv.put(`${p}h`, 'v1');
      await kv.put(`${p}h`, 'v2');
      const past = await kv.range(`${p}h`, { revision: first.revision });
      assert.equal(past.kvs[0]!.value, 'v1');
    },
  },
  {
    name: 'delete reports what it deleted; deleting nothing does not move the revision',
    async run(kv, p) {
      await kv.put(`${p}d`, 'gone');
      const deleted = await kv.delete(`${p}d`, true);
      assert.equal(deleted.deleted, 1);
      assert.deepEqual(deleted.prevValues, ['gone']);
      const nothing = await kv.delete(`${p}d`);
      assert.equal(nothing.deleted, 0);
      assert.equal(nothing.revision, deleted.revision);
      assert.equal((await kv.range(`${p}d`)).kvs.length, 0);
    },
  },
  {
    name: 'a compare-and-swap txn succeeds once on the expected value, then fails',
    async run(kv, p) {
      await kv.put(`${p}lock`, 'free');
      const won = await kv.compareAndSwap(`${p}lock`, 'free', 'mine');
      assert.equal(won.succeeded, true);
      const lost = await kv.compareAndSwap(`${p}lock`, 'free', 'theirs');
      assert.equal(lost.succeeded, false);
      assert.equal((await kv.range(`${p}lock`)).kvs[0]!.value, 'mine');
    },
  },
  {
    name: 'an empty key and a future revision get etcd\'s errors',
    async run(kv, p) {
      await assert.rejects(kv.put('', 'x'), { message: 'etcdserver: key is not provided' });
      const now = await kv.range(`${p}none`);
      await assert.rejects(kv.range(`${p}none`, { revision: now.revision + 1000 }),
        { message: 'etcdserver: mvcc: required revision is a future revision' });
    },
  },
  {
    name: 'after a compaction, reads below it get etcd\'s compacted error',
    async run(kv, p) {
      const old = await kv.put(`${p}c`, 'old');
      const current = await kv.put(`${p}c`, 'new');
      await kv.compact(current.revision);
      await assert.rejects(kv.range(`${p}c`, { revision: old.revision }),
        { message: 'etcdserver: mvcc: required revision has been compacted' });
      assert.equal((await kv.range(`${p}c`)).kvs[0]!.value, 'new');
    },
  },
];
