/**
 * A small metrics registry for /metrics. Most of cairn's figures already live somewhere (the WAL's
 * status buffer, the member's Raft state, the LMDB file), so counters and gauges are read at scrape
 * time through a function rather than updated on the hot path. `Histogram` (with etcd's bucket
 * layouts) is for durations, which nothing else keeps. Names must be unique: a second registration throws, because a
 * duplicate family is invalid exposition.
 */
import { formatGoFloat, type MetricFamily, type MetricType, type Sample } from './exposition.js';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** `count` upper bounds starting at `start`, each `factor` times the last (Prometheus' ExponentialBuckets). */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (start <= 0 || factor <= 1 || count < 1) throw new Error('exponentialBuckets needs start > 0, factor > 1, count >= 1');
  const buckets: number[] = [];
  for (let i = 0, bound = start; i < count; i++, bound *= factor) buckets.push(bound);
  return buckets;
}

/** etcd's buckets for etcd_disk_wal_fsync_duration_seconds and backend commits: 1 ms .. 8.192 s. */
export const ETCD_DISK_DURATION_BUCKETS_SECONDS = exponentialBuckets(0.001, 2, 14);

/** A histogram with fixed upper bounds; bucket counts are kept per bucket and summed cumulatively on export. */
export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(readonly upperBounds: readonly number[]) {
    for (let i = 1; i < upperBounds.length; i++) {
      if (!(upperBounds[i]! > upperBounds[i - 1]!)) throw new Error('histogram buckets must increase');
    }
    this.counts = new Array<number>(upperBounds.length).fill(0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    const bucket = this.upperBounds.findIndex((bound) => value <= bound);
    if (bucket >= 0) this.counts[bucket]!++;
  }

  samples(): Sample[] {
    const samples: Sample[] = [];
    let cumulative = 0;
    this.upperBounds.forEach((bound, i) => {
      cumulative += this.counts[i]!;
      samples.push({ suffix: '_bucket', labels: [['le', formatGoFloat(bound)]], value: cumulative });
    });
    samples.push({ suffix: '_bucket', labels: [['le', '+Inf']], value: this.count });
    samples.push({ suffix: '_sum', labels: [], value: this.sum });
    samples.push({ suffix: '_count', labels: [], value: this.count });
    return samples;
  }
}

interface Entry {
  help: string;
  type: MetricType;
  collect: () => Sample[];
}

export class MetricRegistry {
  private readonly entries = new Map<string, Entry>();

  /** A counter whose value `read` returns at scrape time (a count kept elsewhere). */
  counterFunc(name: string, help: string, read: () => number): void {
    this.add(name, { help, type: 'counter', collect: () => [{ suffix: '', labels: [], value: read() }] });
  }

  /** A counter with one label, one series per key of what `read` returns at scrape time. */
  counterFuncByLabel(name: string, help: string, label: string, read: () => Readonly<Record<string, number>>): void {
    this.add(name, {
      help, type: 'counter',
      collect: () => Object.entries(read()).map(([value, count]) => ({ suffix: '', labels: [[label, value] as const], value: count })),
    });
  }

  /** A gauge whose value `read` returns at scrape time. */
  gaugeFunc(name: string, help: string, read: () => number): void {
    this.add(name, { help, type: 'gauge', collect: () => [{ suffix: '', labels: [], value: read() }] });
  }

  /** A gauge that never changes, identified by its labels (etcd's `etcd_server_id{server_id="..."} 1`). */
  infoGauge(name: string, help: string, labels: ReadonlyArray<readonly [string, string]>): void {
    this.add(name, { help, type: 'gauge', collect: () => [{ suffix: '', labels, value: 1 }] });
  }

  histogram(name: string, help: string, upperBounds: readonly number[]): Histogram {
    const histogram = new Histogram(upperBounds);
    this.add(name, { help, type: 'histogram', collect: () => histogram.samples() });
    return histogram;
  }

  /** Every family's current samples. */
  collect(): MetricFamily[] {
    return [...this.entries].map(([name, entry]) => ({ name, help: entry.help, type: entry.type, samples: entry.collect() }));
  }

  private add(name: string, entry: Entry): void {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
    if (this.entries.has(name)) throw new Error(`metric ${name} registered twice`);
    this.entries.set(name, entry);
  }
}
