/**
 * Counters of one member's peer traffic. Drops are counted by reason, because a dropped Raft
 * message is normal (Raft retransmits) but a steady stream of one reason is a diagnosis.
 */
export type DropReason = 'queue_full' | 'unreachable' | 'too_large' | 'unknown_peer';

export interface PeerStats {
  messagesSent: number;
  framesSent: number;
  bytesSent: number;
  messagesReceived: number;
  framesReceived: number;
  bytesReceived: number;
  dropped: Record<DropReason, number>;
  /** Inbound connections refused: bad hello, wrong cluster, wrong member, oversized or malformed frames. */
  connectionsRefused: number;
}

export function newPeerStats(): PeerStats {
  return {
    messagesSent: 0, framesSent: 0, bytesSent: 0,
    messagesReceived: 0, framesReceived: 0, bytesReceived: 0,
    dropped: { queue_full: 0, unreachable: 0, too_large: 0, unknown_peer: 0 },
    connectionsRefused: 0,
  };
}
