import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrLeaseExist, ErrLeaseNotFound, ErrLeaseTTLTooLarge, EtcdError, GrpcCode } from '../../engine/errors.js';
import { CairnClient } from '../../net/client/cairn-client.js';
import { Lease, type LeaseHost } from '../../net/client/lease.js';
import { text, waitFor, type RunningMember } from '../node/cluster-harness.js';
import { WsCluster } from './ws-harness.js';

const TIMEOUT_MS = 60_000;
const TTL_S = 2;
const TTL_MS = TTL_S * 1000;

/** Runs `body` with a one-member cluster and a client of it; both are closed afterwards. */
async function withClient(body: (cluster: WsCluster, client: CairnClient, member: RunningMember) => Promise<void>): Promise<void> {
  const cluster = new WsCluster(1);
  await cluster.start();
  const client = new CairnClient({ endpoints: [cluster.wsUrl(1)], requestTimeoutMs: 5000 });
  try {
    const member = await cluster.settledLeader();
    await body(cluster, client, member);
  } finally {
    client.close();
    await cluster.close();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `promise` settled by now (after the pending microtasks ran). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => { done = true; });
  await sleep(0);
  return done;
}

/** The reason `lease` was lost, or a failure if it was not lost within `timeoutMs`. */
async function lostWithin(lease: Lease, timeoutMs: number): Promise<EtcdError> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`lease not lost within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([lease.lost, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Watches `check` for `durationMs`, failing as soon as it does not hold. */
async function holdsFor(what: string, durationMs: number, check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + durationMs;
  while (Date.now() < until) {
    assert.ok(await check(), `${what} stopped holding ${until - Date.now()} ms before the end`);
    await sleep(100);
  }
}

test('client.grant keeps a 2 s lease alive by itself for several TTLs; after close() it expires and its key is deleted', { timeout: TIMEOUT_MS }, async () => {
  await withClient(async (_cluster, client, member) => {
    const lease = await client.grant(TTL_S);
    assert.equal(lease.ttl, TTL_S);
    assert.equal(lease.state, 'alive');
    await client.put('session', 'up', { lease });
    const renewed = member.lease.lessor.stats.renewed;
    await holdsFor('the key', 3 * TTL_MS, async () => (await client.get('session')).kvs.length === 1);
    const renewals = member.lease.lessor.stats.renewed - renewed;
    // One every TTL/3: about 9 in 3 TTLs; fewer than 6 would mean the lease lived on luck.
    assert.ok(renewals >= 6 && renewals <= 12, `${renewals} automatic keep-alives in ${3 * TTL_S} s`);
    assert.equal(lease.state, 'alive');
    assert.ok(lease.deadlineMs > Date.now(), 'the deadline moves on with each keep-alive');

    lease.close();
    assert.equal(lease.state, 'closed');
    const closedAt = Date.now();
    // A keep-alive already on its way when close() ran may still be served.
    await sleep(500);
    const renewedAfterClose = member.lease.lessor.stats.renewed;
    await waitFor('the lease to expire and take its key', async () =>
      (await member.kv.range({ key: Buffer.from('session'), serializable: true })).kvs.length === 0, TTL_MS + 3000);
    const expiredAfterMs = Date.now() - closedAt;
    assert.ok(expiredAfterMs >= TTL_MS - 1000, `expired ${expiredAfterMs} ms after close: the last keep-alive still counted`);
    assert.equal(member.lease.lessor.stats.renewed, renewedAfterClose, 'no keep-alive after close');
    assert.equal((await lease.timeToLive()).TTL, -1);
    assert.equal(await settled(lease.lost), false, 'a lease closed on purpose is not reported lost');
    await assert.rejects(lease.keepAlive(), (e: unknown) => e instanceof EtcdError && e.code === GrpcCode.CANCELLED);
  });
});

test('lost resolves with ErrLeaseNotFound when the lease is revoked elsewhere, and the keep-alives stop', { timeout: TIMEOUT_MS }, async () => {
  await withClient(async (cluster, client, member) => {
    const lease = await client.grant(TTL_S);
    await client.put('owned', 'x', { lease: lease.id });
    const other = new CairnClient({ endpoints: [cluster.wsUrl(1)], requestTimeoutMs: 5000 });
    try {
      assert.ok((await other.leases()).leases.some((listed) => listed.ID === lease.id));
      await member.lease.revoke({ ID: lease.id });
      // The next automatic keep-alive, due within TTL/3, hears TTL 0.
      const reason = await lostWithin(lease, TTL_MS);
      assert.equal(reason, ErrLeaseNotFound);
      assert.equal(lease.state, 'lost');
      const renewed = member.lease.lessor.stats.renewed;
      await assert.rejects(lease.keepAlive(), ErrLeaseNotFound);
      await sleep(TTL_MS / 2);
      assert.equal(member.lease.lessor.stats.renewed, renewed, 'nothing renews a lost lease');
      assert.equal((await other.get('owned')).kvs.length, 0);
    } finally {
      other.close();
    }
  });
});

test('a lease that cannot be renewed before its deadline is lost with DEADLINE_EXCEEDED; without automatic keep-alive it must be renewed by hand', { timeout: TIMEOUT_MS }, async () => {
  await withClient(async (cluster, client, member) => {
    const manual = await client.grant(TTL_S, { keepAlive: false });
    const renewed = member.lease.lessor.stats.renewed;
    await sleep(TTL_MS / 2);
    assert.equal(member.lease.lessor.stats.renewed, renewed, 'no automatic keep-alive');
    const deadline = manual.deadlineMs;
    const kept = await manual.keepAlive();
    assert.deepEqual([kept.ID, kept.TTL], [manual.id, TTL_S]);
    assert.ok(manual.deadlineMs >= deadline + TTL_MS / 2 - 100, 'a keep-alive moves the deadline');
    assert.equal(member.lease.lessor.stats.renewed, renewed + 1);
    const manualLoss = await lostWithin(manual, TTL_MS + 1000);
    assert.equal(manualLoss.code, GrpcCode.DEADLINE_EXCEEDED);
    assert.match(manualLoss.message, /not renewed before its TTL ran out/);

    const automatic = await client.grant(TTL_S);
    await sleep(TTL_MS / 2);
    assert.equal(automatic.state, 'alive');
    // The member stays up, but the client can no longer reach it: keep-alives fail until the deadline.
    cluster.app(1).close();
    // Lost at the deadline (at most one TTL from now), not after the client's 5 s request timeout.
    const reason = await lostWithin(automatic, TTL_MS + 1000);
    assert.equal(reason.code, GrpcCode.DEADLINE_EXCEEDED);
    assert.equal(automatic.state, 'lost');
    await assert.rejects(automatic.keepAlive(), (e: unknown) => e === reason);
  });
});

test('lease calls through the client: put with a lease, timeToLive with keys, leases, revoke; grant errors are etcd\'s', { timeout: TIMEOUT_MS }, async () => {
  await withClient(async (_cluster, client) => {
    const lease = await client.grant(60, { id: 0xabc });
    assert.equal(lease.id, 0xabc);
    await client.put('a', '1', { lease });
    await client.put('b', '2', { lease: 0xabc });
    await client.put('c', '3');
    const ttl = await lease.timeToLive({ keys: true });
    assert.equal(ttl.grantedTTL, 60);
    assert.ok(ttl.TTL > 55);
    assert.deepEqual(ttl.keys.map(text), ['a', 'b']);
    assert.equal((await client.get('a')).kvs[0]!.lease, 0xabc);
    assert.deepEqual((await client.leases()).leases, [{ ID: 0xabc }]);
    await assert.rejects(client.grant(60, { id: 0xabc }), ErrLeaseExist);
    await assert.rejects(client.grant(9_000_000_001), ErrLeaseTTLTooLarge);
    await assert.rejects(client.put('d', '4', { lease: 0xdef }), ErrLeaseNotFound);

    const revoked = await lease.revoke();
    assert.ok(revoked.header.revision > 0);
    assert.equal(lease.state, 'closed');
    assert.deepEqual((await client.get('a', { range_end: 'd' })).kvs.map((kv) => text(kv.key)), ['c']);
    assert.deepEqual((await client.leases()).leases, []);
    assert.equal(await settled(lease.lost), false, 'a lease revoked by its owner is not reported lost');
    await assert.rejects(lease.revoke(), ErrLeaseNotFound);
  });
});

test('client.close() stops every lease\'s keep-alives', { timeout: TIMEOUT_MS }, async () => {
  await withClient(async (_cluster, client, member) => {
    const leases = await Promise.all([client.grant(TTL_S), client.grant(TTL_S), client.grant(TTL_S)]);
    await waitFor('a first round of keep-alives', () => member.lease.lessor.stats.renewed >= 3, TTL_MS);
    client.close();
    for (const lease of leases) assert.equal(lease.state, 'closed');
    await sleep(500);
    const renewed = member.lease.lessor.stats.renewed;
    await waitFor('every lease to expire', () => member.lease.lessor.ids().length === 0, TTL_MS + 3000);
    assert.equal(member.lease.lessor.stats.renewed, renewed, 'no keep-alive after close');
  });
});

test('keep-alives go on against another member after the member the client is connected to stops (3 members)', { timeout: 120_000 }, async () => {
  const cluster = new WsCluster(3);
  await cluster.start();
  try {
    const leader = await cluster.settledLeader();
    const failing = leader.member.id;
    const others = cluster.cluster.ids.filter((id) => id !== failing);
    const failingUrl = cluster.wsUrl(failing);
    const client = new CairnClient({ endpoints: [failingUrl, ...others.map((id) => cluster.wsUrl(id))], requestTimeoutMs: 5000 });
    try {
      const lease = await client.grant(TTL_S);
      await client.put('registered', 'yes', { lease });
      assert.equal(client.endpoint, failingUrl);
      await sleep(TTL_MS);
      assert.equal(lease.state, 'alive');

      // Sent as the member stops: lost with the connection (or answered just before) and retried on the next member.
      const duringFailover = lease.keepAlive();
      await cluster.stopMember(failing);
      assert.equal((await duringFailover).TTL, TTL_S, 'a keep-alive in flight during the failover is retried and answered');
      const survivor = (): RunningMember => cluster.cluster.members.get(others[0]!)!;
      await cluster.cluster.leader();
      // Summed over the members: another election during the hold moves the renewing elsewhere.
      const renewedByAll = (): number => [...cluster.cluster.members.values()].reduce((sum, m) => sum + m.lease.lessor.stats.renewed, 0);
      const renewedBefore = renewedByAll();
      // A new leader gives every lease a fresh TTL plus an election timeout; 3 TTLs outlast that.
      await holdsFor('the lease and its key', 3 * TTL_MS, async () =>
        lease.state === 'alive' && (await survivor().kv.range({ key: Buffer.from('registered'), serializable: true })).kvs.length === 1);
      assert.notEqual(client.endpoint, failingUrl, 'the client moved to another member');
      const renewals = renewedByAll() - renewedBefore;
      assert.ok(renewals >= 5, `the leaders renewed the lease ${renewals} times in ${3 * TTL_S} s`);
      assert.equal(await settled(lease.lost), false);
      const ttl = await lease.timeToLive();
      assert.ok(ttl.TTL > 0, `remaining ${ttl.TTL}`);

      lease.close();
      await waitFor('the lease to expire once no longer kept alive', async () =>
        (await survivor().kv.range({ key: Buffer.from('registered'), serializable: true })).kvs.length === 0, TTL_MS + 5000);
    } finally {
      client.close();
    }
  } finally {
    await cluster.close();
  }
});

test('a failed automatic keep-alive is retried with back-off, one at a time, and the lease stays alive (scripted server)', { timeout: TIMEOUT_MS }, async () => {
  const FAILURES = 4;
  const calls: { op: string; body: unknown; atMs: number }[] = [];
  let inFlight = 0;
  let inFlightMax = 0;
  const host: LeaseHost = {
    requestTimeoutMs: 5000,
    call: async <T>(op: string, body: unknown): Promise<T> => {
      calls.push({ op, body, atMs: Date.now() });
      inFlightMax = Math.max(inFlightMax, ++inFlight);
      await sleep(5);
      inFlight--;
      if (calls.length <= FAILURES) throw new EtcdError(GrpcCode.UNAVAILABLE, 'etcdserver: no leader');
      return { ID: 5, TTL: TTL_S, header: { revision: 1, member_id: 1, cluster_id: 1, raft_term: 1 } } as T;
    },
    forget: () => {},
  };
  const lease = new Lease(host, 5, TTL_S, Date.now(), true);
  try {
    await waitFor('a keep-alive to get through', () => calls.length > FAILURES, TTL_MS);
    assert.equal(lease.state, 'alive', 'the failures cost less than the deadline');
    assert.ok(calls.every((call) => call.op === 'lease_keep_alive' && (call.body as { ID: number }).ID === 5));
    const retryGapsMs = calls.slice(1, FAILURES + 1).map((call, i) => call.atMs - calls[i]!.atMs);
    assert.ok(retryGapsMs.every((gap) => gap < TTL_MS / 3), `retried sooner than the interval: ${retryGapsMs.join(', ')} ms`);
    assert.ok(retryGapsMs[FAILURES - 1]! > retryGapsMs[0]!, `the back-off grows: ${retryGapsMs.join(', ')} ms`);
    await holdsFor('the lease', TTL_MS, async () => lease.state === 'alive');
    assert.equal(inFlightMax, 1, 'one automatic keep-alive in flight at a time');
  } finally {
    lease.close();
  }
  const callsAtClose = calls.length;
  await sleep(TTL_MS / 2);
  assert.equal(calls.length, callsAtClose, 'nothing is sent after close()');
});
