/**
 * etcd's peer network metrics (rafthttp/metrics.go) from the peer transport: bytes each way by
 * peer, whether each peer is connected, probe round trips; and cairn's refused-connection and
 * dropped-message counters by reason (net/peer/peer-stats.ts), for a peer port under attack or a
 * misconfigured member.
 */
import type { Member } from '../../../engine/node/member.js';
import { memberIdHex } from './member-metrics.js';
import type { MetricRegistry } from './registry.js';

export function registerNetworkMetrics(registry: MetricRegistry, member: Member): void {
  const local = memberIdHex(member.id);
  registry.counterVecFunc('etcd_network_peer_sent_bytes_total', 'The total number of bytes sent to peers.',
    () => member.peerTraffic().map((peer) => ({ labels: [['To', memberIdHex(peer.id)]], value: peer.bytesSent })));
  registry.counterVecFunc('etcd_network_peer_received_bytes_total', 'The total number of bytes received from peers.',
    () => member.peerTraffic().map((peer) => ({ labels: [['From', memberIdHex(peer.id)]], value: peer.bytesReceived })));
  registry.gaugeVecFunc('etcd_network_active_peers', 'The current number of active peer connections.',
    () => member.peerTraffic().map((peer) => ({ labels: [['Local', local], ['Remote', memberIdHex(peer.id)]], value: peer.active ? 1 : 0 })));
  registry.histogramVecFunc('etcd_network_peer_round_trip_time_seconds', 'Round-Trip-Time histogram between peers',
    () => member.peerTraffic().map((peer) => ({ labels: [['To', memberIdHex(peer.id)]], histogram: peer.roundTripSeconds })));
  registry.counterFuncByLabel('cairn_peer_connections_refused_total',
    'Inbound peer connections refused, by reason (not a member, wrong cluster, forged sender, ...).', 'reason',
    () => member.peerStats().refused);
  registry.counterFuncByLabel('cairn_peer_messages_dropped_total', 'Raft messages to peers dropped before sending, by reason.', 'reason',
    () => member.peerStats().dropped);
}
