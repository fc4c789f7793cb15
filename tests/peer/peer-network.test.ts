/**
 * TcpPeerNetwork.discoverPeers: a member that fell behind while others joined asks a known peer
 * for the membership and adds the members it did not know, so their messages (a new leader's)
 * are no longer refused. Only a known peer is asked, and only for this member's own peer URL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpPeerNetwork } from '../../net/peer/peer-network.js';

const CLUSTER = { clusterToken: 'discover', clusterId: 7 };

test('a member asks a known peer for the membership and adds the members it did not know', async () => {
  const lagging = await TcpPeerNetwork.listen({ localId: 1, ...CLUSTER, listen: { host: '127.0.0.1', port: 0 }, peers: new Map() });
  const laggingUrl = lagging.localUrl();
  const members = [
    { id: 1, name: 'm1', peer_urls: [laggingUrl], client_urls: [], is_learner: false },
    { id: 2, name: 'm2', peer_urls: ['http://127.0.0.1:1'], client_urls: [], is_learner: false },
    { id: 9, name: 'm9', peer_urls: ['http://127.0.0.1:9'], client_urls: [], is_learner: false },
  ];
  const known = await TcpPeerNetwork.listen({
    localId: 2, ...CLUSTER, listen: { host: '127.0.0.1', port: 0 }, peers: new Map(),
    answerMembersQuery: () => ({ cluster_id: CLUSTER.clusterId, members }),
    isMemberPeerUrl: (url) => members.some((member) => member.peer_urls.includes(url)),
  });
  try {
    lagging.setPeerAddress(2, known.address());
    assert.deepEqual(lagging.peerIds(), [2]);
    await lagging.discoverPeers();
    assert.deepEqual(lagging.addressOf(9), { host: '127.0.0.1', port: 9 });
    assert.deepEqual(lagging.peerIds().sort(), [2, 9]);
    assert.deepEqual(lagging.addressOf(2), known.address(), 'a known peer keeps its address');
  } finally {
    await lagging.close();
    await known.close();
  }
});

test('an answer for another cluster, or to a member that is not one, adds nothing', async () => {
  const lagging = await TcpPeerNetwork.listen({ localId: 1, ...CLUSTER, listen: { host: '127.0.0.1', port: 0 }, peers: new Map() });
  const stranger = [{ id: 9, name: 'm9', peer_urls: ['http://127.0.0.1:9'], client_urls: [], is_learner: false }];
  const otherCluster = await TcpPeerNetwork.listen({
    localId: 2, ...CLUSTER, listen: { host: '127.0.0.1', port: 0 }, peers: new Map(),
    answerMembersQuery: () => ({ cluster_id: CLUSTER.clusterId + 1, members: stranger }),
    isMemberPeerUrl: () => true,
  });
  const refusing = await TcpPeerNetwork.listen({
    localId: 3, ...CLUSTER, listen: { host: '127.0.0.1', port: 0 }, peers: new Map(),
    answerMembersQuery: () => ({ cluster_id: CLUSTER.clusterId, members: stranger }),
    isMemberPeerUrl: () => false,
  });
  try {
    lagging.setPeerAddress(2, otherCluster.address());
    lagging.setPeerAddress(3, refusing.address());
    await lagging.discoverPeers();
    assert.equal(lagging.addressOf(9), undefined);
    assert.deepEqual(lagging.peerIds().sort(), [2, 3]);
  } finally {
    await lagging.close();
    await otherCluster.close();
    await refusing.close();
  }
});
