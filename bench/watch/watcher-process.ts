/**
 * One watcher process of the fan-out benchmark, forked by run-watch.ts. It opens its Watch streams
 * (one gRPC channel, so one TCP connection, each), creates its watchers on the key, and then only
 * counts: responses arrive as raw bytes (a pass-through deserializer) and a protobuf scan
 * (watch-response-scan.ts) reads each event's revision, so the client costs little per event.
 *
 * Lag is measured per event received in the window, against the writer's send and acknowledgement
 * times of that revision, which the parent relays in batches ('acks'). An event may arrive before
 * its acknowledgement is relayed (or even before the writer got it): it waits in `pending` until it is.
 * Lag is kept per Watch stream's member, so the leader's watchers and the followers' can be told apart.
 *
 *   parent -> {type: 'plan', plan}                         child -> {type: 'ready'} once every watcher is created
 *   parent -> {type: 'window', measureStartMs, measureEndMs}   child -> {type: 'progress', events} ~1/s
 *   parent -> {type: 'acks', revisions, sentMs, ackedMs}   (repeatedly)
 *   parent -> {type: 'final', lastRevision}                child -> {type: 'result', result} once every watcher
 *                                                          has lastRevision (or DRAIN_TIMEOUT_MS passed), then exits
 */
import * as grpc from '@grpc/grpc-js';
import { etcdService } from '../../net/grpc/protos.js';
import { serveParent, tellParent } from '../common/child-ipc.js';
import { nowEpochMs } from '../common/cluster-session.js';
import { createLatencyHistogram, encodeHistogram, recordLatencyMs, type LatencyHistogram } from '../load/latency.js';
import { WatchResponseScanner } from './watch-response-scan.js';

/** How long the watchers may take to receive the last put after the writer stopped. */
export const DRAIN_TIMEOUT_MS = 15_000;
/** How long creating every watcher may take. */
const CREATE_TIMEOUT_MS = 30_000;
const WATCH_METHOD = '/etcdserverpb.Watch/Watch';

export interface WatcherPlan {
  processIndex: number;
  /** The Watch streams this process opens: where each goes, and how many watchers it creates. */
  streams: { target: string; watchers: number }[];
  /** The watched key (UTF-8). */
  key: string;
}

export type ParentMessage =
  | { type: 'plan'; plan: WatcherPlan }
  | { type: 'window'; measureStartMs: number; measureEndMs: number }
  | { type: 'acks'; revisions: number[]; sentMs: number[]; ackedMs: number[] }
  | { type: 'final'; lastRevision: number };

export interface WatcherResult {
  processIndex: number;
  watchers: number;
  /** Events and responses received inside the measured window. */
  windowEvents: number;
  windowResponses: number;
  /** Per watcher (this process's, in stream order): events received in the window, and in the whole run. */
  perWatcherWindowEvents: number[];
  perWatcherTotalEvents: number[];
  /** Events received per whole second of the window. */
  perSecondEvents: number[];
  /**
   * Per member (gRPC target): HdrHistograms (µs) of in-window events, put acknowledged -> event
   * received (0 when it came first) and put sent -> event received.
   */
  lag: Record<string, { fromAck: string; fromSend: string }>;
  /** In-window events received before the writer had the put's acknowledgement. */
  eventsBeforeAck: number;
  /** In-window events whose put was never relayed (should be 0). */
  eventsUnmatched: number;
  /** True when every watcher received lastRevision. */
  drained: boolean;
  /** Epoch ms of the last event that advanced any watcher (the drain's end). */
  lastAdvanceMs: number;
  /** CPU seconds of this process over the window, and the window's wall seconds. */
  cpuSeconds: number;
  cpuWallSeconds: number;
}

export type WatcherMessage =
  | { type: 'ready' }
  | { type: 'progress'; events: number }
  | { type: 'result'; result: WatcherResult }
  | { type: 'failed'; message: string };

interface Lag {
  fromAck: LatencyHistogram;
  fromSend: LatencyHistogram;
}

/** One Watch stream as its responses need it: its first watcher slot, watch_id -> slot, and its member's lag. */
interface StreamContext {
  base: number;
  slotOf: Map<number, number>;
  lag: Lag;
}

const tell = (message: WatcherMessage): void => tellParent(message);

