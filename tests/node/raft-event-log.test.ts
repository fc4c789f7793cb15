import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordingLogger } from '../recording-logger.js';
import { RaftEventLog } from '../../engine/node/raft-event-log.js';
import { StateRole } from '../../engine/raft/raw-node.js';

test('role, term and leader changes are logged in etcd raft\'s words, and nothing when they stay', () => {
  const { logger, messages } = recordingLogger();
  const log = new RaftEventLog(0xa1, logger, 1);
  log.started();
  log.observe(StateRole.PreCandidate, 0, 1);
  log.observe(StateRole.Candidate, 0, 2);
  log.observe(StateRole.Leader, 0xa1, 2);
  log.observe(StateRole.Leader, 0xa1, 2);
  log.observe(StateRole.Follower, 0, 3);
  log.observe(StateRole.Follower, 0xb2, 3);
  log.observe(StateRole.Follower, 0xc3, 4);
  assert.deepEqual(messages, [
    'a1 became follower at term 1',
    'a1 became pre-candidate at term 1',
    'a1 became candidate at term 2',
    'a1 became leader at term 2',
    'raft.node: a1 elected leader a1 at term 2',
    'a1 became follower at term 3',
    'raft.node: a1 lost leader a1 at term 3',
    'raft.node: a1 elected leader b2 at term 3',
    'a1 became follower at term 4',
    'raft.node: a1 changed leader from b2 to c3 at term 4',
  ]);
});
