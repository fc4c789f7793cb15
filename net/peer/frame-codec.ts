/**
 * Peer wire framing: a stream of length-prefixed msgpack frames over TCP.
 *
 *   +----------------------+-------------------------------+
 *   | u32 LE payload bytes | msgpack payload               |
 *   +----------------------+-------------------------------+
 *
 * The first frame a dialer sends is a Hello naming the cluster and both members (the receiver
 * authenticates the sender by it: see peer-identity.ts); every later frame is a batch (array) of
 * Raft messages, so one socket write carries everything queued in one
 * event-loop turn. A frame above the limit is a protocol error: the connection is closed rather
 * than an unbounded buffer being grown for it.
 */
import { Packr } from 'msgpackr';

export const FRAME_HEADER_BYTES = 4;

/** A frame larger than the receiver allows. */
export class FrameTooLargeError extends Error {
  constructor(readonly frameBytes: number, readonly frameBytesMax: number) {
    super(`peer frame of ${frameBytes} bytes exceeds the limit of ${frameBytesMax} bytes`);
  }
}

/** The first frame on every peer connection. */
export interface Hello {
  /** Identifies the cluster (derived from --initial-cluster-token); a mismatch is refused. */
  cluster: string;
  /** The cluster id (member-id.ts); a mismatch is refused. 0 on a membership query (see stream). */
  clusterId: number;
  /** The sender's member id: the connection speaks for this member and no other. */
  from: number;
  to: number;
  /** On a snapshot stream: the Raft term of the snapshot message, checked before any byte is written. */
  term?: number;
  /**
   * On a membership query: the asking member's own peer URLs. It knows no id yet, so it is
   * authenticated by them: one must be a current member's, and it must connect from that URL's host.
   */
  peerUrls?: string[];
  /**
   * Set on a connection that carries one snapshot transfer ('snapshot'), asks for the cluster's
   * membership ('members': a joining member that knows neither its id nor the others', so `from`
   * and `to` are 0 and it names its peerUrls instead), or carries a follower's lease requests to the leader ('lease': see
   * lease-forward.ts), instead of Raft message batches.
   */
  stream?: 'snapshot' | 'members' | 'lease';
}

/**
 * One packer for the process. Records (msgpackr's structure extension) with their definitions
 * inline in each frame: every frame decodes on its own, with no structure state shared between the
 * two ends, and measured ~1.4x faster than plain maps on MsgApp batches (bench/micro/peer-frame).
 * Structures shared between the ends can be faster still, at the price of keeping both ends' tables
 * in step across reconnects. Plain maps (PLAIN_PACKR's frames) decode as objects too.
 */
export const PEER_PACKR = new Packr({ useRecords: true, moreTypes: false, mapsAsObjects: true });

/**
 * Plain msgpack maps, for small frames sent often (forwarded keep-alives): a record's definition
 * travels inline in every frame, which costs more than it saves on a frame of one or two objects.
 * PEER_PACKR decodes both.
 */
export const PLAIN_PACKR = new Packr({ useRecords: false, moreTypes: false });

/** Encodes one frame: header and payload in a single buffer, ready for one socket write. */
export function encodeFrame(value: unknown, packr: Packr = PEER_PACKR): Buffer {
  const payload = packr.pack(value);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  payload.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Reassembles frames from arbitrary TCP chunks. Holds at most one partial frame, itself bounded
 * by frameBytesMax.
 */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly frameBytesMax: number) {}

  /** Feeds a chunk; returns the decoded values of every frame it completes, in order. */
  push(chunk: Buffer): unknown[] {
    let buffer = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const values: unknown[] = [];
    for (;;) {
      if (buffer.length < FRAME_HEADER_BYTES) break;
      const payloadBytes = buffer.readUInt32LE(0);
      if (payloadBytes > this.frameBytesMax) throw new FrameTooLargeError(payloadBytes, this.frameBytesMax);
      const frameBytes = FRAME_HEADER_BYTES + payloadBytes;
      if (buffer.length < frameBytes) break;
      values.push(PEER_PACKR.unpack(buffer.subarray(FRAME_HEADER_BYTES, frameBytes)));
      buffer = buffer.subarray(frameBytes);
    }
    // Copy the remainder so the (possibly large) chunk it came from can be collected.
    this.pending = buffer.length === 0 ? Buffer.alloc(0) : Buffer.from(buffer);
    return values;
  }
}

/** A Hello names at most this many peer URLs (etcd members have one or a few), each this long at most. */
export const HELLO_PEER_URLS_MAX = 16;
export const HELLO_PEER_URL_CHARS_MAX = 1024;

function isPeerUrlList(value: unknown): boolean {
  return Array.isArray(value) && value.length <= HELLO_PEER_URLS_MAX &&
    value.every((url) => typeof url === 'string' && url.length <= HELLO_PEER_URL_CHARS_MAX);
}

/** Checks that a decoded first frame is a well-formed Hello. */
export function isHello(value: unknown): value is Hello {
  if (typeof value !== 'object' || value === null) return false;
  const hello = value as Record<string, unknown>;
  return typeof hello.cluster === 'string' && Number.isSafeInteger(hello.clusterId) && Number.isSafeInteger(hello.from) &&
    Number.isSafeInteger(hello.to) && (hello.term === undefined || Number.isSafeInteger(hello.term)) &&
    (hello.peerUrls === undefined || isPeerUrlList(hello.peerUrls));
}