class WatcherProcess {
  private readonly scanner = new WatchResponseScanner();
  private readonly clients: grpc.Client[] = [];
  private readonly calls: grpc.ClientDuplexStream<object, Buffer>[] = [];
  private readonly watchers: number;
  private readonly windowEvents: number[];
  private readonly totalEvents: number[];
  private readonly maxRevision: Float64Array;
  private readonly lastAdvanceMs: Float64Array;
  private readonly perSecondEvents: number[] = [];
  /** Target -> its streams' lag histograms. */
  private readonly lag = new Map<string, Lag>();
  private readonly ackedMs = new Map<number, number>();
  private readonly sentMs = new Map<number, number>();
  /** Revision -> receive times of in-window events whose acknowledgement is not relayed yet. */
  private readonly pending = new Map<number, { receivedMs: number; lag: Lag }[]>();
  private measureStartMs = Infinity;
  private measureEndMs = Infinity;
  private windowEventCount = 0;
  private windowResponseCount = 0;
  private eventsBeforeAck = 0;
  private answered = 0;
  private created = 0;
  private onAllCreated: () => void = () => {};
  private lastRevision = 0;
  private watchersAtLast = 0;
  private onDrained: () => void = () => {};
  private cpuAtStart: NodeJS.CpuUsage | null = null;
  private cpu = { seconds: 0, wallSeconds: 0 };

  constructor(private readonly plan: WatcherPlan) {
    this.watchers = plan.streams.reduce((sum, stream) => sum + stream.watchers, 0);
    this.windowEvents = new Array<number>(this.watchers).fill(0);
    this.totalEvents = new Array<number>(this.watchers).fill(0);
    this.maxRevision = new Float64Array(this.watchers);
    this.lastAdvanceMs = new Float64Array(this.watchers);
  }

  /** Opens every stream and creates every watcher; resolves once all are created. */
  async open(): Promise<void> {
    const method = etcdService('Watch')['Watch']!;
    const allCreated = new Promise<void>((resolve, reject) => {
      this.onAllCreated = resolve;
      setTimeout(() => reject(new Error(`only ${this.created} of ${this.watchers} watchers created within ${CREATE_TIMEOUT_MS} ms`)),
        CREATE_TIMEOUT_MS).unref();
    });
    let firstSlot = 0;
    for (const stream of this.plan.streams) {
      const client = new grpc.Client(stream.target, grpc.credentials.createInsecure(),
        { 'grpc.use_local_subchannel_pool': 1, 'grpc.max_receive_message_length': -1 });
      this.clients.push(client);
      const call = client.makeBidiStreamRequest(WATCH_METHOD, method.requestSerialize as (r: object) => Buffer, (bytes: Buffer) => bytes);
      this.calls.push(call);
      let lag = this.lag.get(stream.target);
      if (lag === undefined) this.lag.set(stream.target, lag = { fromAck: createLatencyHistogram(), fromSend: createLatencyHistogram() });
      const context: StreamContext = { base: firstSlot, slotOf: new Map(), lag };
      call.on('data', (bytes: Buffer) => this.onResponse(bytes, context));
      call.on('error', (error: Error) => {
        if (this.lastRevision === 0 || this.watchersAtLast < this.watchers) tell({ type: 'failed', message: `watch stream to ${stream.target}: ${error.message}` });
      });
      const key = Buffer.from(this.plan.key, 'utf8');
      for (let i = 0; i < stream.watchers; i++) call.write({ create_request: { key } });
      firstSlot += stream.watchers;
    }
    await allCreated;
  }

  window(measureStartMs: number, measureEndMs: number): void {
    this.measureStartMs = measureStartMs;
    this.measureEndMs = measureEndMs;
    setTimeout(() => { this.cpuAtStart = process.cpuUsage(); }, Math.max(0, measureStartMs - nowEpochMs()));
    setTimeout(() => {
      const used = process.cpuUsage(this.cpuAtStart ?? undefined);
      this.cpu = { seconds: (used.user + used.system) / 1e6, wallSeconds: (measureEndMs - measureStartMs) / 1000 };
    }, Math.max(0, measureEndMs - nowEpochMs()));
    setInterval(() => tell({ type: 'progress', events: this.answered }), 1000).unref();
  }

  acks(revisions: number[], sentMs: number[], ackedMs: number[]): void {
    for (let i = 0; i < revisions.length; i++) {
      const revision = revisions[i]!;
      this.ackedMs.set(revision, ackedMs[i]!);
      this.sentMs.set(revision, sentMs[i]!);
      const waiting = this.pending.get(revision);
      if (waiting === undefined) continue;
      this.pending.delete(revision);
      for (const { receivedMs, lag } of waiting) this.recordLag(revision, receivedMs, lag);
    }
  }

