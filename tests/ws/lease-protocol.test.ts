import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrLeaseExist, ErrLeaseNotFound, ErrLeaseTTLTooLarge, GrpcCode } from '../../engine/errors.js';
import { minLeaseTtlSeconds } from '../../engine/lease/lease-server.js';
import { EtcdServer } from '../../engine/server/etcd-server.js';
import { HttpApp } from '../../net/http/http-app.js';
import { ELECTION_MS, text, waitFor } from '../node/cluster-harness.js';
import { RawSocket, WsCluster, withSocket } from './ws-harness.js';

const b = (value: string): Buffer => Buffer.from(value);
const TIMEOUT_MS = 60_000;

interface Header { revision: number; member_id: number; cluster_id: number; raft_term: number }

/** The result of a request answered successfully. */
function resultOf<T = Record<string, unknown>>(answer: Record<string, unknown>): T & { header: Header } {
  assert.equal(answer.error, undefined, JSON.stringify(answer.error));
  return answer.result as T & { header: Header };
}

/** The error of a request that failed. */
function errorOf(answer: Record<string, unknown>): { code: number; message: string } {
  assert.equal(answer.result, undefined, `expected an error, got ${JSON.stringify(answer.result)}`);
  return answer.error as { code: number; message: string };
}

const sortedKeys = (value: object): string[] => Object.keys(value).sort();

test('every lease op answers with the Lease message and a header; revoking deletes the lease\'s keys in one revision', { timeout: TIMEOUT_MS }, async () => {
  await withSocket(async (cluster, socket) => {
    const { kv, lease: leaseServer } = await cluster.settledLeader();
    const granted = resultOf<{ ID: number; TTL: number; error: string }>(await socket.call({ id: 1, op: 'lease_grant', body: { TTL: 60 } }));
    assert.deepEqual(sortedKeys(granted), ['ID', 'TTL', 'error', 'header']);
    assert.ok(Number.isSafeInteger(granted.ID) && granted.ID > 0, `a server-picked id: ${granted.ID}`);
    assert.equal(granted.TTL, 60);
    assert.equal(granted.error, '');
    assert.deepEqual({ ...granted.header, raft_term: 0 }, { cluster_id: 42, member_id: 1, revision: 2, raft_term: 0 });
    const ID = granted.ID;
    const chosen = resultOf<{ ID: number }>(await socket.call({ id: 2, op: 'lease_grant', body: { TTL: 60, ID: 0x1234 } }));
    assert.equal(chosen.ID, 0x1234, 'an id the client picks is kept');

    resultOf(await socket.call({ id: 3, op: 'put', body: { key: b('k1'), value: b('1'), lease: ID } }));
    resultOf(await socket.call({ id: 4, op: 'put', body: { key: b('k2'), value: b('2'), lease: ID } }));
    resultOf(await socket.call({ id: 5, op: 'put', body: { key: b('other'), value: b('3') } }));

    const ttl = resultOf<{ ID: number; TTL: number; grantedTTL: number; keys: Uint8Array[] }>(
      await socket.call({ id: 6, op: 'lease_time_to_live', body: { ID, keys: true } }));
    assert.deepEqual(sortedKeys(ttl), ['ID', 'TTL', 'grantedTTL', 'header', 'keys']);
    assert.equal(ttl.ID, ID);
    assert.equal(ttl.grantedTTL, 60);
    assert.ok(ttl.TTL > 55 && ttl.TTL <= 60, `remaining TTL ${ttl.TTL}`);
    assert.deepEqual(ttl.keys.map(text), ['k1', 'k2']);
    assert.equal(ttl.header.revision, 5);
    const withoutKeys = resultOf<{ keys: Uint8Array[] }>(await socket.call({ id: 7, op: 'lease_time_to_live', body: { ID } }));
    assert.deepEqual(withoutKeys.keys, [], 'keys only when asked for');

    const renewedBefore = leaseServer.lessor.stats.renewed;
    const kept = resultOf<{ ID: number; TTL: number }>(await socket.call({ id: 8, op: 'lease_keep_alive', body: { ID } }));
    assert.deepEqual(sortedKeys(kept), ['ID', 'TTL', 'header']);
    assert.deepEqual([kept.ID, kept.TTL, kept.header.revision], [ID, 60, 5]);
    assert.equal(leaseServer.lessor.stats.renewed, renewedBefore + 1, 'the leader renewed the lease');

    const listed = resultOf<{ leases: { ID: number }[] }>(await socket.call({ id: 9, op: 'lease_leases' }));
    assert.deepEqual(listed.leases.map((lease) => lease.ID).sort((x, y) => x - y), [0x1234, ID].sort((x, y) => x - y));
    const listedEmptyBody = resultOf<{ leases: unknown[] }>(await socket.call({ id: 10, op: 'lease_leases', body: {} }));
    assert.equal(listedEmptyBody.leases.length, 2);

    const revoked = resultOf(await socket.call({ id: 11, op: 'lease_revoke', body: { ID } }));
    assert.deepEqual(sortedKeys(revoked), ['header']);
    assert.equal(revoked.header.revision, 6, 'both keys deleted in one revision');
    const left = await kv.range({ key: b('a'), range_end: b('z') });
    assert.deepEqual(left.kvs.map((kvp) => text(kvp.key)), ['other', 'settled']);

    const gone = resultOf<{ TTL: number; grantedTTL: number; keys: unknown[] }>(
      await socket.call({ id: 12, op: 'lease_time_to_live', body: { ID, keys: true } }));
    assert.deepEqual([gone.TTL, gone.grantedTTL, gone.keys], [-1, 0, []]);
    const notKept = resultOf<{ ID: number; TTL: number }>(await socket.call({ id: 13, op: 'lease_keep_alive', body: { ID } }));
    assert.deepEqual([notKept.ID, notKept.TTL], [ID, 0], 'a keep-alive of a lease that is gone answers TTL 0');
    const after = resultOf<{ leases: { ID: number }[] }>(await socket.call({ id: 14, op: 'lease_leases' }));
    assert.deepEqual(after.leases, [{ ID: 0x1234 }]);
  });
});

