/**
 * The SVG charts of a results file, drawn by Vega-Lite (compiled to Vega and rendered headless
 * with `view.toSVG()`: no browser, no canvas):
 * - throughput over time: answers per second through each step, one panel per configuration;
 * - latency percentiles by concurrency: p50/p90/p99/p99.9 per step, log scales, one panel per
 *   configuration (same axes, so panels compare at a glance).
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { BenchResult } from './bench-result.js';

const WIDTH = 640;
const HEIGHT = 220;
/** Latency panels sit side by side, one per configuration. */
const LATENCY_PANEL_WIDTH = 260;

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function throughputSpec(result: BenchResult): TopLevelSpec {
  const values = result.runs.flatMap((run) => run.steps.flatMap((step) => step.per_second.map((ops, second) => ({
    configuration: run.label, concurrency: `c=${step.concurrency}`, second, ops,
  }))));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${result.name}: answers per second (warm-up of ${result.workload.warmup_s} s included)`,
    data: { values },
    facet: { row: { field: 'configuration', type: 'nominal', title: null, sort: result.runs.map((run) => run.label) } },
    spec: {
      width: WIDTH,
      height: HEIGHT,
      mark: { type: 'line', point: false },
      encoding: {
        x: { field: 'second', type: 'quantitative', title: 'seconds into the step' },
        y: { field: 'ops', type: 'quantitative', title: 'ops/s' },
        color: { field: 'concurrency', type: 'nominal', title: 'in flight', sort: null },
      },
    },
    background: 'white',
  } as TopLevelSpec;
}

export function latencySpec(result: BenchResult): TopLevelSpec {
  const percentiles = [['p50', 'p50_ms'], ['p90', 'p90_ms'], ['p99', 'p99_ms'], ['p99.9', 'p999_ms']] as const;
  const values = result.runs.flatMap((run) => run.steps.flatMap((step) => percentiles.map(([percentile, field]) => ({
    configuration: run.label, concurrency: step.concurrency, percentile, latency_ms: Math.max(step.latency[field], 0.001),
  }))));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${result.name}: latency by concurrency`,
    data: { values },
    facet: { column: { field: 'configuration', type: 'nominal', title: null, sort: result.runs.map((run) => run.label) } },
    spec: {
      width: LATENCY_PANEL_WIDTH,
      height: HEIGHT * 1.5,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'concurrency', type: 'quantitative', scale: { type: 'log' }, title: 'requests in flight' },
        y: { field: 'latency_ms', type: 'quantitative', scale: { type: 'log' }, title: 'latency (ms)' },
        color: { field: 'percentile', type: 'nominal', sort: percentiles.map(([percentile]) => percentile) },
      },
    },
    background: 'white',
  } as TopLevelSpec;
}
