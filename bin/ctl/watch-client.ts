/**
 * clientv3's watcher (etcd 3.4), as etcdctl's watch sees it: every watch of the command shares one
 * gRPC Watch stream; each watch hands its responses to a WatchChannel.
 *
 *   watch() ──> resuming queue ──> one create request in flight ──> created: the watch gets its id
 *   stream ──> response ──> the watch with its id (progress replies, id -1: every watch)
 *
 * What etcdctl prints follows from clientv3's rules, kept here:
 * - Created responses are not handed on. A refused create (id -1, or canceled with a reason)
 *   marks the whole stream with that reason; from then on every watch closing on the stream hands
 *   on a last canceled response carrying it.
 * - A response whose Err() is set (compacted) is handed on, then the watch closes. A plain cancel
 *   from the server closes the watch without a response.
 * - Each watch remembers the revision to resume from. A stream that fails with Unavailable or
 *   Internal (not "no leader") is reopened and every watch re-created from there; any other
 *   failure closes every watch with the error.
 * - A stream with no watches left is closed; the next watch opens a new one.
 */
import * as grpc from '@grpc/grpc-js';
import { ErrCompacted, ErrFutureRev, ErrNoLeader, etcdErrorFrom } from '../../engine/errors.js';
import { connectEach, firstConnected, rpcErrorMessage, type EtcdConnection, type GlobalOptions } from './client.js';
import type { ClientWatchResponse, ResponseHeader, WatchResponse } from './messages.js';
import type { WatchCreate } from './watch-args.js';

/** clientv3's InvalidWatchID: a created response with it is a refusal, a progress reply with it is for every watch. */
const INVALID_WATCH_ID = '-1';
/** What Go's Recv returns for a stream the server ended with status OK. */
const END_OF_STREAM = 'EOF';
/** clientv3's longest backoff between attempts to reopen a failed stream. */
const REOPEN_DELAY_MS = 100;
/** Period of the timer that keeps cairnctl running while a stream is open (it does nothing). */
const KEEP_ALIVE_MS = 2 ** 30;

const ZERO_HEADER: ResponseHeader = { cluster_id: '0', member_id: '0', revision: '0', raft_term: '0' };

/** clientv3's WatchResponse.Err(): the error a response ends its watch with, if any. */
export function watchError(response: ClientWatchResponse): string | undefined {
  if (response.closeError !== undefined) return response.closeError;
  if (response.compact_revision !== '0') return ErrCompacted.message;
  if (!response.canceled) return undefined;
  return response.cancel_reason === '' ? ErrFutureRev.message : rpcErrorMessage(grpc.status.FAILED_PRECONDITION, response.cancel_reason);
}

/** clientv3's WatchResponse.IsProgressNotify(). */
export function isProgressNotify(response: ClientWatchResponse): boolean {
  return (response.events ?? []).length === 0 && !response.canceled && !response.created && response.compact_revision === '0' &&
    response.header.revision !== '0';
}

/**
 * One watch's responses in arrival order, read with `for await`; the loop ends when the watch
 * closes. Like clientv3's buffer it holds whatever the reader has not taken yet.
 */
export class WatchChannel implements AsyncIterable<ClientWatchResponse> {
  private readonly queue: ClientWatchResponse[] = [];
  private closed = false;
  private wake: (() => void) | undefined;

  /** Queues a response for the reader. */
  push(response: ClientWatchResponse): void {
    this.queue.push(response);
    this.wake?.();
  }

  /** No more responses: the reader's loop ends once it has taken those queued. */
  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ClientWatchResponse> {
    for (;;) {
      const next = this.queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }
}

/** One watch on the stream (clientv3's watcherStream). */
interface Substream {
  request: WatchCreate;
  /** Set once the server created it (and cleared while it is re-created). */
  id: string | undefined;
  channel: WatchChannel;
  /** Until its first created response: that one fixes where a watch from "now" resumes. */
  awaitingFirstCreate: boolean;
  closed: boolean;
}

type Call = grpc.ClientDuplexStream<object, WatchResponse>;

/** One gRPC Watch stream and its watches (clientv3's watchGrpcStream). */
class WatchStream {
  /** While the stream (re)connects: a connection per endpoint, the first to answer is kept. */
  private connecting: EtcdConnection[] = [];
  private connection: EtcdConnection | undefined;
  private call: Call | undefined;
  private readonly substreams = new Map<string, Substream>();
  /** Watches waiting to be created, in order; only the head has a create request in flight. */
  private resuming: (Substream | undefined)[] = [];
  /** Watch ids the server sent events for though no watch has them: canceled once. */
  private canceling = new Set<string>();
  /** Set by a refused create: every watch that closes from then on hands it on. */
  private closeError: string | undefined;
  /** Progress requests made while the stream was (re)connecting. */
  private progressRequests = 0;
  private ended = false;
  /**
   * grpc-js holds the event loop only while a call has a connection; a watch waiting for an
   * endpoint (or for its stream to reopen) must keep cairnctl running too, as etcdctl keeps waiting.
   */
  private readonly keepAlive = setInterval(() => {}, KEEP_ALIVE_MS);

