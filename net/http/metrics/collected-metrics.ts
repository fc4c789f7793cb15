/**
 * prom-client counters and gauges whose values are read at scrape time, in their `collect()`.
 * Most of cairn's figures already live somewhere (the member's Raft state, the workers' shared
 * memory, the peer transport's and the gRPC routes' counters), kept there as plain field or
 * Atomics increments; the write path never calls prom-client (a `counter.inc(labels)` hashes the
 * labels into a map key on every call). A scrape copies the current values in.
 *
 * Label objects must list their keys in name order: prom-client writes labels in the order of
 * the object's keys, and client_golang (etcd) writes them sorted, so the series text is etcd's.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/** One series' label values, keys in name order. */
export type Labels = Readonly<Record<string, string>>;

/** One series of a family with labels. */
export interface LabeledValue {
  labels: Labels;
  value: number;
}

/** A gauge whose value `read` returns at scrape time. */
export function gaugeFunc(registry: Registry, name: string, help: string, read: () => number): Gauge {
  return new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
}

/** A counter whose value `read` returns at scrape time (a count kept elsewhere). */
export function counterFunc(registry: Registry, name: string, help: string, read: () => number): Counter {
  return new Counter({
    name, help, registers: [registry],
    // prom-client's Counter has no set(): start from zero and add the count kept elsewhere.
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** A gauge with labels: the series `read` returns at scrape time (a series that is gone is dropped). */
export function gaugeVecFunc(registry: Registry, name: string, help: string, labelNames: readonly string[],
  read: () => Iterable<LabeledValue>): Gauge {
  return new Gauge({
    name, help, labelNames, registers: [registry],
    collect() {
      this.reset();
      for (const { labels, value } of read()) this.set(labels, value);
    },
  });
}

/** A counter with labels: the series `read` returns at scrape time. */
export function counterVecFunc(registry: Registry, name: string, help: string, labelNames: readonly string[],
  read: () => Iterable<LabeledValue>): Counter {
  return new Counter({
    name, help, labelNames, registers: [registry],
    collect() {
      this.reset();
      for (const { labels, value } of read()) this.inc(labels, value);
    },
  });
}

/** A counter with one label, one series per key of what `read` returns at scrape time. */
export function counterByLabel(registry: Registry, name: string, help: string, label: string,
  read: () => Readonly<Record<string, number>>): Counter {
  return counterVecFunc(registry, name, help, [label],
    () => Object.entries(read()).map(([value, count]) => ({ labels: { [label]: value }, value: count })));
}

/** A gauge that never changes, identified by its labels (etcd's `etcd_server_id{server_id="..."} 1`). */
export function infoGauge(registry: Registry, name: string, help: string, labels: Labels): Gauge {
  const gauge = new Gauge({ name, help, labelNames: Object.keys(labels), registers: [registry] });
  gauge.set(labels, 1);
  return gauge;
}
