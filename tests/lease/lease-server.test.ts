/**
 * LeaseServer's ordering guarantee, with the apply held back by the test: a keep-alive waits until
 * everything committed when it arrived has applied, so a revoke acknowledged before it is seen.
 * A real member applies too quickly to hold it back, so the member here is scripted: its commit
 * and applied indexes and its apply wait are the test's to move. Also: ids are etcd's int64s, so
 * a negative id is taken as given; only id 0 is no lease.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEEPALIVE_WINDOW_MS } from '../../engine/lease/keepalive-batcher.js';
import { LeaseServer } from '../../engine/lease/lease-server.js';
import type { LeadershipObserver, Member } from '../../engine/node/member.js';
import type { KvServer } from '../../engine/node/kv-server.js';
import type { MvccReader } from '../../engine/mvcc/store.js';
import type { InternalRequest } from '../../engine/mvcc/request.js';
import type { StoreRead } from '../../engine/mvcc/apply-protocol.js';
import { ErrLeaseNotFound } from '../../engine/errors.js';
import { StateRole } from '../../engine/raft/raw-node.js';

/** The id the scripted member picks for a grant of id 0. */
const PICKED_ID = 4242;

/** A leader whose applied index moves only when the test says so. */
function scriptedLeader(commitIndex: number, appliedIndex: number, leaseKeys: (id: number) => Buffer[] = () => []) {
  const waits: { index: number; resolve: () => void }[] = [];
  const state = { commitIndex, appliedIndex };
  const proposals: InternalRequest[] = [];
  const member = {
    options: { electionTimeoutMs: 1000 },
    status: () => ({ role: StateRole.Leader, leader: 1, commitIndex: state.commitIndex }),
    // It leads throughout: no role change to report.
    observeLeadership: () => {},
    newId: () => PICKED_ID,
    // Proposals are recorded and answered as the store would apply them; nothing is applied.
    propose: (request: InternalRequest) => {
      proposals.push(request);
      return Promise.resolve({ revision: 1, response: 'lease_grant' in request ? { ...request.lease_grant, error: '' } : {} });
    },
    readIndex: <T>(read: () => T) => Promise.resolve(read()),
    checkServing: () => {},
    applier: {
      get appliedIndex() { return state.appliedIndex; },
      revision: 1,
      waitApplied: (index: number) => (index <= state.appliedIndex ? Promise.resolve()
        : new Promise<void>((resolve) => { waits.push({ index, resolve }); })),
      read: (read: StoreRead) => Promise.resolve(read.op === 'lease_keys' ? leaseKeys(read.id) : undefined),
    },
  } as unknown as Member;
  const applyTo = (index: number): void => {
    state.appliedIndex = index;
    for (const wait of waits.splice(0)) {
      if (wait.index <= index) wait.resolve();
      else waits.push(wait);
    }
  };
  return { member, state, waits, applyTo, proposals };
}

const reader = { leases: () => ({ leases: [], appliedIndex: 0 }) } as unknown as MvccReader;
const kv = { header: (revision: number) => ({ cluster_id: 1, member_id: 1, revision, raft_term: 1 }) } as unknown as KvServer;

test('a keep-alive waits for the committed revoke to apply, then answers TTL 0', async () => {
  const leader = scriptedLeader(10, 9);
  const server = new LeaseServer(leader.member, reader, kv, { minTtlSeconds: 2, electionTimeoutMs: 1000 });
  try {
    server.onApplied({ index: 5, revision: 1, events: [], lease: { granted: { ID: 7, TTL: 60 } } });
    // The revoke is entry 10: committed (acknowledged to its client), not yet applied here.
    let answered: number | undefined;
    const keepAlive = server.keepAlive(7).then((response) => { answered = response.TTL; });
    await new Promise((resolve) => setTimeout(resolve, KEEPALIVE_WINDOW_MS + 20));
    assert.equal(answered, undefined, 'no answer while a committed entry is unapplied');
    server.onApplied({ index: 10, revision: 2, events: [], lease: { revoked: 7 } });
    leader.applyTo(10);
    await keepAlive;
    assert.equal(answered, 0);
  } finally {
    server.close();
  }
});

test('keep-alives arriving while the apply lags share one wait, and renew once it catches up', async () => {
  const leader = scriptedLeader(10, 9);
  const server = new LeaseServer(leader.member, reader, kv, { minTtlSeconds: 2, electionTimeoutMs: 1000 });
  try {
    server.onApplied({ index: 5, revision: 1, events: [], lease: { granted: { ID: 7, TTL: 60 } } });
    const answers = Promise.all(Array.from({ length: 100 }, () => server.keepAlive(7)));
    await new Promise((resolve) => setTimeout(resolve, KEEPALIVE_WINDOW_MS + 20));
    assert.equal(leader.waits.length, 1, 'one wait for all of them');
    leader.applyTo(10);
    assert.deepEqual(new Set((await answers).map((r) => r.TTL)), new Set([60]));
    // Nothing is unapplied now: a keep-alive answers without waiting at all.
    assert.equal((await server.keepAlive(7)).TTL, 60);
    assert.equal(leader.waits.length, 0);
  } finally {
    server.close();
  }
});