test('lease errors come back as etcd\'s: unknown lease, taken id, TTL too large; a small TTL is raised to the minimum', { timeout: TIMEOUT_MS }, async () => {
  await withSocket(async (cluster, socket) => {
    const { member } = await cluster.settledLeader();
    assert.deepEqual(errorOf(await socket.call({ id: 1, op: 'lease_revoke', body: { ID: 999 } })),
      { code: ErrLeaseNotFound.code, message: ErrLeaseNotFound.message });
    assert.equal(ErrLeaseNotFound.code, GrpcCode.NOT_FOUND);
    assert.deepEqual(errorOf(await socket.call({ id: 2, op: 'lease_revoke', body: {} })),
      { code: GrpcCode.NOT_FOUND, message: ErrLeaseNotFound.message }, 'an absent ID is 0, which no lease has');
    assert.deepEqual(errorOf(await socket.call({ id: 3, op: 'put', body: { key: b('k'), value: b('v'), lease: 999 } })),
      { code: GrpcCode.NOT_FOUND, message: ErrLeaseNotFound.message });
    const revision = member.status().revision;
    assert.deepEqual(errorOf(await socket.call({ id: 4, op: 'lease_grant', body: { TTL: 9_000_000_001 } })),
      { code: GrpcCode.OUT_OF_RANGE, message: ErrLeaseTTLTooLarge.message });
    resultOf(await socket.call({ id: 5, op: 'lease_grant', body: { TTL: 60, ID: 7 } }));
    assert.deepEqual(errorOf(await socket.call({ id: 6, op: 'lease_grant', body: { TTL: 60, ID: 7 } })),
      { code: GrpcCode.FAILED_PRECONDITION, message: ErrLeaseExist.message });
    const negative = resultOf<{ ID: number }>(await socket.call({ id: 7, op: 'lease_grant', body: { TTL: 60, ID: -5 } }));
    assert.equal(negative.ID, -5, 'a negative id is granted as given, as etcd grants it');
    const unknownKept = resultOf<{ ID: number; TTL: number }>(await socket.call({ id: 8, op: 'lease_keep_alive', body: { ID: 999 } }));
    assert.deepEqual([unknownKept.ID, unknownKept.TTL], [999, 0]);
    const unknownTtl = resultOf<{ TTL: number }>(await socket.call({ id: 9, op: 'lease_time_to_live', body: { ID: 999 } }));
    assert.equal(unknownTtl.TTL, -1);
    const minimum = resultOf<{ TTL: number }>(await socket.call({ id: 10, op: 'lease_grant', body: { TTL: 0, ID: 8 } }));
    assert.equal(minimum.TTL, minLeaseTtlSeconds(ELECTION_MS), 'raised to 1.5 election timeouts, in whole seconds');
    assert.equal(member.status().revision, revision, 'lease grants do not move the revision');
  });
});

