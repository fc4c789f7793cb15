/**
 * A histogram kept by the thread that observes it (the main thread: peer round trips, gRPC call
 * durations). Per-bucket counts, summed cumulatively only when exported; an observation is a
 * short scan of the bounds and two additions.
 */
import { bucketIndex, type HistogramSnapshot } from './shared-metrics.js';

export class Histogram {
  private readonly bucketCounts: number[];
  private sum = 0;
  private count = 0;

  constructor(readonly upperBounds: readonly number[]) {
    for (let i = 1; i < upperBounds.length; i++) {
      if (!(upperBounds[i]! > upperBounds[i - 1]!)) throw new Error('histogram buckets must increase');
    }
    this.bucketCounts = new Array<number>(upperBounds.length + 1).fill(0);
  }

  observe(value: number): void {
    this.bucketCounts[bucketIndex(this.upperBounds, value)]!++;
    this.sum += value;
    this.count++;
  }

  snapshot(): HistogramSnapshot {
    return { upperBounds: this.upperBounds, bucketCounts: [...this.bucketCounts], sum: this.sum, count: this.count };
  }
}