test('a batch of keep-alives renews in order with one header; unknown leases answer TTL 0', async () => {
  const leader = scriptedLeader(10, 10);
  const server = new LeaseServer(leader.member, reader, kv, { minTtlSeconds: 2, electionTimeoutMs: 1000 });
  try {
    server.onApplied({ index: 5, revision: 1, events: [], lease: { granted: { ID: 7, TTL: 60 } } });
    server.onApplied({ index: 6, revision: 1, events: [], lease: { granted: { ID: 8, TTL: 30 } } });
    const [first, second] = await Promise.all([server.keepAliveMany([8, 9, 7]), server.keepAliveMany([7])]);
    assert.deepEqual(first.ttls, [30, 0, 60]);
    assert.deepEqual(second.ttls, [60]);
    assert.equal(first.header.revision, 1);
    assert.equal(server.lessor.stats.renewed, 3);
  } finally {
    server.close();
  }
});

test('a negative id is granted, renewed, listed and revoked as given; only id 0 is picked by the member, and revoking it is "not found"', async () => {
  // The store holds key "a" on lease -5.
  const leader = scriptedLeader(10, 10, (id) => (id === -5 ? [Buffer.from('a')] : []));
  const server = new LeaseServer(leader.member, reader, kv, { minTtlSeconds: 2, electionTimeoutMs: 1000 });
  try {
    assert.equal((await server.grant({ TTL: 30, ID: -5 })).ID, -5);
    assert.equal((await server.grant({ TTL: 30, ID: 0 })).ID, PICKED_ID);
    server.onApplied({ index: 11, revision: 1, events: [], lease: { granted: { ID: -5, TTL: 30 } } });
    server.onApplied({ index: 12, revision: 1, events: [], lease: { granted: { ID: 1, TTL: 30 } } });
    assert.deepEqual((await server.leases()).leases, [{ ID: -5 }, { ID: 1 }]);
    const live = await server.timeToLive({ ID: -5, keys: true });
    assert.deepEqual([live.ID, live.grantedTTL, live.keys], [-5, 30, [Buffer.from('a')]]);
    assert.ok(live.TTL === 29 || live.TTL === 30, `remaining ${live.TTL}`);
    assert.equal((await server.keepAlive(-5)).TTL, 30);
    await server.revoke({ ID: -5 });
    await assert.rejects(server.revoke({ ID: 0 }), ErrLeaseNotFound);
    assert.deepEqual(leader.proposals, [
      { lease_grant: { ID: -5, TTL: 30 } }, { lease_grant: { ID: PICKED_ID, TTL: 30 } }, { lease_revoke: { ID: -5 } },
    ], 'revoking id 0 proposes nothing');
  } finally {
    server.close();
  }
});

test('the lease server follows the role and leader the member reports: it forwards to the leader it was told of, and renews itself once told it leads', async () => {
  const scripted = scriptedLeader(10, 10);
  let report: LeadershipObserver = () => {};
  // status() keeps saying what it said at the start: what changes after that comes by the observer alone.
  Object.assign(scripted.member, {
    status: () => ({ role: StateRole.Follower, leader: 2, commitIndex: 10 }),
    observeLeadership: (observer: LeadershipObserver) => { report = observer; },
  });
  const server = new LeaseServer(scripted.member, reader, kv, { minTtlSeconds: 2, electionTimeoutMs: 1000 });
  const forwarded: { leaderId: number; ids: number[] }[] = [];
  server.setForwarder({
    keepAlives: (leaderId, ids) => { forwarded.push({ leaderId, ids }); return Promise.resolve(ids.map(() => 5)); },
    timeToLive: () => Promise.reject(new Error('not asked')),
  });
  try {
    server.onApplied({ index: 5, revision: 1, events: [], lease: { granted: { ID: 7, TTL: 60 } } });
    assert.deepEqual((await server.keepAliveMany([7])).ttls, [5]);
    report(StateRole.Follower, 3);
    assert.deepEqual((await server.keepAliveMany([7])).ttls, [5]);
    assert.deepEqual(forwarded, [{ leaderId: 2, ids: [7] }, { leaderId: 3, ids: [7] }]);
    report(StateRole.Leader, 1);
    assert.deepEqual((await server.keepAliveMany([7])).ttls, [60], 'renewed by its own lessor');
    assert.equal(server.lessor.isPrimary, true);
    report(StateRole.Follower, 3);
    assert.deepEqual((await server.keepAliveMany([7])).ttls, [5]);
    assert.equal(server.lessor.isPrimary, false, 'demoted once it no longer leads');
    assert.equal(forwarded.length, 3);
  } finally {
    server.close();
  }
});