  /** Resolves once every watcher has `lastRevision`, or after DRAIN_TIMEOUT_MS. */
  drain(lastRevision: number): Promise<void> {
    this.lastRevision = lastRevision;
    for (let slot = 0; slot < this.watchers; slot++) if (this.maxRevision[slot]! >= lastRevision) this.watchersAtLast++;
    if (this.watchersAtLast === this.watchers) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, DRAIN_TIMEOUT_MS);
      this.onDrained = () => { clearTimeout(timer); resolve(); };
    });
  }

  result(): WatcherResult {
    let lastAdvanceMs = 0;
    for (const ms of this.lastAdvanceMs) lastAdvanceMs = Math.max(lastAdvanceMs, ms);
    let unmatched = 0;
    for (const waiting of this.pending.values()) unmatched += waiting.length;
    const seconds = Math.round((this.measureEndMs - this.measureStartMs) / 1000);
    const perSecondEvents = Array.from({ length: seconds }, (_, i) => this.perSecondEvents[i] ?? 0);
    return {
      processIndex: this.plan.processIndex, watchers: this.watchers,
      windowEvents: this.windowEventCount, windowResponses: this.windowResponseCount,
      perWatcherWindowEvents: this.windowEvents, perWatcherTotalEvents: this.totalEvents, perSecondEvents,
      lag: Object.fromEntries([...this.lag].map(([target, lag]) => [target, { fromAck: encodeHistogram(lag.fromAck), fromSend: encodeHistogram(lag.fromSend) }])),
      eventsBeforeAck: this.eventsBeforeAck, eventsUnmatched: unmatched,
      drained: this.watchersAtLast === this.watchers, lastAdvanceMs,
      cpuSeconds: this.cpu.seconds, cpuWallSeconds: this.cpu.wallSeconds,
    };
  }

  close(): void {
    for (const call of this.calls) call.cancel();
    for (const client of this.clients) client.close();
  }

  private onResponse(bytes: Buffer, stream: StreamContext): void {
    const now = nowEpochMs();
    const scanner = this.scanner;
    scanner.scan(bytes);
    if (scanner.created) {
      if (scanner.canceled) {
        tell({ type: 'failed', message: `a watcher was refused at creation (watch_id ${scanner.watchId})` });
        return;
      }
      stream.slotOf.set(scanner.watchId, stream.base + stream.slotOf.size);
      if (++this.created === this.watchers) this.onAllCreated();
      return;
    }
    const events = scanner.events;
    if (events === 0) return;
    const slot = stream.slotOf.get(scanner.watchId);
    if (slot === undefined) return;
    this.answered += events;
    this.totalEvents[slot]! += events;
    const inWindow = now >= this.measureStartMs && now < this.measureEndMs;
    if (inWindow) {
      this.windowEventCount += events;
      this.windowResponseCount++;
      this.windowEvents[slot]! += events;
      const second = Math.floor((now - this.measureStartMs) / 1000);
      this.perSecondEvents[second] = (this.perSecondEvents[second] ?? 0) + events;
    }
    const wasBelow = this.maxRevision[slot]! < this.lastRevision;
    for (let i = 0; i < events; i++) {
      const revision = scanner.eventRevisions[i]!;
      if (revision > this.maxRevision[slot]!) {
        this.maxRevision[slot] = revision;
        this.lastAdvanceMs[slot] = now;
      }
      if (!inWindow) continue;
      if (this.ackedMs.has(revision)) {
        this.recordLag(revision, now, stream.lag);
      } else {
        const waiting = this.pending.get(revision);
        if (waiting === undefined) this.pending.set(revision, [{ receivedMs: now, lag: stream.lag }]);
        else waiting.push({ receivedMs: now, lag: stream.lag });
      }
    }
    if (this.lastRevision > 0 && wasBelow && this.maxRevision[slot]! >= this.lastRevision && ++this.watchersAtLast === this.watchers) {
      this.onDrained();
    }
  }

  private recordLag(revision: number, receivedMs: number, lag: Lag): void {
    const fromAck = receivedMs - this.ackedMs.get(revision)!;
    if (fromAck < 0) this.eventsBeforeAck++;
    recordLatencyMs(lag.fromAck, Math.max(0, fromAck));
    recordLatencyMs(lag.fromSend, receivedMs - this.sentMs.get(revision)!);
  }
}

let watcherProcess: WatcherProcess | null = null;

serveParent<ParentMessage>(async (message) => {
  switch (message.type) {
    case 'plan':
      watcherProcess = new WatcherProcess(message.plan);
      await watcherProcess.open();
      tell({ type: 'ready' });
      return;
    case 'window': watcherProcess!.window(message.measureStartMs, message.measureEndMs); return;
    case 'acks': watcherProcess!.acks(message.revisions, message.sentMs, message.ackedMs); return;
    case 'final':
      await watcherProcess!.drain(message.lastRevision);
      tell({ type: 'result', result: watcherProcess!.result() });
      return;
  }
}, () => watcherProcess?.close());
