/**
 * Latency of every request, in an HdrHistogram (hdr-histogram-js): microsecond values, 3
 * significant digits, auto-resizing so no outlier is clamped. Each client process encodes its
 * histogram (HdrHistogram's compressed base64 form) and the parent adds them up, so the merged
 * percentiles are those of every request of the run, not an average of per-process percentiles.
 */
import * as hdr from 'hdr-histogram-js';

export type LatencyHistogram = hdr.Histogram;

/** The percentiles a run reports, in milliseconds. */
export interface LatencySummary {
  count: number;
  mean_ms: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
}

/** Counts as 64-bit floats: a long run at 100k/s overflows no bucket. */
const BIT_BUCKET_SIZE = 64;

export function createLatencyHistogram(): LatencyHistogram {
  return hdr.build({ bitBucketSize: BIT_BUCKET_SIZE, autoResize: true, lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3 });
}

/** Records one latency given in milliseconds (as performance.now() differences come). */
export function recordLatencyMs(histogram: LatencyHistogram, latencyMs: number): void {
  // Sub-microsecond answers (impossible over a socket, but a clock may say so) count as 1 us.
  histogram.recordValue(Math.max(1, Math.round(latencyMs * 1000)));
}

export function encodeHistogram(histogram: LatencyHistogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

/** One histogram holding every value of the encoded ones. */
export function mergeHistograms(encoded: readonly string[]): LatencyHistogram {
  const merged = createLatencyHistogram();
  for (const text of encoded) merged.add(hdr.decodeFromCompressedBase64(text, BIT_BUCKET_SIZE, false));
  return merged;
}

const MICROSECONDS_PER_MS = 1000;

export function summarize(histogram: LatencyHistogram): LatencySummary {
  const at = (percentile: number): number => (histogram.totalCount === 0 ? 0 : histogram.getValueAtPercentile(percentile) / MICROSECONDS_PER_MS);
  return {
    count: histogram.totalCount,
    mean_ms: histogram.totalCount === 0 ? 0 : histogram.mean / MICROSECONDS_PER_MS,
    p50_ms: at(50),
    p90_ms: at(90),
    p99_ms: at(99),
    p999_ms: at(99.9),
    max_ms: histogram.totalCount === 0 ? 0 : histogram.maxValue / MICROSECONDS_PER_MS,
  };
}
