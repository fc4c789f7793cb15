/** Filling the results file: member summaries, ratios against etcd, the headline, the markdown and the charts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headlineOf, ratiosAgainst, summarizeMembers, type BenchResult, type RunResult, type StepResult } from '../../bench/cluster/bench-result.js';
import { latencySpec, renderSvg, throughputSpec } from '../../bench/cluster/charts.js';
import type { MemberSample } from '../../bench/cluster/member-sampler.js';
import { summaryMarkdown } from '../../bench/cluster/summary-markdown.js';

function sample(t: number, member: string, leader: boolean, cpu: number): MemberSample {
  return { t, member, leader, cpu_percent: cpu, rss_bytes: cpu * 1000, fsyncs_per_sec: 10, entries_per_fsync: cpu > 0 ? 2 : null };
}

function step(concurrency: number, opsPerSec: number, p99: number): StepResult {
  return {
    concurrency, connections: Math.min(concurrency, 16), depth: 1, processes: 1, ops: opsPerSec * 2, errors: 0, error_kinds: {},
    ops_per_sec: opsPerSec, latency: { count: opsPerSec * 2, mean_ms: 1, p50_ms: 1, p90_ms: 2, p99_ms: p99, p999_ms: p99 * 2, max_ms: p99 * 3 },
    per_second: [opsPerSec, opsPerSec], generator: { processes: 1, cpuSeconds: 1, cores: 0.5 },
    members: summarizeMembers([sample(1, 'm1', true, 80), sample(1, 'm2', false, 40)], 0), samples: [], histogram: '',
  };
}

function run(label: string, steps: StepResult[]): RunResult {
  const [target, protocol] = label.split('-') as [string, string];
  return { label, target, protocol, server_version: '1', steps, bytes_on_disk: { m1: 1024 * 1024 } };
}

test('member summaries cover only the measured window, and name the member that led most of it', () => {
  const samples = [
    sample(0.5, 'm1', false, 999), // warm-up: left out
    sample(1, 'm1', true, 20), sample(2, 'm1', true, 40), sample(3, 'm1', false, 60),
    sample(1, 'm2', false, 10), sample(2, 'm2', false, 0),
  ];
  const summaries = summarizeMembers(samples, 1);
  assert.deepEqual(Object.keys(summaries), ['m1', 'm2']);
  assert.equal(summaries.m1!.leader, true);
  assert.equal(summaries.m1!.cpu_percent_avg, 40);
  assert.equal(summaries.m1!.cpu_percent_max, 60);
  assert.equal(summaries.m1!.rss_bytes_max, 60_000);
  assert.equal(summaries.m2!.leader, false);
  // Intervals without fsyncs say nothing about entries per fsync.
  assert.equal(summaries.m2!.entries_per_fsync_avg, 2);
});

test('ratios compare each run with the reference at the same concurrency', () => {
  const cairn = run('cairn-native', [step(16, 2000, 5), step(64, 9000, 10)]);
  const etcd = run('etcd-grpc', [step(16, 1000, 10), step(64, 3000, 40)]);
  assert.deepEqual(ratiosAgainst([cairn, etcd], etcd), [
    { concurrency: 16, versus: { 'cairn-native': { ops_per_sec: 2, p99: 0.5 } } },
    { concurrency: 64, versus: { 'cairn-native': { ops_per_sec: 3, p99: 0.25 } } },
  ]);
});

test('the headline is the first run\'s best step, with every field the one-line summary promises', () => {
  const headline = headlineOf('x', run('cairn-native', [step(16, 2000, 5), step(64, 9000.4, 10), step(256, 8000, 30)]), 60, 'results/x.json');
  assert.equal(headline.concurrency, 64);
  assert.equal(headline.ops_per_sec, 9000);
  for (const field of ['ops_per_sec', 'p50_ms', 'p99_ms', 'p999_ms', 'errors']) assert.equal(typeof (headline as unknown as Record<string, unknown>)[field], 'number');
});

test('the markdown summary has a row per step, the ratios table, and links the charts; the charts render as SVG', async () => {
  const cairn = run('cairn-native', [step(16, 2000, 5)]);
  const etcd = run('etcd-grpc', [step(16, 1000, 10)]);
  const result: BenchResult = {
    name: 'compare-put', date: '2026-01-01', started_at: '', finished_at: '',
    machine: { cpus: 2, cpu_model: 'cpu', memory_bytes: 2 ** 30, kernel: '6', node: 'v20', load_average_at_start: 0.5 },
    workload: { members: 3, key_size: 8, value_size: 256, key_space: 100_000, sequential: false, mix: { put: 1 }, duration_s: 2,
      warmup_s: 0, count: 0, rate: 0, concurrencies: [16], connections_max: 16, seed: 1 },
    runs: [cairn, etcd], ratios: ratiosAgainst([cairn, etcd], etcd), ratios_reference: 'etcd-grpc',
    headline: headlineOf('compare-put', cairn, 2, 'r.json'),
  };
  const markdown = summaryMarkdown(result, { throughput: 't.svg', latency: 'l.svg' });
  assert.match(markdown, /\| 16 \(16x1, 1p\) \| 2000 \| 1\.00 \| 2\.00 \| 5\.00 \| 10\.00 \| 15\.00 \| 0 \| 50% \| m1\* 80%<br>m2 40% \|/);
  assert.match(markdown, /### Against etcd-grpc/);
  assert.match(markdown, /load average 0\.50 when the run began/);
  assert.doesNotMatch(markdown, /near a full core/);
  const busyClient = { ...etcd, steps: [{ ...etcd.steps[0]!, generator: { processes: 2, cpuSeconds: 10, cores: 1.8 } }] };
  assert.match(summaryMarkdown({ ...result, runs: [cairn, busyClient] }, { throughput: 't.svg', latency: 'l.svg' }),
    /Client processes were near a full core at 16 in flight/);
  assert.match(markdown, /\| 16 \| 2\.00 \| 0\.50 \|/);
  assert.match(markdown, /!\[throughput over time\]\(t\.svg\)/);
  for (const spec of [throughputSpec(result), latencySpec(result)]) {
    const svg = await renderSvg(spec);
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /cairn-native/);
  }
});
