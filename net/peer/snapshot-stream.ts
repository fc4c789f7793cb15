/**
 * Snapshot streams: a leader sends a member its state snapshot over a connection of its own, so
 * megabytes of snapshot never queue in front of heartbeats and appends (etcd does the same with a
 * separate HTTP stream). One stream per transfer:
 *
 *   dialer -> { Hello, stream: 'snapshot' }
 *   dialer -> { chunk: bytes } ...                      (the snapshot file, in order)
 *   dialer -> { end: <the Raft message>, bytes: total }
 *   dialer <- { ok: true } | { ok: false, error }       (after the receiver persisted and used it)
 *
 * Both ends bound memory: the sender reads the file chunk by chunk and waits for the socket to
 * drain; the receiver pauses the socket while its sink writes a chunk.
 */
import { open } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder, type Hello } from './frame-codec.js';
import type { PeerAddress } from './peer-sender.js';
import type { SnapshotSink } from '../../engine/node/ports.js';

export type { SnapshotSink };

/** A chunk carries this many file bytes: well under the frame limit, large enough to stream fast. */
export const SNAPSHOT_CHUNK_BYTES = 1 << 20;
/** A transfer that makes no progress for this long is abandoned. */
export const SNAPSHOT_IDLE_TIMEOUT_MS = 30_000;

interface ChunkFrame { chunk: Uint8Array }
interface EndFrame { end: unknown; bytes: number }
interface AckFrame { ok: boolean; error?: string }

/** Streams the file at `path` followed by `message` to a peer; resolves once the peer acknowledged it. */
export async function sendSnapshotStream(options: {
  address: PeerAddress;
  hello: Hello;
  message: unknown;
  path: string;
  frameBytesMax: number;
}): Promise<void> {
  const file = await open(options.path, 'r');
  const socket = connect({ host: options.address.host, port: options.address.port });
  socket.setNoDelay(true);
  socket.setTimeout(SNAPSHOT_IDLE_TIMEOUT_MS);
  try {
    const ack = waitForAck(socket, options.frameBytesMax);
    // A peer that refuses the stream closes it: a write below then fails first, and the ack's own
    // rejection must not go unhandled (it would end the process).
    ack.catch(() => {});
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    await write(socket, encodeFrame({ ...options.hello, stream: 'snapshot' }));
    const buffer = Buffer.allocUnsafe(SNAPSHOT_CHUNK_BYTES);
    let total = 0;
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, total);
      if (bytesRead === 0) break;
      total += bytesRead;
      await write(socket, encodeFrame({ chunk: buffer.subarray(0, bytesRead) } satisfies ChunkFrame));
    }
    await write(socket, encodeFrame({ end: options.message, bytes: total } satisfies EndFrame));
    const answer = await ack;
    if (!answer.ok) throw new Error(`peer refused the snapshot: ${answer.error ?? 'no reason given'}`);
  } finally {
    socket.destroy();
    await file.close();
  }
}

/** Writes one frame, waiting for the socket to drain when it pushes back. */
function write(socket: Socket, frame: Buffer): Promise<void> {
  if (socket.destroyed) return Promise.reject(new Error('snapshot stream closed'));
  if (socket.write(frame)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onClose = () => reject(new Error('snapshot stream closed'));
    socket.once('close', onClose);
    socket.once('drain', () => {
      socket.off('close', onClose);
      resolve();
    });
  });
}

function waitForAck(socket: Socket, frameBytesMax: number): Promise<AckFrame> {
  return new Promise((resolve, reject) => {
    const decoder = new FrameDecoder(frameBytesMax);
    socket.on('data', (chunk: Buffer) => {
      try {
        const frames = decoder.push(chunk);
        const ack = frames[0] as Partial<AckFrame> | undefined;
        if (ack === undefined) return;
        if (typeof ack.ok !== 'boolean') throw new Error('malformed snapshot acknowledgement');
        resolve(ack as AckFrame);
      } catch (error) {
        reject(error as Error);
      }
    });
    socket.on('timeout', () => {
      reject(new Error('snapshot stream timed out'));
      socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('snapshot stream closed before the peer acknowledged it')));
  });
}

/**
 * Receives one snapshot stream on an accepted connection whose Hello asked for one. Frames that
 * break the protocol, a wrong byte count or a message that fails `isMessage` end it with a refusal.
 */
export function receiveSnapshotStream<M>(socket: Socket, sink: SnapshotSink<M>,
  isMessage: (value: unknown) => value is M, bytesMax: number): { push(frames: unknown[]): void } {
  let received = 0;
  let settled = false;
  let work: Promise<void> = Promise.resolve();
  const answer = (ack: AckFrame) => {
    if (settled) return;
    settled = true;
    if (!ack.ok) sink.abort();
    socket.end(encodeFrame(ack));
  };
  socket.setTimeout(SNAPSHOT_IDLE_TIMEOUT_MS);
  socket.on('timeout', () => socket.destroy());
  socket.on('close', () => {
    if (!settled) {
      settled = true;
      sink.abort();
    }
  });
  return {
    push(frames: unknown[]): void {
      for (const frame of frames) {
        if (settled) return;
        const value = frame as Partial<ChunkFrame & EndFrame>;
        if (value.chunk instanceof Uint8Array) {
          received += value.chunk.length;
          if (received > bytesMax) return answer({ ok: false, error: `snapshot exceeds ${bytesMax} bytes` });
          const chunk = value.chunk;
          socket.pause();
          work = work.then(() => sink.write(chunk)).then(() => { socket.resume(); });
          work.catch((error: Error) => answer({ ok: false, error: error.message }));
        } else if ('end' in value && typeof value.bytes === 'number') {
          const message = value.end;
          if (value.bytes !== received) return answer({ ok: false, error: `expected ${value.bytes} bytes, received ${received}` });
          if (!isMessage(message)) return answer({ ok: false, error: 'malformed snapshot message' });
          work = work.then(() => sink.finish(message, received));
          work.then(() => answer({ ok: true }), (error: Error) => answer({ ok: false, error: error.message }));
        } else {
          return answer({ ok: false, error: 'malformed snapshot stream frame' });
        }
      }
    },
  };
}
