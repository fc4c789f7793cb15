/**
 * Node's runtime, in place of etcd's go_* metrics: heap, garbage collection and event-loop delay
 * of the main thread (the Raft thread, whose stalls delay heartbeats), under the names and HELP
 * texts of prom-client's default metrics, so dashboards written for Node services read them and
 * the swap to prom-client's collectDefaultMetrics changes nothing a scrape sees. The event-loop
 * delay is sampled by Node's own histogram (perf_hooks) and reset after each scrape, as prom-client
 * does; GC pauses arrive from a PerformanceObserver, one entry per collection, not per write.
 */
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { Histogram } from '../../../engine/metrics/histogram.js';
import type { MetricRegistry } from './registry.js';

/** prom-client's GC duration buckets. */
const GC_BUCKETS_SECONDS = [0.001, 0.01, 0.1, 1, 2, 5];
/** perf_hooks' event-loop delay sampling period (prom-client's default too). */
const EVENT_LOOP_RESOLUTION_MS = 10;

const GC_KINDS: ReadonlyArray<readonly [number, string]> = [
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'], [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'], [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
];

/** Registers the runtime metrics; returns the function that stops sampling (call it when the server stops). */
export function registerRuntimeMetrics(registry: MetricRegistry): () => void {
  registry.gaugeFunc('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', () => process.memoryUsage().heapTotal);
  registry.gaugeFunc('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', () => process.memoryUsage().heapUsed);
  registry.gaugeFunc('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', () => process.memoryUsage().external);
  const [major, minor, patch] = process.versions.node.split('.') as [string, string, string];
  registry.infoGauge('nodejs_version_info', 'Node.js version info.',
    [['version', process.version], ['major', major], ['minor', minor], ['patch', patch]]);

  const delay = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  delay.enable();
  // Each figure is read on its own, so the reset waits for the last of them (max) in a scrape.
  registry.gaugeFunc('nodejs_eventloop_lag_mean_seconds', 'The mean of the recorded event loop delays.', () => seconds(delay.mean));
  registry.gaugeFunc('nodejs_eventloop_lag_p99_seconds', 'The 99th percentile of the recorded event loop delays.',
    () => seconds(delay.percentile(99)));
  registry.gaugeFunc('nodejs_eventloop_lag_max_seconds', 'The maximum recorded event loop delay.', () => {
    const max = seconds(delay.max);
    delay.reset();
    return max;
  });

  const gc = new Map(GC_KINDS.map(([, kind]) => [kind, new Histogram(GC_BUCKETS_SECONDS)]));
  const kindNames = new Map(GC_KINDS);
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = kindNames.get((entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? -1);
      if (kind !== undefined) gc.get(kind)!.observe(entry.duration / 1000);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  registry.histogramVecFunc('nodejs_gc_duration_seconds', 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
    () => [...gc].map(([kind, histogram]) => ({ labels: [['kind', kind]], histogram: histogram.snapshot() })));
  return () => {
    delay.disable();
    observer.disconnect();
  };
}

/** perf_hooks reports nanoseconds; NaN (no sample yet) reads as 0. */
function seconds(nanoseconds: number): number {
  return Number.isFinite(nanoseconds) ? nanoseconds / 1e9 : 0;
}
