/**
 * Counters and histograms a worker thread (WAL, apply) updates in a SharedArrayBuffer and the main
 * thread reads at scrape time: an observation is a few Atomics.add on memory both threads already
 * map, never a message and never an allocation beyond one BigInt for a sum.
 *
 * The layout follows from a spec both threads import, so it is never sent or negotiated:
 *
 *   BigInt64 slots:  [counter 0] ... [counter C-1]
 *                    then per histogram h (in spec order), with B = its bound count:
 *                    [bucket 0] ... [bucket B-1] [bucket +Inf] [sum x sumScale]
 *
 * Bucket slots are per bucket, not cumulative (one add per observation); the reader sums them.
 * Each slot is read atomically but not all at once, so a scrape may see an observation in its
 * bucket and not yet in the sum: a few nanoseconds of skew Prometheus never notices. The count is
 * the sum of the buckets, so `_count` always equals the +Inf bucket, as the format requires.
 */

/** One histogram's layout: its upper bounds, and the factor that makes its sum an integer. */
export interface HistogramSpec {
  readonly upperBounds: readonly number[];
  /** Observations are added to the sum as round(value * sumScale): 1e9 keeps seconds to the nanosecond. */
  readonly sumScale: number;
}

/** Seconds, summed to the nanosecond. */
export const SECONDS_SUM_SCALE = 1e9;
/** Counts (entries, records), summed exactly. */
export const COUNT_SUM_SCALE = 1;

export interface SharedMetricsSpec<C extends string, H extends string> {
  readonly counters: readonly C[];
  readonly histograms: Readonly<Record<H, HistogramSpec>>;
}

/** A histogram's state as read at one moment: per-bucket counts (the last one is +Inf), sum, count. */
export interface HistogramSnapshot {
  readonly upperBounds: readonly number[];
  /** Observations per bucket, not cumulative; upperBounds.length + 1 of them (the last is +Inf). */
  readonly bucketCounts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/** Index of the first bucket whose upper bound holds `value` (upperBounds.length for +Inf). */
export function bucketIndex(upperBounds: readonly number[], value: number): number {
  let i = 0;
  while (i < upperBounds.length && value > upperBounds[i]!) i++;
  return i;
}

function checkBounds(upperBounds: readonly number[]): void {
  for (let i = 1; i < upperBounds.length; i++) {
    if (!(upperBounds[i]! > upperBounds[i - 1]!)) throw new Error('histogram buckets must increase');
  }
}

class HistogramSlots {
  constructor(readonly spec: HistogramSpec, private readonly slots: BigInt64Array, private readonly first: number) {}

  observe(value: number): void {
    Atomics.add(this.slots, this.first + bucketIndex(this.spec.upperBounds, value), 1n);
    Atomics.add(this.slots, this.first + this.spec.upperBounds.length + 1, BigInt(Math.round(value * this.spec.sumScale)));
  }

  snapshot(): HistogramSnapshot {
    const bucketCounts: number[] = [];
    let count = 0;
    for (let i = 0; i <= this.spec.upperBounds.length; i++) {
      const n = Number(Atomics.load(this.slots, this.first + i));
      bucketCounts.push(n);
      count += n;
    }
    const sum = Number(Atomics.load(this.slots, this.first + this.spec.upperBounds.length + 1)) / this.spec.sumScale;
    return { upperBounds: this.spec.upperBounds, bucketCounts, sum, count };
  }
}

export class SharedMetrics<C extends string, H extends string> {
  private readonly slots: BigInt64Array;
  private readonly counterSlot: Record<C, number>;
  private readonly histogramSlots: Record<H, HistogramSlots>;

  /** Views `buffer` (from create(), possibly on another thread) with the layout of `spec`. */
  constructor(readonly spec: SharedMetricsSpec<C, H>, readonly buffer: SharedArrayBuffer) {
    if (buffer.byteLength !== SharedMetrics.bytesFor(spec)) throw new Error('shared metrics buffer does not match its spec');
    this.slots = new BigInt64Array(buffer);
    this.counterSlot = {} as Record<C, number>;
    spec.counters.forEach((name, i) => { this.counterSlot[name] = i; });
    this.histogramSlots = {} as Record<H, HistogramSlots>;
    let next = spec.counters.length;
    for (const name of Object.keys(spec.histograms) as H[]) {
      const histogram = spec.histograms[name];
      checkBounds(histogram.upperBounds);
      this.histogramSlots[name] = new HistogramSlots(histogram, this.slots, next);
      next += histogram.upperBounds.length + 2;
    }
  }

  /** Allocates a zeroed buffer for `spec` (the main thread, before it starts the worker). */
  static create<C extends string, H extends string>(spec: SharedMetricsSpec<C, H>): SharedMetrics<C, H> {
    return new SharedMetrics(spec, new SharedArrayBuffer(SharedMetrics.bytesFor(spec)));
  }

  static bytesFor(spec: SharedMetricsSpec<string, string>): number {
    let slots = spec.counters.length;
    for (const histogram of Object.values<HistogramSpec>(spec.histograms)) slots += histogram.upperBounds.length + 2;
    return slots * 8;
  }

  add(counter: C, amount: number): void {
    Atomics.add(this.slots, this.counterSlot[counter], BigInt(amount));
  }

  /** Sets a slot used as a gauge (one writer). */
  set(counter: C, value: number): void {
    Atomics.store(this.slots, this.counterSlot[counter], BigInt(value));
  }

  get(counter: C): number {
    return Number(Atomics.load(this.slots, this.counterSlot[counter]));
  }

  observe(histogram: H, value: number): void {
    this.histogramSlots[histogram].observe(value);
  }

  snapshot(histogram: H): HistogramSnapshot {
    return this.histogramSlots[histogram].snapshot();
  }
}
