/**
 * A histogram family whose bucket counts are kept outside prom-client and read at scrape time:
 * the WAL and apply workers' histograms in shared memory (engine/metrics/shared-metrics.ts) and
 * the main thread's (engine/metrics/histogram.ts: peer round trips, gRPC call durations, snapshot
 * saves).
 *
 * Why not prom-client's Histogram: it counts only what is observe()d on it, and has no way to
 * set bucket counts. The worker threads cannot reach an object of the main thread at all, and
 * observing twice (into the engine's histogram and into prom-client's, per fsync or per gRPC
 * call) would add a label hash and a map lookup per observation to the write path. So this class
 * implements what prom-client's Registry calls on a metric, `get()` (plus the name, help and type
 * it prints), and answers with the snapshots' buckets in the shape prom-client's own Histogram
 * gives: cumulative `_bucket` series with `le` last (as client_golang writes it), then +Inf,
 * `_sum` and `_count`. The Registry formats the text, as for every other family.
 */
import type { Metric, Registry } from 'prom-client';
import type { HistogramSnapshot } from '../../../engine/metrics/shared-metrics.js';
import type { Labels } from './collected-metrics.js';

/** One series of a histogram family: its labels (keys in name order) and its buckets. */
export interface LabeledHistogram {
  labels: Labels;
  histogram: HistogramSnapshot;
}

interface SampleValue {
  metricName: string;
  labels: Readonly<Record<string, string | number>>;
  value: number;
}

export class SnapshotHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  private constructor(readonly name: string, readonly help: string, private readonly read: () => Iterable<LabeledHistogram>) {}

  /** Registers a family with labels: the series `read` returns at scrape time. */
  static register(registry: Registry, name: string, help: string, read: () => Iterable<LabeledHistogram>): SnapshotHistogram {
    const metric = new SnapshotHistogram(name, help, read);
    // prom-client's typings list only its own four metric classes; its Registry needs name, help, type and get().
    registry.registerMetric(metric as unknown as Metric);
    return metric;
  }

  /** Registers a family without labels. */
  static registerOne(registry: Registry, name: string, help: string, read: () => HistogramSnapshot): SnapshotHistogram {
    return SnapshotHistogram.register(registry, name, help, () => [{ labels: {}, histogram: read() }]);
  }

  /** The family's samples now, as prom-client's Histogram.get() gives them. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: SampleValue[] }> {
    const values: SampleValue[] = [];
    for (const { labels, histogram } of this.read()) {
      let cumulative = 0;
      histogram.upperBounds.forEach((bound, i) => {
        cumulative += histogram.bucketCounts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: bound }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: histogram.count });
      values.push({ metricName: `${this.name}_sum`, labels, value: histogram.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: histogram.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
