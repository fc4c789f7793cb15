/**
 * etcd's peer network metrics (rafthttp/metrics.go) from the peer transport: bytes each way by
 * peer, whether each peer is connected, probe round trips; and cairn's refused-connection and
 * dropped-message counters by reason (net/peer/peer-stats.ts), for a peer port under attack or a
 * misconfigured member.
 */
import type { Registry } from 'prom-client';
import type { TcpPeerNetwork } from '../../peer/peer-network.js';
import { counterByLabel, counterVecFunc, gaugeVecFunc } from './collected-metrics.js';
import { memberIdHex } from './member-metrics.js';
import { SnapshotHistogram } from './snapshot-histogram.js';

export function registerNetworkMetrics(registry: Registry, localId: number, network: TcpPeerNetwork): void {
  const local = memberIdHex(localId);
  counterVecFunc(registry, 'etcd_network_peer_sent_bytes_total', 'The total number of bytes sent to peers.', ['To'],
    () => network.peerTraffic().map((peer) => ({ labels: { To: memberIdHex(peer.id) }, value: peer.bytesSent })));
  counterVecFunc(registry, 'etcd_network_peer_received_bytes_total', 'The total number of bytes received from peers.', ['From'],
    () => network.peerTraffic().map((peer) => ({ labels: { From: memberIdHex(peer.id) }, value: peer.bytesReceived })));
  gaugeVecFunc(registry, 'etcd_network_active_peers', 'The current number of active peer connections.', ['Local', 'Remote'],
    () => network.peerTraffic().map((peer) => ({ labels: { Local: local, Remote: memberIdHex(peer.id) }, value: peer.active ? 1 : 0 })));
  SnapshotHistogram.register(registry, 'etcd_network_peer_round_trip_time_seconds', 'Round-Trip-Time histogram between peers',
    () => network.peerTraffic().map((peer) => ({ labels: { To: memberIdHex(peer.id) }, histogram: peer.roundTripSeconds })));
  counterByLabel(registry, 'cairn_peer_connections_refused_total',
    'Inbound peer connections refused, by reason (not a member, wrong cluster, forged sender, ...).', 'reason',
    () => network.peerStats().refused);
  counterByLabel(registry, 'cairn_peer_messages_dropped_total', 'Raft messages to peers dropped before sending, by reason.', 'reason',
    () => network.peerStats().dropped);
}
