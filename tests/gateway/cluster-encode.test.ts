/** Expected strings are bodies real etcd 3.4.23's gateway sent for the same content. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeHashResponse, encodeMemberListResponse, encodeStatusResponse } from '../../net/http/gateway/cluster-encode.js';

const CLUSTER_ID = 324952591200643719n;
const MEMBER_ID = 3319814642761637952n;
/** A header whose every field is 0: jsonpb writes it as {}. */
const ZERO_HEADER = { cluster_id: 0, member_id: 0, revision: 0, raft_term: 0 };
const HEADER_JSON = `"header":{"cluster_id":"${CLUSTER_ID}","member_id":"${MEMBER_ID}","revision":"18","raft_term":"2"}`;

test('a member list writes the proto names (ID, peerURLs), ids as strings, and a header without revision', () => {
  assert.equal(encodeMemberListResponse({
    header: { cluster_id: CLUSTER_ID, member_id: MEMBER_ID, revision: 0, raft_term: 2 },
    members: [{ ID: MEMBER_ID, name: 'default', peerURLs: ['http://127.0.0.1:23800'], clientURLs: ['http://127.0.0.1:23790'], isLearner: false }],
  }), `{"header":{"cluster_id":"${CLUSTER_ID}","member_id":"${MEMBER_ID}","raft_term":"2"},`
    + `"members":[{"ID":"${MEMBER_ID}","name":"default","peerURLs":["http://127.0.0.1:23800"],"clientURLs":["http://127.0.0.1:23790"]}]}`);
});

test('a learner member is marked isLearner; a member without client URLs leaves them out', () => {
  assert.equal(encodeMemberListResponse({
    header: ZERO_HEADER, members: [{ ID: 1, name: '', peerURLs: ['http://a:2380'], clientURLs: [], isLearner: true }],
  }), '{"header":{},"members":[{"ID":"1","peerURLs":["http://a:2380"],"isLearner":true}]}');
});

test('a status response writes its lowerCamel proto names, 64-bit counters as strings, no empty errors', () => {
  assert.equal(encodeStatusResponse({
    header: { cluster_id: CLUSTER_ID, member_id: MEMBER_ID, revision: 18, raft_term: 2 },
    version: '3.4.23', dbSize: 20480, leader: MEMBER_ID, raftIndex: 26, raftTerm: 2, raftAppliedIndex: 26,
    errors: [], dbSizeInUse: 16384, isLearner: false,
  }), `{${HEADER_JSON},"version":"3.4.23","dbSize":"20480","leader":"${MEMBER_ID}","raftIndex":"26","raftTerm":"2",`
    + '"raftAppliedIndex":"26","dbSizeInUse":"16384"}');
});

test('status errors are a list of Go-escaped strings', () => {
  assert.equal(encodeStatusResponse({
    header: ZERO_HEADER, version: '3.4.23', dbSize: 0, leader: 0, raftIndex: 0, raftTerm: 0, raftAppliedIndex: 0,
    errors: ['memberID:1 alarm:NOSPACE <x>'], dbSizeInUse: 0,
  }), '{"header":{},"version":"3.4.23","errors":["memberID:1 alarm:NOSPACE \\u003cx\\u003e"]}');
});

test('a hash response writes the uint32 hash as a number', () => {
  assert.equal(encodeHashResponse({ header: { cluster_id: CLUSTER_ID, member_id: MEMBER_ID, revision: 18, raft_term: 2 }, hash: 2153381993 }),
    `{${HEADER_JSON},"hash":2153381993}`);
});
