/**
 * A stalled leader does not cost clients their leases (etcd's pain: leases revoked after a leader
 * stall). The leader of a 3-process cluster is stopped with SIGSTOP for longer than a lease's TTL
 * while a client keeps the lease alive through a follower; the others elect a new leader, which
 * starts the lease's clock afresh and takes the keep-alives. When the old leader resumes (SIGCONT)
 * its expiry check runs late, and it must not revoke what it missed keep-alives for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { etcdClient } from '../../net/grpc/protos.js';
import { ProcessCluster, call } from './process-cluster.js';

// 3 s, not etcd's smallest: a loaded CI machine must not lose the lease to one slow renewal.
const TTL_SECONDS = 3;
const STALL_MS = 3 * TTL_SECONDS * 1000;
const KEEPALIVE_EVERY_MS = (TTL_SECONDS * 1000) / 3;

type GrpcClient = grpc.Client & Record<string, Function>;

test('SIGSTOP of the leader for three TTLs: a lease kept alive through a follower survives, and nothing is revoked when it resumes', async () => {
  const cluster = new ProcessCluster(3);
  try {
    await cluster.start();
    const leader = await cluster.leader();
    const follower = cluster.members.find((m) => m !== leader)!;
    const leaseClient = new (etcdClient('Lease'))(`127.0.0.1:${follower.clientPort}`, grpc.credentials.createInsecure()) as GrpcClient;
    const granted = await call<{ ID: string }>(leaseClient, 'LeaseGrant', { TTL: TTL_SECONDS, ID: 0 });
    await call(follower.clients!.kv, 'Put', { key: Buffer.from('session'), value: Buffer.from('alive'), lease: granted.ID });

    // The client renews every TTL/3 through the follower, as clientv3 does; a failed renewal (the
    // follower's leader is stopped) is tried again shortly, as clientv3 retries.
    let keeping = true;
    let renewed = 0;
    const keepAlive = (async () => {
      while (keeping) {
        const ok = await new Promise<boolean>((resolve) => {
          const stream = leaseClient['LeaseKeepAlive']!() as grpc.ClientDuplexStream<object, { TTL: string }>;
          const timer = setTimeout(() => { stream.cancel(); resolve(false); }, KEEPALIVE_EVERY_MS);
          stream.on('data', (r) => { if (Number(r.TTL) > 0) renewed++; clearTimeout(timer); stream.cancel(); resolve(true); });
          stream.on('error', () => { clearTimeout(timer); resolve(false); });
          stream.write({ ID: granted.ID });
        });
        await new Promise((resolve) => setTimeout(resolve, ok ? KEEPALIVE_EVERY_MS : 100));
      }
    })();

    leader.process!.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, STALL_MS));
    const renewedDuringStall = renewed;
    leader.process!.kill('SIGCONT');
    // Long enough for the resumed member's late expiry check, and for a TTL to pass again.
    await new Promise((resolve) => setTimeout(resolve, 2 * TTL_SECONDS * 1000));
    keeping = false;
    await keepAlive;

    assert.ok(renewedDuringStall >= 3, `keep-alives went on through the new leader during the stall (${renewedDuringStall})`);
    const ttl = await call<{ TTL: string }>(leaseClient, 'LeaseTimeToLive', { ID: granted.ID });
    assert.ok(Number(ttl.TTL) > 0, `the lease is alive (TTL ${ttl.TTL})`);
    for (const member of cluster.members) {
      const got = await call<{ kvs: { value: Buffer }[] }>(member.clients!.kv, 'Range', { key: Buffer.from('session'), serializable: true });
      assert.equal(got.kvs[0]?.value.toString(), 'alive', `${member.name} still holds the leased key`);
    }
    leaseClient.close();
  } finally {
    for (const member of cluster.members) member.process?.kill('SIGCONT');
    await cluster.close();
  }
});
