/**
 * The watch side of one WebSocket connection (protocol.ts, "Watch"): the connection's one watch
 * stream of the member's EtcdServer, opened by its first valid watch op, and the sink that stream writes
 * to. Like net/grpc/raw/watch-stream.ts it only adapts: the stream and the hub decide everything.
 *
 * What the stream sends goes one of three ways:
 * - the created (or refused) response of a watch_create and the canceled response of a
 *   watch_cancel, which the stream sends synchronously inside create / cancel, become the
 *   request's result;
 * - a progress answer (watch_id -1, not created) settles every watch_progress waiting for one;
 * - everything else (events, progress_notify, cancellation for compaction) is pushed as frames.
 * All three join the connection's one outbox (ws-endpoint.ts), so they leave in stream order.
 *
 * Flow control: the sink reports the stream congested while the connection's unsent bytes (its
 * outbox plus uWS's buffer) exceed WS_WATCH_UNSENT_BYTES_MAX, and the endpoint calls `flushed`
 * after each flush so the stream resumes below half of it.
 */
import { ErrWatcherNotExist } from '../../../engine/errors.js';
import type { EtcdServer } from '../../../engine/server/etcd-server.js';
import type { WatchStream } from '../../../engine/watch/watch-stream.js';
import { INVALID_WATCH_ID, type WatchResponse } from '../../../engine/watch/watch-types.js';
import type { ResponseHeader } from '../../../engine/wire/response-header.js';
import { WS_WATCH_UNSENT_BYTES_MAX, type WatchOp } from './protocol.js';
import { watchCancelRequest, watchCreateRequest, watchProgressRequest } from './validate-request.js';
import { encodeWatchFrames, wireWatchResponse } from './watch-frames.js';

/** The result of a watch op whose answer comes later, through WatchOutput.settle. */
export const DEFERRED: unique symbol = Symbol('deferred');

/** What the connection offers its watch stream (ws-endpoint.ts). */
export interface WatchOutput {
  /** Queues pushed frames behind everything queued before them. */
  push(frames: readonly Uint8Array[]): void;
  /** Answers a request the stream answers late (a progress request). */
  settle(id: number, result: unknown): void;
  /** Bytes queued for the socket or buffered in it. */
  unsentBytes(): number;
}

/** Which synchronous response of the stream is the current op's result. */
type Capture = { kind: 'created' } | { kind: 'canceled'; watchId: number };

export class ConnectionWatch {
  private stream: WatchStream | null = null;
  private capture: Capture | null = null;
  private captured: { response: WatchResponse; header: ResponseHeader } | undefined;
  /** watch_progress requests waiting for the stream's progress answer, oldest first. */
  private progressWaiting: number[] = [];

  constructor(
    private readonly server: EtcdServer,
    private readonly output: WatchOutput,
    private readonly maxRequestBytes: number,
  ) {}

  /** Serves one watch op: its result, or DEFERRED. Throws an EtcdError for a malformed body. */
  handle(id: number, op: WatchOp, body: unknown): unknown {
    switch (op) {
      case 'watch_create': {
        const request = watchCreateRequest(body);
        return this.captureOf({ kind: 'created' }, (stream) => stream.create(request));
      }
      case 'watch_cancel': {
        const watchId = watchCancelRequest(body);
        const result = this.stream === null ? undefined : this.captureOf({ kind: 'canceled', watchId }, (stream) => stream.cancel(watchId));
        if (result === undefined) throw ErrWatcherNotExist;
        return result;
      }
      case 'watch_progress':
        watchProgressRequest(body);
        this.progressWaiting.push(id);
        this.open().requestProgress();
        return DEFERRED;
    }
  }

  /** Called after each flush of the connection: the stream takes live events again below half the bound. */
  flushed(): void {
    if (this.stream?.congested === true && this.output.unsentBytes() <= WS_WATCH_UNSENT_BYTES_MAX / 2) this.stream.drained();
  }

  /** The connection closed: its watchers go. */
  close(): void {
    this.stream?.close();
    this.progressWaiting = [];
  }

  private open(): WatchStream {
    this.stream ??= this.server.watch({ send: (response, header) => this.send(response, header) });
    return this.stream;
  }

  /** Runs a stream call and returns the response it sent synchronously that `capture` names. */
  private captureOf(capture: Capture, call: (stream: WatchStream) => void): unknown {
    this.capture = capture;
    this.captured = undefined;
    try {
      call(this.open());
    } finally {
      this.capture = null;
    }
    // The sink set it during `call` (TypeScript cannot see that and narrows it to undefined).
    const captured = this.captured as { response: WatchResponse; header: ResponseHeader } | undefined;
    this.captured = undefined;
    return captured === undefined ? undefined : wireWatchResponse(captured.response, captured.header);
  }

  private isCaptured(response: WatchResponse): boolean {
    const capture = this.capture;
    if (capture === null || this.captured !== undefined) return false;
    if (capture.kind === 'created') return response.created === true;
    return response.canceled === true && response.created !== true && response.watch_id === capture.watchId;
  }

  /** The stream's sink. */
  private send(response: WatchResponse, header: ResponseHeader): boolean {
    if (this.isCaptured(response)) {
      this.captured = { response, header };
    } else if (response.watch_id === INVALID_WATCH_ID && response.created !== true && this.progressWaiting.length > 0) {
      const result = wireWatchResponse(response, header);
      const waiting = this.progressWaiting;
      this.progressWaiting = [];
      for (const id of waiting) this.output.settle(id, result);
    } else {
      const fragmentBytes = response.may_fragment === true ? this.maxRequestBytes : undefined;
      this.output.push(encodeWatchFrames(response, header, fragmentBytes));
    }
    return this.output.unsentBytes() <= WS_WATCH_UNSENT_BYTES_MAX;
  }
}