  constructor(private readonly options: GlobalOptions, private readonly onEnd: () => void) {
    void this.open();
  }

  watch(request: WatchCreate): WatchChannel {
    const substream: Substream = { request: { ...request }, id: undefined, channel: new WatchChannel(), awaitingFirstCreate: true, closed: false };
    this.resuming.push(substream);
    if (this.resuming.length === 1 && this.call !== undefined) this.sendCreate(substream);
    return substream.channel;
  }

  requestProgress(): void {
    if (this.call === undefined) this.progressRequests++;
    else this.call.write({ progress_request: {} });
  }

  /** Ends the stream; its watches close without a last response (the command is ending). */
  close(): void {
    this.ended = true;
    clearInterval(this.keepAlive);
    this.call?.cancel();
    this.connection?.close();
    for (const connection of this.connecting) connection.close();
  }

  /** Connects (waiting as long as it takes, as clientv3 does) and opens the gRPC stream. */
  private async open(): Promise<void> {
    this.connecting = connectEach(this.options);
    let connection: EtcdConnection;
    try {
      connection = await firstConnected(this.connecting, Infinity);
    } catch {
      return; // closed while connecting
    }
    this.connecting = [];
    if (this.ended) return connection.close();
    this.connection = connection;
    const call = connection.watch<object, WatchResponse>();
    this.call = call;
    call.on('data', (response: WatchResponse) => {
      if (call === this.call) this.receive(response);
    });
    // Every end of the stream comes as a status; 'error' repeats the failed ones.
    call.on('error', () => {});
    call.on('status', (status: grpc.StatusObject) => {
      if (call === this.call && !this.ended) this.failed(status.code, status.details);
    });
    const head = this.nextResume();
    if (head !== undefined) this.sendCreate(head);
    for (; this.progressRequests > 0; this.progressRequests--) call.write({ progress_request: {} });
  }

  private sendCreate(substream: Substream): void {
    const { key, range_end, start_revision, prev_kv } = substream.request;
    this.call!.write({
      create_request: { key, range_end, start_revision: start_revision.toString(), progress_notify: false, filters: [], prev_kv, fragment: false },
    });
  }

  /** The head of the resuming queue, dropping watches that closed while they waited. */
  private nextResume(): Substream | undefined {
    while (this.resuming.length > 0 && this.resuming[0] === undefined) this.resuming.shift();
    return this.resuming[0];
  }

  private receive(response: WatchResponse): void {
    if (response.created) {
      const head = this.resuming[0];
      let refused: Substream | undefined;
      if (head !== undefined) {
        if (!this.addSubstream(response, head)) refused = head;
        this.dispatch(response);
        this.resuming[0] = undefined;
      }
      const next = this.nextResume();
      if (next !== undefined) this.sendCreate(next);
      if (refused !== undefined) this.closeSubstream(refused);
    } else if (response.canceled && response.compact_revision === '0') {
      this.canceling.delete(response.watch_id);
      const substream = this.substreams.get(response.watch_id);
      if (substream !== undefined) this.closeSubstream(substream);
    } else if (!this.dispatch(response) && !this.canceling.has(response.watch_id)) {
      this.canceling.add(response.watch_id);
      this.call!.write({ cancel_request: { watch_id: response.watch_id } });
    }
  }

  /** Registers a created watch under its id; false when the server refused it. */
  private addSubstream(response: WatchResponse, substream: Substream): boolean {
    if (response.watch_id === INVALID_WATCH_ID || (response.canceled && response.cancel_reason !== '')) {
      this.closeError = response.cancel_reason;
      return false;
    }
    substream.id = response.watch_id;
    this.substreams.set(substream.id, substream);
    return true;
  }

