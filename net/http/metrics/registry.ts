/**
 * The metrics registry behind /metrics. Most of cairn's figures already live somewhere (the WAL's
 * and the apply worker's shared metrics, the member's Raft state, the peer transport's counters),
 * so every family is read at scrape time through a function rather than updated on the hot path.
 * Names must be unique: a second registration throws, because a duplicate family is invalid
 * exposition. Labels are given in name order, as client_golang writes them.
 *
 * prom-client is the registry the project means to use; it is not installed yet. Every kind here
 * has a prom-client twin, so the swap stays inside this file: counterFunc/gaugeFunc and their
 * vectors are a Counter/Gauge with a `collect()` that sets the values read; histogramFunc is a
 * custom metric registered with `registry.registerMetric({ name, help, type, get() })` returning
 * the buckets of the snapshots (prom-client has no API to set bucket counts, and the worker-side
 * histograms must stay in shared memory). What would change is the text: prom-client formats
 * numbers as JavaScript does, where this exposition writes them as etcd's Go client does.
 */
import type { HistogramSnapshot } from '../../../engine/metrics/shared-metrics.js';
import { formatGoFloat, type MetricFamily, type MetricType, type Sample } from './exposition.js';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export type Labels = ReadonlyArray<readonly [string, string]>;

/** One series of a family with labels: its label pairs and value. */
export interface LabeledValue {
  labels: Labels;
  value: number;
}

/** One series of a histogram family: its label pairs and its buckets. */
export interface LabeledHistogram {
  labels: Labels;
  histogram: HistogramSnapshot;
}

/** The samples of a histogram: cumulative buckets (`le` after the other labels, as client_golang writes it), sum, count. */
export function histogramSamples(labels: Labels, histogram: HistogramSnapshot): Sample[] {
  const samples: Sample[] = [];
  let cumulative = 0;
  histogram.upperBounds.forEach((bound, i) => {
    cumulative += histogram.bucketCounts[i]!;
    samples.push({ suffix: '_bucket', labels: [...labels, ['le', formatGoFloat(bound)]], value: cumulative });
  });
  samples.push({ suffix: '_bucket', labels: [...labels, ['le', '+Inf']], value: histogram.count });
  samples.push({ suffix: '_sum', labels, value: histogram.sum });
  samples.push({ suffix: '_count', labels, value: histogram.count });
  return samples;
}

function sortLabels(labels: Labels): Labels {
  return [...labels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
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
    this.counterVecFunc(name, help, () => Object.entries(read()).map(([value, count]) => ({ labels: [[label, value]], value: count })));
  }

  /** A counter with labels: the series `read` returns at scrape time. */
  counterVecFunc(name: string, help: string, read: () => Iterable<LabeledValue>): void {
    this.add(name, { help, type: 'counter', collect: () => vectorSamples(read()) });
  }

  /** A gauge whose value `read` returns at scrape time. */
  gaugeFunc(name: string, help: string, read: () => number): void {
    this.add(name, { help, type: 'gauge', collect: () => [{ suffix: '', labels: [], value: read() }] });
  }

  /** A gauge with labels: the series `read` returns at scrape time. */
  gaugeVecFunc(name: string, help: string, read: () => Iterable<LabeledValue>): void {
    this.add(name, { help, type: 'gauge', collect: () => vectorSamples(read()) });
  }

  /** A gauge that never changes, identified by its labels (etcd's `etcd_server_id{server_id="..."} 1`). */
  infoGauge(name: string, help: string, labels: Labels): void {
    this.add(name, { help, type: 'gauge', collect: () => [{ suffix: '', labels: sortLabels(labels), value: 1 }] });
  }

  /** A histogram without labels, read at scrape time (kept by a worker in shared memory, or on this thread). */
  histogramFunc(name: string, help: string, read: () => HistogramSnapshot): void {
    this.histogramVecFunc(name, help, () => [{ labels: [], histogram: read() }]);
  }

  /** A histogram with labels: the series `read` returns at scrape time. */
  histogramVecFunc(name: string, help: string, read: () => Iterable<LabeledHistogram>): void {
    this.add(name, {
      help, type: 'histogram',
      collect: () => [...read()].flatMap(({ labels, histogram }) => histogramSamples(sortLabels(labels), histogram)),
    });
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

function vectorSamples(series: Iterable<LabeledValue>): Sample[] {
  return [...series].map(({ labels, value }) => ({ suffix: '', labels: sortLabels(labels), value }));
}
