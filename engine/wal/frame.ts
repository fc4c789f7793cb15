/**
 * The WAL's on-disk frame format: how entries, hard states, snapshot markers and commit frames
 * are laid out in a segment file. Both threads use it: the main thread encodes frames (with the
 * checksum left zero) straight into a ring record; the WAL worker fills in the checksums and
 * writes them; replay decodes and verifies them.
 *
 * Every frame starts on an 8-byte boundary and is a multiple of 8 bytes long:
 *
 *   byte 0      1                  4                   8
 *   +-----------+------------------+-------------------+----------------------------------+
 *   | type (u8) | length (u24, LE) | crc32c (u32, LE)  | payload, zero-padded to 8 bytes  |
 *   +-----------+------------------+-------------------+----------------------------------+
 *
 * - type: FrameType. A zero header means "no frame here" (preallocated, never-written space).
 * - length: payload bytes before padding (at most FRAME_PAYLOAD_BYTES_MAX).
 * - crc32c: covers header bytes 0..3 and the padded payload, so any flipped bit in the frame,
 *   padding included, is caught.
 *
 * Payloads (integers little-endian; u64 values are Raft indexes/terms/ids below 2^53):
 *
 *   SEGMENT_HEADER  magic u32 | version u32 | segment number u64                       (16 B)
 *   ENTRY           index u64 | term u64 | entry type u32 | reserved u32 | data ...     (24 B + data)
 *   HARD_STATE      term u64 | vote u64 | commit u64                                   (24 B)
 *   SNAPSHOT        index u64 | term u64 | voters u32 | learners u32 | ids u64 ...     (24 B + 8 B/member)
 *   COMMIT          group bytes u32 | group crc32c u32 | last batch seq u64            (16 B)
 *
 * Frames are written in groups: one group per fdatasync, ending with a COMMIT frame. A group holds
 * the frames of every batch the worker took in one go (group commit). The COMMIT frame names the
 * bytes of the group before it and a checksum chained over those frames' 8-byte headers (each of
 * which carries its own frame's CRC, so the chain covers every byte once). A group is valid only
 * if its COMMIT frame is present and matches: a torn write never yields a valid group.
 */
import { crc32c } from '../checksum/crc32c.js';
import type { ConfState, Entry, EntryType, HardState, SnapshotMeta } from '../raft/types.js';

/** What a frame holds. Zero is reserved for "never written". */
export enum FrameType {
  SegmentHeader = 1,
  Entry = 2,
  HardState = 3,
  Snapshot = 4,
  Commit = 5,
}

export const FRAME_HEADER_BYTES = 8;
export const FRAME_ALIGN_BYTES = 8;
/** The u24 length field bounds one frame's payload. */
export const FRAME_PAYLOAD_BYTES_MAX = (1 << 24) - 1;
export const ENTRY_PAYLOAD_HEADER_BYTES = 24;
export const HARD_STATE_PAYLOAD_BYTES = 24;
export const SEGMENT_HEADER_PAYLOAD_BYTES = 16;
export const COMMIT_PAYLOAD_BYTES = 16;
export const COMMIT_FRAME_BYTES = FRAME_HEADER_BYTES + COMMIT_PAYLOAD_BYTES;
/** "CWAL" read as a little-endian u32. */
export const SEGMENT_MAGIC = 0x4c415743;
export const SEGMENT_FORMAT_VERSION = 1;
/** Members in one snapshot marker; bounds the marker and so the segment header group. */
export const SNAPSHOT_MEMBERS_MAX = 4096;
const U32_SPAN = 0x1_0000_0000;

/** Rounds n up to the frame alignment. */
export function alignFrame(n: number): number {
  return Math.ceil(n / FRAME_ALIGN_BYTES) * FRAME_ALIGN_BYTES;
}

/** Bytes a frame with `payloadBytes` of payload occupies on disk. */
export function frameBytes(payloadBytes: number): number {
  return FRAME_HEADER_BYTES + alignFrame(payloadBytes);
}

/** Bytes the ENTRY frame of `entry` occupies. */
export function entryFrameBytes(entry: Entry): number {
  return frameBytes(ENTRY_PAYLOAD_HEADER_BYTES + entry.data.byteLength);
}

/** Bytes the HARD_STATE frame occupies. */
export const HARD_STATE_FRAME_BYTES = frameBytes(HARD_STATE_PAYLOAD_BYTES);

/** Bytes the SNAPSHOT frame of `meta` occupies. */
export function snapshotFrameBytes(meta: SnapshotMeta): number {
  return frameBytes(24 + 8 * (meta.confState.voters.length + meta.confState.learners.length));
}

