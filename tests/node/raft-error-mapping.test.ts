/**
 * The Raft core's refusals reach clients as the errors etcd answers with, chosen by the typed
 * reason the core gives (never by parsing its message): no leader, a leader transfer, a full log
 * or too many pending ReadIndex requests, and a timeout for anything else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrLeaderChanged, ErrNoLeader, ErrTimeout, ErrTooManyRequests } from '../../engine/errors.js';
import { etcdErrorOf } from '../../engine/node/member.js';
import { errProposalDropped, errReadIndexDropped } from '../../engine/raft/errors.js';

test('each drop reason maps to etcd\'s error; no leader known is "no leader" whatever the reason', () => {
  const leader = 2;
  assert.equal(etcdErrorOf(null, leader), null);
  assert.equal(etcdErrorOf(errProposalDropped('no leader'), leader), ErrNoLeader);
  assert.equal(etcdErrorOf(errReadIndexDropped('no leader'), leader), ErrNoLeader);
  assert.equal(etcdErrorOf(errProposalDropped('leader transfer in progress'), leader), ErrLeaderChanged);
  assert.equal(etcdErrorOf(errProposalDropped('log too large'), leader), ErrTooManyRequests);
  assert.equal(etcdErrorOf(errReadIndexDropped('too many pending requests'), leader), ErrTooManyRequests);
  assert.equal(etcdErrorOf(errProposalDropped('conf change pending'), leader), ErrTimeout);
  assert.equal(etcdErrorOf(errReadIndexDropped('duplicate request context'), leader), ErrTimeout);
  assert.equal(etcdErrorOf(errProposalDropped('conf change pending'), 0), ErrNoLeader);
});
