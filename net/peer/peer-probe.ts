/**
 * Round-trip probes between members, for etcd_network_peer_round_trip_time_seconds. etcd probes
 * every peer over HTTP every few seconds; here a sender writes a small `{ probe: n }` frame on its
 * connection every PROBE_INTERVAL_MS and the receiver answers `{ probeAck: n }` on the same
 * connection (as it answers `{ removed: true }`). The probe rides behind the Raft messages already
 * written on that connection, so it measures what a heartbeat would wait, not an idle path.
 */

/** etcd's proberInterval: its connection read timeout (5 s) less one second. */
export const PROBE_INTERVAL_MS = 4000;

export interface ProbeFrame {
  probe: number;
}

export interface ProbeAckFrame {
  probeAck: number;
}

export function isProbe(frame: unknown): frame is ProbeFrame {
  return typeof frame === 'object' && frame !== null && !Array.isArray(frame) && typeof (frame as ProbeFrame).probe === 'number';
}

export function isProbeAck(frame: unknown): frame is ProbeAckFrame {
  return typeof frame === 'object' && frame !== null && typeof (frame as ProbeAckFrame).probeAck === 'number';
}
