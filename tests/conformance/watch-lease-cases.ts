/**
 * The Watch and Lease conformance cases: etcd's behaviour every transport must show, written once.
 * Each case works under its own key prefix, so transports and cases share one cluster. Writes go
 * through the KV transport of the same kind (transports.ts), watches and leases through this one.
 */
import assert from 'node:assert/strict';
import type { KvTransport } from './transports.js';
import type { WatchLeaseTransport } from './watch-lease-transports.js';

export interface WatchLeaseCase {
  name: string;
  run(kv: KvTransport, wl: WatchLeaseTransport, prefix: string): Promise<void>;
}

export const WATCH_LEASE_CASES: readonly WatchLeaseCase[] = [
  {
    name: 'a watch sees the puts and deletes of its prefix in revision order, with previous values',
    async run(kv, wl, p) {
      const watch = wl.watch(p, { prevKv: true });
      try {
        await watch.created;
        const first = (await kv.put(`${p}a`, '1')).revision;
        const second = (await kv.put(`${p}a`, '2')).revision;
        // A key just outside the prefix is not the watch's.
        await kv.put(`${p.slice(0, -1)}-outside`, 'x');
        const third = (await kv.delete(`${p}a`)).revision;
        assert.deepEqual(await watch.events(3), [
          { type: 'PUT', key: `${p}a`, value: '1', mod_revision: first },
          { type: 'PUT', key: `${p}a`, value: '2', mod_revision: second, prev: '1' },
          { type: 'DELETE', key: `${p}a`, value: '', mod_revision: third, prev: '2' },
        ]);
      } finally {
        watch.close();
      }
    },
  },
  {
    name: 'a watch from a past revision replays the history, then goes on live without a gap',
    async run(kv, wl, p) {
      const first = (await kv.put(`${p}a`, '1')).revision;
      await kv.put(`${p}b`, '2');
      const watch = wl.watch(p, { startRevision: first });
      try {
        await watch.created;
        const live = (await kv.put(`${p}c`, '3')).revision;
        const events = await watch.events(3);
        assert.deepEqual(events.map((e) => [e.key, e.mod_revision]), [[`${p}a`, first], [`${p}b`, first + 1], [`${p}c`, live]]);
      } finally {
        watch.close();
      }
    },
  },
  {
    name: 'a watch from a compacted revision is canceled with the compaction revision',
    async run(kv, wl, p) {
      const first = (await kv.put(`${p}x`, '1')).revision;
      const second = (await kv.put(`${p}x`, '2')).revision;
      await kv.compact(second);
      assert.equal(await wl.watchCompacted(`${p}x`, first), second);
    },
  },
  {
    name: 'a lease holds its keys; revoke deletes them in one revision and watchers see the deletes',
    async run(kv, wl, p) {
      const { id, ttl } = await wl.grant(60);
      assert.equal(ttl, 60);
      await wl.put(`${p}a`, '1', id);
      await wl.put(`${p}b`, '2', id);
      const live = await wl.timeToLive(id);
      assert.deepEqual(live.keys, [`${p}a`, `${p}b`]);
      assert.equal(live.granted, 60);
      assert.ok(live.ttl > 55 && live.ttl <= 60, `remaining ${live.ttl}`);
      assert.equal(await wl.keepAlive(id), 60);
      assert.ok((await wl.leases()).includes(id));
      const watch = wl.watch(p);
      try {
        await watch.created;
        await wl.revoke(id);
        const deletes = await watch.events(2);
        assert.deepEqual(deletes.map((e) => [e.type, e.key]), [['DELETE', `${p}a`], ['DELETE', `${p}b`]]);
        assert.equal(deletes[0]!.mod_revision, deletes[1]!.mod_revision);
      } finally {
        watch.close();
      }
      assert.equal((await kv.range(p, { prefix: true })).count, 0);
      assert.equal((await wl.timeToLive(id)).ttl, -1);
      assert.equal(await wl.keepAlive(id), 0);
      assert.equal((await wl.leases()).includes(id), false);
    },
  },
  {
    name: 'a lease that is not kept alive expires with its keys',
    async run(kv, wl, p) {
      const { id } = await wl.grant(1);
      await wl.put(`${p}k`, 'v', id);
      const deadline = Date.now() + 10_000;
      while ((await kv.range(`${p}k`)).count > 0) {
        assert.ok(Date.now() < deadline, 'the key outlived its lease');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal((await wl.timeToLive(id)).ttl, -1);
    },
  },
  {
    name: 'a put naming a lease that does not exist fails with etcd\'s error and writes nothing',
    async run(kv, wl, p) {
      await assert.rejects(wl.put(`${p}k`, 'v', 424242), /etcdserver: requested lease not found/);
      assert.equal((await kv.range(`${p}k`)).count, 0);
    },
  },
];