/** Writes a non-negative integer below 2^53 as a little-endian u64. */
export function setU64(view: DataView, offset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`WAL field ${value} is not a u64 below 2^53`);
  view.setUint32(offset, value % U32_SPAN, true);
  view.setUint32(offset + 4, Math.floor(value / U32_SPAN), true);
}

/** Reads a little-endian u64 written by setU64 (values at or above 2^53 lose precision; callers bound them). */
export function getU64(view: DataView, offset: number): number {
  return view.getUint32(offset + 4, true) * U32_SPAN + view.getUint32(offset, true);
}

/** Writes a frame header with a zero checksum (sealFrame fills it) and returns the payload offset. */
function putHeader(view: DataView, offset: number, type: FrameType, payloadBytes: number): number {
  if (payloadBytes > FRAME_PAYLOAD_BYTES_MAX) {
    throw new RangeError(`WAL frame payload of ${payloadBytes} bytes exceeds ${FRAME_PAYLOAD_BYTES_MAX}`);
  }
  view.setUint32(offset, type | (payloadBytes << 8), true);
  view.setUint32(offset + 4, 0, true);
  // Padding must be zero: it is covered by the checksum and replay recomputes it.
  const end = offset + frameBytes(payloadBytes);
  for (let i = offset + FRAME_HEADER_BYTES + payloadBytes; i < end; i++) view.setUint8(i, 0);
  return offset + FRAME_HEADER_BYTES;
}

/** Encodes an ENTRY frame at `offset` (checksum unset) and returns the offset after it. */
export function putEntry(bytes: Uint8Array, view: DataView, offset: number, entry: Entry): number {
  const payload = putHeader(view, offset, FrameType.Entry, ENTRY_PAYLOAD_HEADER_BYTES + entry.data.byteLength);
  setU64(view, payload, entry.index);
  setU64(view, payload + 8, entry.term);
  view.setUint32(payload + 16, entry.type, true);
  view.setUint32(payload + 20, 0, true);
  bytes.set(entry.data, payload + ENTRY_PAYLOAD_HEADER_BYTES);
  return offset + entryFrameBytes(entry);
}

/** Encodes a HARD_STATE frame at `offset` (checksum unset) and returns the offset after it. */
export function putHardState(view: DataView, offset: number, hardState: HardState): number {
  const payload = putHeader(view, offset, FrameType.HardState, HARD_STATE_PAYLOAD_BYTES);
  setU64(view, payload, hardState.term);
  setU64(view, payload + 8, hardState.vote);
  setU64(view, payload + 16, hardState.commit);
  return offset + HARD_STATE_FRAME_BYTES;
}

/** Encodes a SNAPSHOT frame at `offset` (checksum unset) and returns the offset after it. */
export function putSnapshot(view: DataView, offset: number, meta: SnapshotMeta): number {
  const { voters, learners } = meta.confState;
  if (voters.length + learners.length > SNAPSHOT_MEMBERS_MAX) {
    throw new RangeError(`snapshot marker lists ${voters.length + learners.length} members, more than ${SNAPSHOT_MEMBERS_MAX}`);
  }
  const payload = putHeader(view, offset, FrameType.Snapshot, 24 + 8 * (voters.length + learners.length));
  setU64(view, payload, meta.index);
  setU64(view, payload + 8, meta.term);
  view.setUint32(payload + 16, voters.length, true);
  view.setUint32(payload + 20, learners.length, true);
  let at = payload + 24;
  for (const id of voters) { setU64(view, at, id); at += 8; }
  for (const id of learners) { setU64(view, at, id); at += 8; }
  return offset + snapshotFrameBytes(meta);
}

/** Encodes a SEGMENT_HEADER frame at `offset` (checksum unset) and returns the offset after it. */
export function putSegmentHeader(view: DataView, offset: number, segmentNumber: number): number {
  const payload = putHeader(view, offset, FrameType.SegmentHeader, SEGMENT_HEADER_PAYLOAD_BYTES);
  view.setUint32(payload, SEGMENT_MAGIC, true);
  view.setUint32(payload + 4, SEGMENT_FORMAT_VERSION, true);
  setU64(view, payload + 8, segmentNumber);
  return offset + frameBytes(SEGMENT_HEADER_PAYLOAD_BYTES);
}

/** Encodes a sealed COMMIT frame at `offset` for a group of `groupBytes` whose chained checksum is `groupCrc`. */
export function putCommit(bytes: Uint8Array, view: DataView, offset: number, groupBytes: number, groupCrc: number,
  lastBatchSeq: number): void {
  const payload = putHeader(view, offset, FrameType.Commit, COMMIT_PAYLOAD_BYTES);
  view.setUint32(payload, groupBytes, true);
  view.setUint32(payload + 4, groupCrc, true);
  setU64(view, payload + 8, lastBatchSeq);
  sealFrame(bytes, view, offset);
}