  /** Hands a response to its watch (a progress reply for id -1 to every watch); false if no watch has its id. */
  private dispatch(response: WatchResponse): boolean {
    const handed: ClientWatchResponse = {
      header: response.header ?? ZERO_HEADER, events: response.events, compact_revision: response.compact_revision,
      canceled: response.canceled, created: response.created, cancel_reason: response.cancel_reason,
    };
    if (isProgressNotify(handed) && response.watch_id === INVALID_WATCH_ID) {
      for (const substream of [...this.substreams.values()]) this.deliver(substream, handed);
      return true;
    }
    const substream = this.substreams.get(response.watch_id);
    if (substream === undefined) return false;
    this.deliver(substream, handed);
    return true;
  }

  /** clientv3's serveSubstream: tracks the resume revision, hands on all but created responses. */
  private deliver(substream: Substream, response: ClientWatchResponse): void {
    if (substream.closed) return;
    const request = substream.request;
    if (!response.created) {
      request.start_revision = BigInt(response.header.revision);
    } else if (substream.awaitingFirstCreate && request.start_revision === 0n) {
      request.start_revision = BigInt(response.header.revision);
    }
    substream.awaitingFirstCreate = false;
    const events = response.events ?? [];
    if (events.length > 0) request.start_revision = BigInt(events[events.length - 1]!.kv?.mod_revision ?? '0') + 1n;
    if (response.created) return;
    substream.channel.push(response);
    if (watchError(response) !== undefined) this.closeSubstream(substream);
  }

  /** Closes one watch (with the stream's close error, if any); a stream left with none ends. */
  private closeSubstream(substream: Substream): void {
    if (substream.closed) return;
    substream.closed = true;
    if (this.closeError !== undefined) {
      substream.channel.push({
        header: ZERO_HEADER, events: null, compact_revision: '0', canceled: true, created: false, cancel_reason: '',
        closeError: this.closeError,
      });
    }
    substream.channel.close();
    if (substream.id !== undefined) this.substreams.delete(substream.id);
    const waiting = this.resuming.indexOf(substream);
    if (waiting >= 0) this.resuming[waiting] = undefined;
    if (this.substreams.size + this.resuming.length === 0) this.end(undefined);
  }

  /**
   * The stream failed: reopened when the failure is one clientv3 retries (Unavailable, Internal),
   * else every watch closes with it. grpc-js reports a stream its server's transport cut (a member
   * shutting down) as Cancelled where grpc-go reports Unavailable; cairnctl never cancels a stream
   * it still reads, so a Cancelled one was cut and is retried too. A member without a leader ends
   * the stream with ErrNoLeader (Unavailable), on which clientv3 gives up.
   */
  private failed(code: grpc.status, details: string): void {
    const cut = code === grpc.status.UNAVAILABLE || code === grpc.status.INTERNAL || code === grpc.status.CANCELLED;
    const retried = cut && etcdErrorFrom(code, details) !== ErrNoLeader;
    if (!retried) {
      this.end(code === grpc.status.OK ? END_OF_STREAM : rpcErrorMessage(code, details));
      return;
    }
    for (const substream of this.substreams.values()) {
      substream.id = undefined;
      this.resuming.push(substream);
    }
    this.substreams.clear();
    this.resuming = this.resuming.filter((substream) => substream !== undefined);
    this.canceling = new Set();
    this.call = undefined;
    this.connection?.close();
    this.connection = undefined;
    // Without a pause a member that keeps refusing streams would be asked again in a tight loop.
    setTimeout(() => void this.open(), REOPEN_DELAY_MS);
  }

  /** Ends the stream; with an error, every watch still open hands it on in a last response. */
  private end(closeError: string | undefined): void {
    if (this.ended) return;
    this.closeError = closeError;
    const open = [...this.substreams.values(), ...this.resuming.filter((substream) => substream !== undefined)];
    this.close();
    for (const substream of open) this.closeSubstream(substream);
    this.onEnd();
  }
}

/** The watches of one command: the current stream, opened on demand (clientv3's watcher). */
export class WatchClient {
  private stream: WatchStream | undefined;

  constructor(private readonly options: GlobalOptions) {}

  /** Starts a watch; its responses come on the channel, which closes when the watch ends. */
  watch(request: WatchCreate): WatchChannel {
    return this.currentStream().watch(request);
  }

  /** Asks for a progress reply to every watch of the stream. */
  requestProgress(): void {
    this.currentStream().requestProgress();
  }

  close(): void {
    this.stream?.close();
    this.stream = undefined;
  }

  private currentStream(): WatchStream {
    if (this.stream === undefined) {
      const stream = new WatchStream(this.options, () => {
        if (this.stream === stream) this.stream = undefined;
      });
      this.stream = stream;
    }
    return this.stream;
  }
}
