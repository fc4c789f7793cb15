/**
 * The stream node's HTTP/2 session reads instead of the socket, on a connection whose requests
 * carry an :authority nghttp2 would refuse (authority-gate.ts decides which): every frame from the
 * client passes unchanged, except header blocks, whose refused authorities are rewritten
 * (header-block-rewrite.ts). What the session writes goes to the socket as it is.
 *
 * A header block it cannot decode, or one over HEADER_BLOCK_BYTES_MAX, goes on unchanged, and so
 * does everything after it: nghttp2 then judges the connection itself.
 */
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { HTTP2_PREFACE } from '../../client-listener.js';
import { rewriteHeaderBlock } from './header-block-rewrite.js';
import { HpackDecoder } from './hpack-decoder.js';
import { FLAG_END_HEADERS, FRAME_CONTINUATION, FRAME_HEADERS, frameAt, headerBlockFrames, joinHeaderBlock, type Frame } from './h2-frames.js';

/** The largest header block held to be rewritten; node's own limit on a header list is 64 KiB. */
export const HEADER_BLOCK_BYTES_MAX = 256 * 1024;

export class AuthorityRewritingStream extends Duplex {
  private readonly decoder = new HpackDecoder();
  /** Bytes from the client not yet passed on: an unfinished frame. */
  private pending: Buffer = Buffer.alloc(0);
  /** Preface bytes still to pass before the frames. */
  private prefaceLeft = HTTP2_PREFACE.length;
  /** The frames of a header block still missing its END_HEADERS. */
  private block: Frame[] = [];
  private blockBytes = 0;
  /** Nothing is parsed any more: bytes pass as they come. */
  private passthrough = false;

  /** `received`: what the client sent before, from its preface on. */
  constructor(private readonly socket: Socket, received: Buffer) {
    super();
    socket.on('data', (chunk: Buffer) => this.fromClient(chunk));
    socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => this.destroy());
    this.fromClient(received);
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.socket.write(chunk)) callback();
    else this.socket.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }

  private fromClient(chunk: Buffer): void {
    const out = this.passthrough ? [chunk] : this.parse(chunk);
    if (out.length > 0 && !this.push(out.length === 1 ? out[0] : Buffer.concat(out))) this.socket.pause();
  }

  /** Takes in the client's bytes; returns what goes on now. */
  private parse(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let input = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    if (this.prefaceLeft > 0) {
      const preface = input.subarray(0, this.prefaceLeft);
      out.push(preface);
      this.prefaceLeft -= preface.length;
      input = input.subarray(preface.length);
    }
    let offset = 0;
    for (let frame = frameAt(input, offset); frame !== null && !this.passthrough; frame = frameAt(input, offset)) {
      offset += frame.bytes.length;
      if (this.block.length > 0 || frame.type === FRAME_HEADERS) {
        // The frames of a block are copied: `input` is let go once parsed.
        this.block.push({ ...frame, bytes: Buffer.from(frame.bytes) });
        this.blockBytes += frame.bytes.length;
        if (frame.flags & FLAG_END_HEADERS && (frame.type === FRAME_HEADERS || frame.type === FRAME_CONTINUATION)) out.push(this.endBlock());
        else if (this.blockBytes > HEADER_BLOCK_BYTES_MAX) out.push(this.giveUp());
      } else {
        out.push(frame.bytes);
      }
    }
    const rest = input.subarray(offset);
    if (this.passthrough) {
      out.push(rest);
      this.pending = Buffer.alloc(0);
    } else {
      this.pending = Buffer.from(rest);
    }
    return out;
  }

  /** The block is complete: its frames, rewritten if need be. */
  private endBlock(): Buffer {
    const frames = this.block;
    this.block = [];
    this.blockBytes = 0;
    try {
      const block = joinHeaderBlock(frames);
      const fragment = rewriteHeaderBlock(this.decoder, block.fragment);
      if (fragment !== block.fragment) return headerBlockFrames({ ...block, fragment });
    } catch {
      this.passthrough = true;
    }
    return Buffer.concat(frames.map((frame) => frame.bytes));
  }

  /** From here on the bytes pass unchanged, starting with the block held so far. */
  private giveUp(): Buffer {
    this.passthrough = true;
    const held = Buffer.concat(this.block.map((frame) => frame.bytes));
    this.block = [];
    this.blockBytes = 0;
    return held;
  }
}