/** The payload length of the frame at `offset`. */
export function framePayloadBytes(view: DataView, offset: number): number {
  return view.getUint32(offset, true) >>> 8;
}

/** The checksum a frame at `offset` must carry (over header bytes 0..3 and the padded payload). */
export function computeFrameCrc(bytes: Uint8Array, view: DataView, offset: number): number {
  const end = offset + frameBytes(framePayloadBytes(view, offset));
  return crc32c(bytes, crc32c(bytes, 0, offset, offset + 4), offset + FRAME_HEADER_BYTES, end);
}

/** Fills in the checksum of the frame at `offset` and returns the frame's length in bytes. */
export function sealFrame(bytes: Uint8Array, view: DataView, offset: number): number {
  view.setUint32(offset + 4, computeFrameCrc(bytes, view, offset), true);
  return frameBytes(framePayloadBytes(view, offset));
}

/** Extends a group checksum over the 8-byte header of the (sealed) frame at `offset`. */
export function chainGroupCrc(groupCrc: number, bytes: Uint8Array, offset: number): number {
  return crc32c(bytes, groupCrc, offset, offset + FRAME_HEADER_BYTES);
}

/** Decodes the ENTRY frame at `offset`; the data is copied so the segment buffer can be dropped. */
export function readEntry(bytes: Uint8Array, view: DataView, offset: number): Entry {
  const payload = offset + FRAME_HEADER_BYTES;
  const dataBytes = framePayloadBytes(view, offset) - ENTRY_PAYLOAD_HEADER_BYTES;
  const dataStart = payload + ENTRY_PAYLOAD_HEADER_BYTES;
  // A copy, not a view: Buffer.slice would alias the whole segment and keep it alive.
  const data = new Uint8Array(dataBytes);
  data.set(bytes.subarray(dataStart, dataStart + dataBytes));
  return { index: getU64(view, payload), term: getU64(view, payload + 8), type: view.getUint32(payload + 16, true) as EntryType, data };
}

/** The index of the ENTRY frame at `offset`, without decoding the rest. */
export function readEntryIndex(view: DataView, offset: number): number {
  return getU64(view, offset + FRAME_HEADER_BYTES);
}

/** Decodes the HARD_STATE frame at `offset`. */
export function readHardState(view: DataView, offset: number): HardState {
  const payload = offset + FRAME_HEADER_BYTES;
  return { term: getU64(view, payload), vote: getU64(view, payload + 8), commit: getU64(view, payload + 16) };
}

/** Decodes the SNAPSHOT frame at `offset`. */
export function readSnapshot(view: DataView, offset: number): SnapshotMeta {
  const payload = offset + FRAME_HEADER_BYTES;
  const votersCount = view.getUint32(payload + 16, true);
  const learnersCount = view.getUint32(payload + 20, true);
  const confState: ConfState = { voters: [], learners: [] };
  let at = payload + 24;
  for (let i = 0; i < votersCount; i++, at += 8) confState.voters.push(getU64(view, at));
  for (let i = 0; i < learnersCount; i++, at += 8) confState.learners.push(getU64(view, at));
  return { index: getU64(view, payload), term: getU64(view, payload + 8), confState };
}

/** Decodes a SEGMENT_HEADER frame at `offset`; returns null when magic or version do not match. */
export function readSegmentHeader(view: DataView, offset: number): { segmentNumber: number } | null {
  const payload = offset + FRAME_HEADER_BYTES;
  if (view.getUint32(payload, true) !== SEGMENT_MAGIC || view.getUint32(payload + 4, true) !== SEGMENT_FORMAT_VERSION) {
    return null;
  }
  return { segmentNumber: getU64(view, payload + 8) };
}

/** Decodes the COMMIT frame at `offset`. */
export function readCommit(view: DataView, offset: number): { groupBytes: number; groupCrc: number; lastBatchSeq: number } {
  const payload = offset + FRAME_HEADER_BYTES;
  return {
    groupBytes: view.getUint32(payload, true),
    groupCrc: view.getUint32(payload + 4, true),
    lastBatchSeq: getU64(view, payload + 8),
  };
}

/** The payload length each fixed-size frame type must have; variable types return null. */
export function fixedPayloadBytes(type: FrameType): number | null {
  switch (type) {
    case FrameType.SegmentHeader: return SEGMENT_HEADER_PAYLOAD_BYTES;
    case FrameType.HardState: return HARD_STATE_PAYLOAD_BYTES;
    case FrameType.Commit: return COMMIT_PAYLOAD_BYTES;
    case FrameType.Entry:
    case FrameType.Snapshot: return null;
  }
}
