/**
 * Group commit on the WAL worker: every batch the ring holds is staged, sealed (frame checksums
 * computed here, off the main thread) and written as ONE group with ONE fdatasync, however many
 * batches arrived while the previous fdatasync ran. A group splits only where a segment fills up.
 *
 * A ring record is one batch from Wal.append/saveSnapshot:
 *
 *   +---------------------+-------------------------------------------------------+
 *   | batch seq (u64, LE) | frames in segment layout, checksums zero (see frame.ts) |
 *   +---------------------+-------------------------------------------------------+
 */
import { BATCH_PREFIX_BYTES } from './batch.js';
import { WalFailedError } from './errors.js';
import {
  chainGroupCrc, FrameType, framePayloadBytes, frameBytes, FRAME_HEADER_BYTES, getU64, readEntryIndex, readHardState,
  readSnapshot, sealFrame,
} from './frame.js';
import type { SegmentWriter } from './segment-writer.js';

/** Stages drained batches and commits them in groups (worker thread only). */
export class GroupCommitter {
  private readonly staging: Uint8Array;
  private readonly view: DataView;
  private stagedBytes = 0;
  /** End offset in staging and seq of each staged batch, in order. */
  private readonly batchEnds: number[] = [];
  private readonly batchSeqs: number[] = [];
  private readonly stage = (record: Uint8Array): void => this.stageBatch(record);

  /** `stagingBytes` must hold everything the ring can: its capacity. */
  constructor(stagingBytes: number, private readonly writer: SegmentWriter) {
    this.staging = new Uint8Array(stagingBytes);
    this.view = new DataView(this.staging.buffer);
  }

  /** The visitor to pass to RingReader.drain: copies each batch out of shared memory. */
  get visitor(): (record: Uint8Array) => void {
    return this.stage;
  }

  private stageBatch(record: Uint8Array): void {
    const framesBytes = record.byteLength - BATCH_PREFIX_BYTES;
    if (framesBytes < FRAME_HEADER_BYTES || framesBytes % 8 !== 0 || this.stagedBytes + framesBytes > this.staging.length) {
      throw new WalFailedError(`malformed batch record of ${record.byteLength} bytes`);
    }
    const seq = getU64(new DataView(record.buffer, record.byteOffset, BATCH_PREFIX_BYTES), 0);
    const previous = this.batchSeqs.at(-1);
    if (previous !== undefined && seq !== previous + 1) throw new WalFailedError(`batch ${seq} follows batch ${previous}`);
    this.staging.set(record.subarray(BATCH_PREFIX_BYTES), this.stagedBytes);
    this.stagedBytes += framesBytes;
    this.batchEnds.push(this.stagedBytes);
    this.batchSeqs.push(seq);
  }

  /** True when batches wait to be written. */
  hasStaged(): boolean {
    return this.batchEnds.length > 0;
  }

  /** Writes every staged batch: one group (one fdatasync) per segment it lands in. */
  async commit(): Promise<void> {
    let groupStart = 0;
    let groupCrc = 0;
    let batchStart = 0;
    let batches = 0;
    let entries = 0;
    for (let i = 0; i < this.batchEnds.length; i++) {
      const batchEnd = this.batchEnds[i]!;
      if (!this.writer.fits(batchEnd - groupStart)) {
        if (batchStart > groupStart) {
          this.writer.writeGroup(this.staging, groupStart, batchStart, groupCrc, this.batchSeqs[i - 1]!, batches, entries);
        }
        await this.writer.rollover();
        groupStart = batchStart;
        groupCrc = 0;
        batches = 0;
        entries = 0;
        if (!this.writer.fits(batchEnd - batchStart)) {
          throw new WalFailedError(`batch ${this.batchSeqs[i]} of ${batchEnd - batchStart} bytes does not fit in a segment`);
        }
      }
      for (let at = batchStart; at < batchEnd;) {
        const size = this.sealAndNote(at, batchEnd);
        groupCrc = chainGroupCrc(groupCrc, this.staging, at);
        if (this.staging[at] === FrameType.Entry) entries++;
        at += size;
      }
      batches++;
      batchStart = batchEnd;
    }
    this.writer.writeGroup(this.staging, groupStart, batchStart, groupCrc, this.batchSeqs.at(-1)!, batches, entries);
    this.stagedBytes = 0;
    this.batchEnds.length = 0;
    this.batchSeqs.length = 0;
  }

  /** Checks one frame from the main thread, fills in its checksum, and tells the writer what it holds. */
  private sealAndNote(at: number, batchEnd: number): number {
    const type = this.staging[at];
    const size = frameBytes(framePayloadBytes(this.view, at));
    if (at + size > batchEnd || (type !== FrameType.Entry && type !== FrameType.HardState && type !== FrameType.Snapshot)) {
      throw new WalFailedError(`malformed frame of type ${type} in a batch`);
    }
    sealFrame(this.staging, this.view, at);
    if (type === FrameType.Entry) this.writer.noteEntry(readEntryIndex(this.view, at));
    else if (type === FrameType.HardState) this.writer.noteHardState(readHardState(this.view, at));
    else this.writer.noteSnapshot(readSnapshot(this.view, at));
    return size;
  }
}
