/**
 * HTTP/2 framing (RFC 9113, 4.1 and 6) as far as the authority gate needs it: reading frames off
 * a client's byte stream, joining a header block's HEADERS and CONTINUATION fragments, and writing
 * a header block back as frames.
 *
 *   +-----------------------------------------------+
 *   |                 Length (24)                   |
 *   +---------------+---------------+---------------+
 *   |   Type (8)    |   Flags (8)   |
 *   +-+-------------+---------------+-------------------------------+
 *   |R|                 Stream Identifier (31)                      |
 *   +=+=============================================================+
 *   |                   Frame Payload (0...)                      ...
 */

export const FRAME_HEADER_BYTES = 9;
/** SETTINGS_MAX_FRAME_SIZE's initial value: what a peer takes until it says otherwise. */
export const FRAME_PAYLOAD_BYTES_DEFAULT = 16_384;

export const FRAME_DATA = 0x0;
export const FRAME_HEADERS = 0x1;
export const FRAME_PRIORITY = 0x2;
export const FRAME_SETTINGS = 0x4;
export const FRAME_WINDOW_UPDATE = 0x8;
export const FRAME_CONTINUATION = 0x9;

export const FLAG_END_STREAM = 0x1;
/** On SETTINGS and PING. */
export const FLAG_ACK = 0x1;
export const FLAG_END_HEADERS = 0x4;
export const FLAG_PADDED = 0x8;
export const FLAG_PRIORITY = 0x20;

/** A SETTINGS frame with no parameters: a valid server preface that declares only defaults. */
export const EMPTY_SETTINGS_FRAME = Buffer.from([0, 0, 0, FRAME_SETTINGS, 0, 0, 0, 0, 0]);

/** SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 6.5.2). */
const SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;

/**
 * A server preface SETTINGS frame declaring the stream limit the server will enforce (when it has
 * one), so a client that starts before the server's own SETTINGS arrive opens no more than that.
 */
export function prefaceSettingsFrame(maxConcurrentStreams?: number): Buffer {
  if (maxConcurrentStreams === undefined) return EMPTY_SETTINGS_FRAME;
  const frame = Buffer.alloc(9 + 6);
  frame.writeUIntBE(6, 0, 3);
  frame[3] = FRAME_SETTINGS;
  frame.writeUInt16BE(SETTINGS_MAX_CONCURRENT_STREAMS, 9);
  frame.writeUInt32BE(maxConcurrentStreams, 11);
  return frame;
}

/** One frame as read: its header fields and its whole bytes (header included). */
export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  /** The frame's bytes, header and payload. */
  bytes: Buffer;
}

/** The frame starting at `offset` of `input`, or null when it has not fully arrived. */
export function frameAt(input: Buffer, offset: number): Frame | null {
  if (input.length - offset < FRAME_HEADER_BYTES) return null;
  const length = input.readUIntBE(offset, 3);
  const end = offset + FRAME_HEADER_BYTES + length;
  if (end > input.length) return null;
  return {
    type: input[offset + 3]!,
    flags: input[offset + 4]!,
    streamId: input.readUInt32BE(offset + 5) & 0x7fffffff,
    bytes: input.subarray(offset, end),
  };
}

/** A header block joined from its frames, with what its HEADERS frame said besides. */
export interface HeaderBlock {
  streamId: number;
  endStream: boolean;
  /** The HEADERS frame's stream dependency and weight (5 bytes), when it carried them. */
  priority: Buffer | null;
  fragment: Buffer;
}

/** A header block's frames that do not fit HTTP/2: the peer answers PROTOCOL_ERROR. */
export class FramingError extends Error {}

/** Joins a HEADERS frame and its CONTINUATIONs (the last with END_HEADERS) into one block. */
export function joinHeaderBlock(frames: readonly Frame[]): HeaderBlock {
  const [headers, ...continuations] = frames;
  if (headers === undefined || headers.type !== FRAME_HEADERS) throw new FramingError('http2: a header block starts with HEADERS');
  let payload = headers.bytes.subarray(FRAME_HEADER_BYTES);
  if (headers.flags & FLAG_PADDED) {
    const padding = payload[0] ?? 0;
    if (payload.length < 1 + padding) throw new FramingError('http2: padding longer than the frame');
    payload = payload.subarray(1, payload.length - padding);
  }
  let priority: Buffer | null = null;
  if (headers.flags & FLAG_PRIORITY) {
    if (payload.length < 5) throw new FramingError('http2: HEADERS too short for its priority');
    priority = Buffer.from(payload.subarray(0, 5));
    payload = payload.subarray(5);
  }
  const fragments = [payload];
  for (const frame of continuations) {
    if (frame.type !== FRAME_CONTINUATION || frame.streamId !== headers.streamId) throw new FramingError('http2: a header block is cut by another frame');
    fragments.push(frame.bytes.subarray(FRAME_HEADER_BYTES));
  }
  return { streamId: headers.streamId, endStream: (headers.flags & FLAG_END_STREAM) !== 0, priority, fragment: Buffer.concat(fragments) };
}

/** Writes a header block as HEADERS (and CONTINUATIONs past `payloadBytesMax`), without padding. */
export function headerBlockFrames(block: HeaderBlock, payloadBytesMax = FRAME_PAYLOAD_BYTES_DEFAULT): Buffer {
  const content = block.priority === null ? block.fragment : Buffer.concat([block.priority, block.fragment]);
  const frames: Buffer[] = [];
  for (let offset = 0; offset === 0 || offset < content.length; offset += payloadBytesMax) {
    const payload = content.subarray(offset, offset + payloadBytesMax);
    const first = offset === 0;
    const last = offset + payloadBytesMax >= content.length;
    const flags = (last ? FLAG_END_HEADERS : 0) |
      (first && block.endStream ? FLAG_END_STREAM : 0) | (first && block.priority !== null ? FLAG_PRIORITY : 0);
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.writeUIntBE(payload.length, 0, 3);
    header[3] = first ? FRAME_HEADERS : FRAME_CONTINUATION;
    header[4] = flags;
    header.writeUInt32BE(block.streamId, 5);
    frames.push(header, payload);
  }
  return Buffer.concat(frames);
}
