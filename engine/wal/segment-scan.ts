/**
 * Verifies the frames of one segment file's bytes: walks the frames from offset 0, accepts a group
 * only when its COMMIT frame matches, and reports where the verified data ends and what lies after
 * it. Pure (no I/O) so replay and tests can run it over any buffer.
 *
 * Telling a torn tail from corruption: the worker writes a group and fdatasyncs it before it writes
 * the next, so only the LAST group of the LAST segment can ever be partially on disk. Damage that
 * is followed by a valid committed group therefore hit bytes that were once durable: corruption.
 * Damage with nothing valid after it is a torn tail, and is truncated.
 */
import {
  chainGroupCrc, COMMIT_FRAME_BYTES, computeFrameCrc, ENTRY_PAYLOAD_HEADER_BYTES, FRAME_HEADER_BYTES, FrameType,
  fixedPayloadBytes, frameBytes, framePayloadBytes, readCommit,
} from './frame.js';

/** What a walk over one segment found. */
export interface SegmentScan {
  /** Offsets of the frames of every committed group, in write order; COMMIT frames excluded. */
  frameOffsets: number[];
  /** lastBatchSeq of the first and last COMMIT frame (null when no group verified). */
  firstCommitSeq: number | null;
  lastCommitSeq: number | null;
  /** End of the last verified group: where the next group goes. */
  validEnd: number;
  /** The first offset at or after validEnd that does not hold a verified group, and why; null when clean. */
  damage: { offset: number; reason: string } | null;
  /** End (8-byte aligned) of the last non-zero byte in the segment; > validEnd means a dirty tail. */
  dirtyEnd: number;
}

const END_OF_FRAMES = 'end';
const ZERO_CHUNK = new Uint8Array(64 * 1024);

/**
 * Checks the frame at `offset`: returns null when it is sound, END_OF_FRAMES when no frame was ever
 * written there (a zero header or the end of the buffer), otherwise the reason it is bad.
 */
function checkFrame(bytes: Uint8Array, view: DataView, offset: number): string | null {
  if (offset + FRAME_HEADER_BYTES > bytes.length) return END_OF_FRAMES;
  if (view.getUint32(offset, true) === 0 && view.getUint32(offset + 4, true) === 0) return END_OF_FRAMES;
  const type = bytes[offset]!;
  if (type < FrameType.SegmentHeader || type > FrameType.Commit) return `unknown frame type ${type}`;
  const payloadBytes = framePayloadBytes(view, offset);
  if (offset + frameBytes(payloadBytes) > bytes.length) {
    return `frame of ${payloadBytes} payload bytes runs past the end of the segment`;
  }
  if (computeFrameCrc(bytes, view, offset) !== view.getUint32(offset + 4, true)) return 'frame checksum mismatch';
  const fixed = fixedPayloadBytes(type as FrameType);
  if (fixed !== null && payloadBytes !== fixed) return `frame type ${type} has ${payloadBytes} payload bytes, expected ${fixed}`;
  if (type === FrameType.Entry && payloadBytes < ENTRY_PAYLOAD_HEADER_BYTES) return `entry frame of ${payloadBytes} bytes`;
  if (type === FrameType.Snapshot) {
    const members = payloadBytes >= 24 ? view.getUint32(offset + 24, true) + view.getUint32(offset + 28, true) : -1;
    if (members < 0 || payloadBytes !== 24 + 8 * members) return `snapshot frame of ${payloadBytes} bytes`;
  }
  return null;
}

/** End (aligned to 8) of the last non-zero byte at or after `from`, or `from` when all zero. */
function findDirtyEnd(bytes: Uint8Array, from: number): number {
  let end = bytes.length;
  while (end > from) {
    const start = Math.max(from, end - ZERO_CHUNK.length);
    const chunk = bytes.subarray(start, end);
    if (Buffer.compare(chunk, ZERO_CHUNK.subarray(0, chunk.length)) !== 0) {
      let last = end - 1;
      while (bytes[last] === 0) last--;
      return Math.ceil((last + 1) / 8) * 8;
    }
    end = start;
  }
  return from;
}

/** True when [start, commitOffset) holds sound non-COMMIT frames whose chained checksum is `groupCrc`. */
function verifyGroup(bytes: Uint8Array, view: DataView, start: number, commitOffset: number, groupCrc: number): boolean {
  let crc = 0;
  let at = start;
  while (at < commitOffset) {
    if (checkFrame(bytes, view, at) !== null || bytes[at] === FrameType.Commit) return false;
    crc = chainGroupCrc(crc, bytes, at);
    at += frameBytes(framePayloadBytes(view, at));
  }
  return at === commitOffset && crc === groupCrc;
}

/**
 * True when a valid committed group lies at or after `from` (before `end`): proof that the bytes
 * at `from` were once durable, so damage there is corruption, not a torn tail.
 */
export function hasCommittedGroupAfter(bytes: Uint8Array, from: number, end = bytes.length): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = Math.ceil(from / 8) * 8; at + COMMIT_FRAME_BYTES <= end; at += 8) {
    if (bytes[at] !== FrameType.Commit || checkFrame(bytes, view, at) !== null) continue;
    const commit = readCommit(view, at);
    const start = at - commit.groupBytes;
    if (commit.groupBytes > 0 && start >= 0 && start % 8 === 0 &&
        verifyGroup(bytes, view, start, at, commit.groupCrc)) return true;
  }
  return false;
}

/** Walks and verifies every frame of a segment's bytes. */
export function scanSegment(bytes: Uint8Array): SegmentScan {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frameOffsets: number[] = [];
  const pending: number[] = [];
  let firstCommitSeq: number | null = null;
  let lastCommitSeq: number | null = null;
  let groupStart = 0;
  let groupCrc = 0;
  let at = 0;
  let damage: SegmentScan['damage'] = null;
  for (;;) {
    const problem = checkFrame(bytes, view, at);
    if (problem === END_OF_FRAMES) {
      if (pending.length > 0) damage = { offset: groupStart, reason: 'group has no commit frame' };
      break;
    }
    if (problem !== null) { damage = { offset: at, reason: problem }; break; }
    if (bytes[at] === FrameType.Commit) {
      const commit = readCommit(view, at);
      if (pending.length === 0 || commit.groupBytes !== at - groupStart || commit.groupCrc !== groupCrc) {
        damage = { offset: at, reason: 'commit frame does not match its group' };
        break;
      }
      if (lastCommitSeq !== null && commit.lastBatchSeq < lastCommitSeq) {
        damage = { offset: at, reason: `batch sequence goes back from ${lastCommitSeq} to ${commit.lastBatchSeq}` };
        break;
      }
      for (const offset of pending) frameOffsets.push(offset);
      pending.length = 0;
      firstCommitSeq ??= commit.lastBatchSeq;
      lastCommitSeq = commit.lastBatchSeq;
      groupStart = at + COMMIT_FRAME_BYTES;
      groupCrc = 0;
    } else {
      pending.push(at);
      groupCrc = chainGroupCrc(groupCrc, bytes, at);
    }
    at += frameBytes(framePayloadBytes(view, at));
  }
  const validEnd = groupStart;
  const dirtyEnd = findDirtyEnd(bytes, validEnd);
  if (damage === null && dirtyEnd > validEnd) damage = { offset: validEnd, reason: 'unreadable bytes after the last frame' };
  return { frameOffsets, firstCommitSeq, lastCommitSeq, validEnd, damage, dirtyEnd };
}
