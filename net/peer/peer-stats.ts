/**
 * Counters of one member's peer traffic. Drops are counted by reason, because a dropped Raft
 * message is normal (Raft retransmits) but a steady stream of one reason is a diagnosis. Refused
 * connections are counted by reason too: a peer port under attack looks different from a
 * misconfigured member.
 */
export type DropReason = 'queue_full' | 'unreachable' | 'too_large' | 'unknown_peer';

/**
 * Why an inbound connection was refused:
 * - malformed: no Hello first, an oversized or undecodable frame, or a message of the wrong shape;
 * - wrong_cluster: the Hello names another cluster (token or cluster id);
 * - wrong_member: the Hello is addressed to another member, or claims to come from this one;
 * - not_a_member: the sender's id is not a current member;
 * - wrong_address: the sender's id is a member known at another address;
 * - removed: the sender was removed from the cluster (it is told so);
 * - forged_sender: a message's `from` is not the member the connection authenticated as;
 * - stream_refused: the member refused the stream (a snapshot not from the leader of its term,
 *   one already being received, a lease request with nobody to answer it).
 */
export type RefusalReason = 'malformed' | 'wrong_cluster' | 'wrong_member' | 'not_a_member' | 'wrong_address' | 'removed' |
  'forged_sender' | 'stream_refused';

export interface PeerStats {
  messagesSent: number;
  framesSent: number;
  bytesSent: number;
  messagesReceived: number;
  framesReceived: number;
  bytesReceived: number;
  dropped: Record<DropReason, number>;
  /** Inbound connections refused, whatever the reason (the sum of `refused`). */
  connectionsRefused: number;
  refused: Record<RefusalReason, number>;
}

export function newPeerStats(): PeerStats {
  return {
    messagesSent: 0, framesSent: 0, bytesSent: 0,
    messagesReceived: 0, framesReceived: 0, bytesReceived: 0,
    dropped: { queue_full: 0, unreachable: 0, too_large: 0, unknown_peer: 0 },
    connectionsRefused: 0,
    refused: {
      malformed: 0, wrong_cluster: 0, wrong_member: 0, not_a_member: 0, wrong_address: 0, removed: 0, forged_sender: 0,
      stream_refused: 0,
    },
  };
}