/** Malformed lease requests with an id, and the error each must get. */
const MALFORMED: { name: string; frame: Record<string, unknown>; message: RegExp }[] = [
  { name: 'grant without body', frame: { op: 'lease_grant' }, message: /lease_grant must be a map/ },
  { name: 'grant TTL as text', frame: { op: 'lease_grant', body: { TTL: '60' } }, message: /lease_grant\.TTL must be an integer/ },
  { name: 'grant fractional TTL', frame: { op: 'lease_grant', body: { TTL: 1.5 } }, message: /lease_grant\.TTL must be an integer/ },
  { name: 'grant ID as bytes', frame: { op: 'lease_grant', body: { TTL: 60, ID: b('7') } }, message: /lease_grant\.ID must be an integer/ },
  { name: 'grant ID beyond 2^53', frame: { op: 'lease_grant', body: { TTL: 60, ID: 2 ** 60 } }, message: /lease_grant\.ID must be an integer/ },
  { name: 'grant lower-case ttl', frame: { op: 'lease_grant', body: { ttl: 60 } }, message: /lease_grant has unknown field "ttl"/ },
  { name: 'revoke body not a map', frame: { op: 'lease_revoke', body: 7 }, message: /lease_revoke must be a map/ },
  { name: 'revoke ID as text', frame: { op: 'lease_revoke', body: { ID: '7' } }, message: /lease_revoke\.ID must be an integer/ },
  { name: 'keep-alive body as list', frame: { op: 'lease_keep_alive', body: [7] }, message: /lease_keep_alive must be a map/ },
  { name: 'keep-alive ID as boolean', frame: { op: 'lease_keep_alive', body: { ID: true } }, message: /lease_keep_alive\.ID must be an integer/ },
  { name: 'keep-alive lower-case id', frame: { op: 'lease_keep_alive', body: { id: 7 } }, message: /lease_keep_alive has unknown field "id"/ },
  { name: 'time-to-live keys as number', frame: { op: 'lease_time_to_live', body: { ID: 7, keys: 1 } }, message: /lease_time_to_live\.keys must be a boolean/ },
  { name: 'time-to-live ID fractional', frame: { op: 'lease_time_to_live', body: { ID: 7.5 } }, message: /lease_time_to_live\.ID must be an integer/ },
  { name: 'leases with arguments', frame: { op: 'lease_leases', body: { limit: 1 } }, message: /lease_leases has unknown field "limit"/ },
  { name: 'leases body not a map', frame: { op: 'lease_leases', body: 'all' }, message: /lease_leases must be a map/ },
];

test('malformed lease requests get INVALID_ARGUMENT in the existing wording, change nothing, and keep the connection', { timeout: TIMEOUT_MS }, async () => {
  await withSocket(async (cluster, socket) => {
    const { member, lease: leaseServer } = await cluster.settledLeader();
    resultOf(await socket.call({ id: 1, op: 'lease_grant', body: { TTL: 60, ID: 7 } }));
    const before = member.status();
    const renewed = leaseServer.lessor.stats.renewed;
    let id = 100;
    for (const { name, frame, message } of MALFORMED) {
      const answer = await socket.call({ id: ++id, ...frame });
      assert.equal(answer.id, id, name);
      const error = errorOf(answer);
      assert.equal(error.code, GrpcCode.INVALID_ARGUMENT, name);
      assert.match(error.message, /^cairn: invalid request: /, name);
      assert.match(error.message, message, name);
    }
    const after = member.status();
    assert.equal(after.revision, before.revision, 'the revision did not move');
    assert.equal(after.commitIndex, before.commitIndex, 'nothing was proposed');
    assert.equal(leaseServer.lessor.stats.renewed, renewed, 'nothing was renewed');
    assert.deepEqual(leaseServer.lessor.ids(), [7], 'no lease was granted or revoked');
    const ttl = resultOf<{ TTL: number }>(await socket.call({ id: 2, op: 'lease_time_to_live', body: { ID: 7 } }));
    assert.ok(ttl.TTL > 0, 'the connection still serves, and the lease is untouched');
  });
});

