/**
 * Watch fan-out on one member's thread: the hub (engine/watch/watch-hub.ts) dispatching ONE put to
 * 1,000 synced watchers of that key (10 streams x 100, as the cluster benchmark bench/watch sets
 * them up), each response encoded for gRPC as net/grpc/raw/watch-stream.ts does. Variants:
 *
 * - cached: encodeWatchResponse, the event's bytes encoded once and reused by every watcher.
 * - cached + framed: the same, each response written as a whole gRPC message for the stream's
 *   one write per turn (what raw/watch-stream.ts does: cairn).
 * - per watcher: the same encoder, but each watcher gets its own copy of the event, so the cache
 *   never hits and the event (256-byte value) is encoded 1,000 times.
 * - protobufjs: the plain-object WatchResponse serialized by the service definition's protobufjs
 *   serializer, as a grpc-js service without a hand-written encoder would.
 * - envelope only: encodeWatchResponse with the events left out (header, watch_id: what every
 *   watcher's response costs whatever the cache does).
 * - hub only: the sink drops the response (the cost of matching and grouping alone).
 *
 * One tinybench iteration is one put: a fresh Event object (as the apply worker's report makes
 * one per put), onEvents + onRevision, and every watcher's response encoded. Wall-clock figures
 * swing when other work shares the machine, so each variant is also run for about a CPU second
 * more and timed by process CPU (user + system): `cpu_us_per_put`, the steadier figure.
 */
import { loadavg } from 'node:os';
import { Bench } from 'tinybench';
import type { Event } from '../../engine/mvcc/rpc.js';
import type { ResponseHeader } from '../../engine/wire/response-header.js';
import { WatchHub } from '../../engine/watch/watch-hub.js';
import type { WatchResponse } from '../../engine/watch/watch-types.js';
import { etcdService } from '../../net/grpc/protos.js';
import { encodeWatchResponse } from '../../net/grpc/watch-encode.js';
import { figuresFromBench, writeMicroReport } from './report.js';

const WATCHERS = 1000;
const STREAMS = 10;
const KEY = Buffer.from('fanout');
const VALUE = Buffer.alloc(256, 'v');
/** CPU time each variant is run for the CPU-time figure. */
const CPU_MEASURE_US = 1_000_000;
const HEADER_BASE = { cluster_id: 6_841_639_068_965_178, member_id: 4_276_657_743_932_975, raft_term: 7 };

const headerOf = (revision: number): ResponseHeader => ({ ...HEADER_BASE, revision });
const watchSerialize = etcdService('Watch')['Watch']!.responseSerialize as (response: object) => Buffer;

/** The plain object protobufjs serializes (int64 as numbers, which it accepts). */
function protoObject(response: WatchResponse): object {
  return {
    header: headerOf(response.revision),
    watch_id: response.watch_id,
    events: response.events.map((event) => ({ type: event.type, kv: event.kv })),
  };
}

type Sink = (response: WatchResponse) => number;

const SINKS: Record<string, Sink> = {
  'cached: encodeWatchResponse, event encoded once for all watchers':
    (response) => encodeWatchResponse(response, headerOf(response.revision))[0]!.length,
  'cached + framed: encodeWatchResponse as a whole gRPC message (raw/watch-stream.ts)':
    (response) => encodeWatchResponse(response, headerOf(response.revision), undefined, true)[0]!.length,
  'per watcher: encodeWatchResponse, event re-encoded for each watcher':
    (response) => encodeWatchResponse({ ...response, events: response.events.map((event) => ({ ...event })) }, headerOf(response.revision))[0]!.length,
  'protobufjs: WatchResponse serialized per watcher by the proto definition':
    (response) => watchSerialize(protoObject(response)).length,
  'envelope only: encodeWatchResponse without the events':
    (response) => encodeWatchResponse({ ...response, events: [] }, headerOf(response.revision))[0]!.length,
  'hub only: match and group, no encoding':
    () => 0,
};

/** A hub at revision 1 with WATCHERS synced watchers of KEY over STREAMS streams, all answering into `sink`. */
function hubWith(sink: Sink): { hub: WatchHub; bytes: () => number } {
  let bytes = 0;
  const hub = new WatchHub({ history: () => { throw new Error('no history in this benchmark'); } }, { revision: 1 });
  for (let s = 0; s < STREAMS; s++) {
    const stream = hub.openStream({ send: (response) => { bytes += sink(response); return true; } });
    for (let w = 0; w < WATCHERS / STREAMS; w++) stream.create({ key: KEY });
  }
  if (hub.stats().synced !== WATCHERS) throw new Error(`expected ${WATCHERS} synced watchers, got ${hub.stats().synced}`);
  return { hub, bytes: () => bytes };
}

/** One put through the hub: a fresh event at the next revision. */
function putThrough(hub: WatchHub): void {
  const revision = hub.revision + 1;
  const event: Event = { type: 0, kv: { key: KEY, create_revision: 2, mod_revision: revision, version: revision - 1, value: VALUE, lease: 0 } };
  hub.onEvents([event]);
  hub.onRevision(revision);
}

const loadAverageAtStart = loadavg()[0]!;
/** CPU microseconds (this process, user + system) per put over `iterations` puts. */
function cpuMicrosecondsPerPut(hub: WatchHub, iterations: number): number {
  const before = process.cpuUsage();
  for (let i = 0; i < iterations; i++) putThrough(hub);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / iterations;
}

const bench = new Bench({ time: 2000, warmup: true });
const hubs: WatchHub[] = [];
const bytesPerPut: Record<string, number> = {};
for (const [name, sink] of Object.entries(SINKS)) {
  const { hub, bytes } = hubWith(sink);
  hubs.push(hub);
  const before = bytes();
  putThrough(hub);
  bytesPerPut[name] = bytes() - before;
  bench.add(name, () => putThrough(hub));
}
await bench.run();

const figures = figuresFromBench(bench, 'puts/s').map((figure, i) => {
  const cpuUs = cpuMicrosecondsPerPut(hubs[i]!, Math.max(10, Math.ceil(CPU_MEASURE_US / Number(figure.detail!.latency_mean_us))));
  return {
    ...figure,
    detail: {
      ...figure.detail,
      watcher_responses_per_s: figure.value * WATCHERS,
      cpu_us_per_put: cpuUs,
      bytes_per_put: bytesPerPut[figure.name] ?? 0,
    },
  };
});
for (const hub of hubs) hub.close();
const cached = Number(figures[0]!.detail.cpu_us_per_put);
const perWatcher = Number(figures[2]!.detail.cpu_us_per_put);
writeMicroReport('watch', figures, [
  `${WATCHERS} watchers of one key on ${STREAMS} streams, all synced; one put = one event (key "${KEY}", a ${VALUE.length}-byte value).`,
  `By CPU time, the encoding cache makes a put's fan-out ${(perWatcher / cached).toFixed(2)}x cheaper than encoding the event for each watcher ` +
    `(${cached.toFixed(0)} vs ${perWatcher.toFixed(0)} CPU us per put).`,
  'Each watcher still gets its own WatchResponse (its watch_id and header), so the bytes per put are the same in every encoded variant; ' +
    'the envelope variant shows what that per-watcher part costs on its own.',
  'This is the main thread\'s work only: writing the responses to the HTTP/2 streams (one write per stream per turn) comes on top.',
  `1-minute load average when the suite began: ${loadAverageAtStart.toFixed(2)} (anything above 0 is other work sharing the machine).`,
]);
