/**
 * The lessor on an injected clock: who expires when, and why leader changes and stalls never
 * mass-expire leases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHECKPOINT_INTERVAL_MS_DEFAULT, LEASE_REVOKE_PER_SECOND, Lessor, REVOKE_RETRY_MS } from '../../engine/lease/lessor.js';

const CHECK_MS = 500;
const EXTEND_MS = 1000;

function lessor(checkpointIntervalMs = CHECKPOINT_INTERVAL_MS_DEFAULT): Lessor {
  return new Lessor({ minTtlSeconds: 2, extendMs: EXTEND_MS, checkIntervalMs: CHECK_MS, checkpointIntervalMs });
}

let appliedIndex = 1_000_000;

/**
 * Runs the primary's check every CHECK_MS from `fromMs` to `toMs`; returns what expired when.
 * With `applyRevokes`, each revoke handed out applies at once, as it would through Raft.
 */
function runChecks(l: Lessor, fromMs: number, toMs: number, applyRevokes = true): { id: number; atMs: number }[] {
  const expired: { id: number; atMs: number }[] = [];
  for (let now = fromMs; now <= toMs; now += CHECK_MS) {
    for (const id of l.check(now).expired) {
      expired.push({ id, atMs: now });
      if (applyRevokes) l.onApplied(appliedIndex++, { revoked: id }, now);
    }
  }
  return expired;
}

test('a grant below the minimum TTL gets the minimum', () => {
  assert.equal(lessor().grantedTtl(1), 2);
  assert.equal(lessor().grantedTtl(60), 60);
});

test('on the leader a lease expires after its TTL unless renewed', () => {
  const l = lessor();
  l.promote(0);
  l.onApplied(1, { granted: { ID: 7, TTL: 5 } }, 0);
  l.onApplied(2, { granted: { ID: 8, TTL: 5 } }, 0);
  assert.deepEqual(runChecks(l, 500, 4500), []);
  assert.deepEqual(l.renew(8, 4500), { ttl: 5, resetCheckpoint: false });
  const expired = runChecks(l, 5000, 12_000);
  assert.deepEqual(expired, [{ id: 7, atMs: 5000 }, { id: 8, atMs: 9500 }]);
});

test('followers never expire leases; renew refuses to run there', () => {
  const l = lessor();
  l.onApplied(1, { granted: { ID: 7, TTL: 2 } }, 0);
  assert.deepEqual(runChecks(l, 0, 60_000), []);
  assert.throws(() => l.renew(7, 0), /not the leader/);
});

test('a new leader gives every lease its whole TTL plus an election timeout', () => {
  const l = lessor();
  l.onApplied(1, { granted: { ID: 7, TTL: 10 } }, 0);
  // Leadership arrives long after the grant (the old leader's clock is not known here).
  l.promote(100_000);
  assert.deepEqual(runChecks(l, 100_000, 110_500), []);
  assert.deepEqual(runChecks(l, 111_000, 111_000), [{ id: 7, atMs: 111_000 }]);
});

test('a new leader resumes from the checkpointed remaining TTL, not the whole TTL', () => {
  const l = lessor();
  l.onApplied(1, { granted: { ID: 7, TTL: 3600 } }, 0);
  l.onApplied(2, { checkpoints: [{ ID: 7, remaining_TTL: 20 }] }, 0);
  l.promote(0);
  assert.equal(l.remainingSeconds(7, 0), 21);
  assert.deepEqual(runChecks(l, 0, 21_000), [{ id: 7, atMs: 21_000 }]);
});

test('the leader checkpoints long leases every interval, and a renew resets a checkpoint in force', () => {
  const l = lessor(10_000);
  l.promote(0);
  l.onApplied(1, { granted: { ID: 7, TTL: 60 } }, 0);
  l.onApplied(2, { granted: { ID: 8, TTL: 5 } }, 0);
  for (let now = 500; now < 10_000; now += CHECK_MS) assert.deepEqual(l.check(now).checkpoints, []);
  // Only the lease longer than the interval is checkpointed, with what it has left.
  assert.deepEqual(l.check(10_000).checkpoints, [{ ID: 7, remaining_TTL: 50 }]);
  l.onApplied(3, { checkpoints: [{ ID: 7, remaining_TTL: 50 }] }, 10_000);
  assert.deepEqual(l.renew(7, 12_000), { ttl: 60, resetCheckpoint: true });
});

test('a stalled check does not expire leases that keep-alives may still be renewing', () => {
  const l = lessor();
  l.promote(0);
  l.onApplied(1, { granted: { ID: 7, TTL: 5 } }, 0);
  l.check(500);
  // The process was paused for 20 s: the next check runs far later than its interval.
  assert.deepEqual(l.check(20_500).expired, []);
  // A keep-alive queued during the stall arrives and renews it: 5 s from 20.6 s.
  assert.equal(l.renew(7, 20_600)?.ttl, 5);
  assert.deepEqual(runChecks(l, 21_000, 25_500), []);
  assert.deepEqual(runChecks(l, 26_000, 26_000), [{ id: 7, atMs: 26_000 }]);
});

test('without a keep-alive a lease still expires after a stall, an election timeout later than its pushed-out time', () => {
  const l = lessor();
  l.promote(0);
  l.onApplied(1, { granted: { ID: 7, TTL: 5 } }, 0);
  l.check(500);
  assert.deepEqual(l.check(20_500).expired, []);
  // Expiry moved out by the stall (20 s) plus an election timeout: 5 s + 20 s + 1 s.
  assert.deepEqual(runChecks(l, 21_000, 30_000), [{ id: 7, atMs: 26_000 }]);
});

test('revokes are handed out at the revoke rate, and one not applied is retried later', () => {
  const l = lessor();
  l.promote(0);
  const count = 2 * LEASE_REVOKE_PER_SECOND;
  for (let id = 1; id <= count; id++) l.onApplied(id, { granted: { ID: id, TTL: 2 } }, 0);
  runChecks(l, 500, 2000, false);
  const first = l.check(2500).expired;
  assert.equal(first.length, LEASE_REVOKE_PER_SECOND / 2, 'a 500 ms check hands out half a second\'s worth');
  const second = l.check(3000).expired;
  assert.equal(new Set([...first, ...second]).size, first.length + second.length, 'nothing handed out twice');
  // Nothing applied the revokes: the first ones come back after the retry interval.
  const later = runChecks(l, 3500, 2500 + REVOKE_RETRY_MS, false).map((e) => e.id);
  assert.ok(later.includes(first[0]!));
  l.onApplied(count + 1, { revoked: first[0]! }, 0);
  assert.equal(l.has(first[0]!), false);
});

test('results already in the loaded state are not applied twice', () => {
  const l = lessor();
  l.load([{ id: 7, ttl: 10, remainingTtl: 0 }], 5);
  l.onApplied(4, { revoked: 7 }, 0);
  assert.equal(l.has(7), true);
  l.onApplied(6, { revoked: 7 }, 0);
  assert.equal(l.has(7), false);
});

test('demotion stops the clocks', () => {
  const l = lessor();
  l.promote(0);
  l.onApplied(1, { granted: { ID: 7, TTL: 2 } }, 0);
  l.demote();
  assert.deepEqual(l.check(10_000).expired, []);
  assert.equal(l.remainingSeconds(7, 10_000), 2);
});