test('keep-alives are pipelined: a burst on one connection is answered request by request, by id', { timeout: TIMEOUT_MS }, async () => {
  await withSocket(async (cluster, socket) => {
    const { lease: leaseServer } = await cluster.settledLeader();
    resultOf(await socket.call({ id: 1, op: 'lease_grant', body: { TTL: 30, ID: 10 } }));
    resultOf(await socket.call({ id: 2, op: 'lease_grant', body: { TTL: 40, ID: 11 } }));
    const renewed = leaseServer.lessor.stats.renewed;
    const BURST = 200;
    // Ids 10 and 11 exist; 12 does not.
    const leaseOf = (requestId: number): number => 10 + (requestId % 3);
    socket.sendBatch(Array.from({ length: BURST }, (_, i) => ({ id: 1000 + i, op: 'lease_keep_alive', body: { ID: leaseOf(1000 + i) } })));
    const seen = new Set<number>();
    for (let i = 0; i < BURST; i++) {
      const answer = await socket.next();
      const requestId = answer.id as number;
      assert.ok(requestId >= 1000 && requestId < 1000 + BURST && !seen.has(requestId), `answer ${requestId} once`);
      seen.add(requestId);
      const kept = resultOf<{ ID: number; TTL: number }>(answer);
      const expected = leaseOf(requestId);
      assert.deepEqual([kept.ID, kept.TTL], [expected, expected === 10 ? 30 : expected === 11 ? 40 : 0]);
    }
    const known = Array.from({ length: BURST }, (_, i) => leaseOf(1000 + i)).filter((lease) => lease !== 12).length;
    assert.equal(leaseServer.lessor.stats.renewed, renewed + known, 'every keep-alive of a known lease renewed it');
  });
});

test('a follower serves every lease op: keep-alive and time-to-live are forwarded to the leader, which renews', { timeout: TIMEOUT_MS }, async () => {
  const cluster = new WsCluster(3);
  await cluster.start();
  try {
    const leader = await cluster.settledLeader();
    const followerId = cluster.cluster.ids.find((id) => id !== leader.member.id)!;
    const socket = await RawSocket.open(cluster.wsUrl(followerId));
    try {
      const granted = resultOf<{ ID: number }>(await socket.call({ id: 1, op: 'lease_grant', body: { TTL: 60 } }));
      assert.equal(granted.header.member_id, followerId);
      // Summed over the members: under load the cluster may elect another leader meanwhile, and
      // whichever member leads is the one that renews.
      const renewals = (): number => [...cluster.cluster.members.values()].reduce((sum, m) => sum + m.lease.lessor.stats.renewed, 0);
      const renewed = renewals();
      const kept = resultOf<{ ID: number; TTL: number }>(await socket.call({ id: 2, op: 'lease_keep_alive', body: { ID: granted.ID } }));
      assert.deepEqual([kept.ID, kept.TTL, kept.header.member_id], [granted.ID, 60, followerId]);
      assert.equal(renewals(), renewed + 1, 'the leader renewed the lease, once');
      const ttl = resultOf<{ TTL: number; grantedTTL: number }>(await socket.call({ id: 3, op: 'lease_time_to_live', body: { ID: granted.ID } }));
      assert.equal(ttl.grantedTTL, 60);
      assert.ok(ttl.TTL > 55, `remaining ${ttl.TTL}`);
      const listed = resultOf<{ leases: { ID: number }[] }>(await socket.call({ id: 4, op: 'lease_leases' }));
      assert.deepEqual(listed.leases, [{ ID: granted.ID }]);
      resultOf(await socket.call({ id: 5, op: 'lease_revoke', body: { ID: granted.ID } }));
      // The follower answered once it applied the revoke; the leader renews a lease it still knows
      // until it applies it too (lease-server.ts renewHere), so ask once it has.
      await waitFor('every member to apply the revoke', () => [...cluster.cluster.members.values()].every((m) => !m.lease.lessor.has(granted.ID)));
      const gone = resultOf<{ TTL: number }>(await socket.call({ id: 6, op: 'lease_keep_alive', body: { ID: granted.ID } }));
      assert.equal(gone.TTL, 0);
    } finally {
      socket.close();
    }
  } finally {
    await cluster.close();
  }
});

test('an endpoint without a lease server answers the lease ops UNIMPLEMENTED, as gRPC without the Lease service', { timeout: TIMEOUT_MS }, async () => {
  const cluster = new WsCluster(1);
  await cluster.start();
  const running = await cluster.settledLeader();
  const app = await HttpApp.listen({ host: '127.0.0.1', port: 0, server: new EtcdServer({ member: running.member, kv: running.kv }) });
  const socket = await RawSocket.open(`ws://127.0.0.1:${app.port}/ws`);
  try {
    const ops = ['lease_grant', 'lease_revoke', 'lease_keep_alive', 'lease_time_to_live', 'lease_leases'];
    for (const [i, op] of ops.entries()) {
      assert.deepEqual(errorOf(await socket.call({ id: i + 1, op, body: { ID: 1, TTL: 10 } })),
        { code: GrpcCode.UNIMPLEMENTED, message: 'unknown service etcdserverpb.Lease' }, op);
    }
    assert.deepEqual(running.lease.lessor.ids(), []);
    resultOf(await socket.call({ id: 10, op: 'put', body: { key: b('k'), value: b('v') } }));
  } finally {
    socket.close();
    app.close();
    await cluster.close();
  }
});
