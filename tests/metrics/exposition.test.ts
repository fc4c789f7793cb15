/** The /metrics body: prom-client's text laid out as etcd's client_golang lays it out, histograms kept elsewhere, Prometheus' parser. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Gauge, Registry } from 'prom-client';
import { renderExposition } from '../../net/http/metrics/exposition.js';
import { counterFunc, gaugeFunc, gaugeVecFunc } from '../../net/http/metrics/collected-metrics.js';
import { SnapshotHistogram } from '../../net/http/metrics/snapshot-histogram.js';
import { Histogram } from '../../engine/metrics/histogram.js';
import { parseExposition } from '../../bench/cluster/metrics-scrape.js';

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

test('families come out sorted by name, one after another, with HELP and TYPE lines; a family without series is left out', async () => {
  const registry = new Registry();
  counterFunc(registry, 'zeta_total', 'last', () => 2);
  gaugeVecFunc(registry, 'alpha', 'back\\slash and\nnewline', ['path'], () => [{ labels: { path: 'a"b\\c\nd' }, value: 1e6 }]);
  gaugeVecFunc(registry, 'empty', 'no series yet', ['peer'], () => []);
  assert.equal(await renderExposition(registry), [
    '# HELP alpha back\\\\slash and\\nnewline',
    '# TYPE alpha gauge',
    'alpha{path="a\\"b\\\\c\\nd"} 1000000',
    '# HELP zeta_total last',
    '# TYPE zeta_total counter',
    'zeta_total 2',
    '',
  ].join('\n'));
});

test('a histogram kept outside prom-client exports cumulative buckets, le after the other labels, then +Inf, sum and count', async () => {
  const registry = new Registry();
  const histogram = new Histogram([0.001, 0.002, 0.004]);
  SnapshotHistogram.register(registry, 'h_seconds', 'h', () => [{ labels: { To: 'b' }, histogram: histogram.snapshot() }]);
  SnapshotHistogram.registerOne(registry, 'one_seconds', 'one', () => new Histogram([1]).snapshot());
  for (const value of [0.0005, 0.0015, 0.0015, 0.003, 7]) histogram.observe(value);
  assert.equal(await renderExposition(registry), [
    '# HELP h_seconds h',
    '# TYPE h_seconds histogram',
    'h_seconds_bucket{To="b",le="0.001"} 1',
    'h_seconds_bucket{To="b",le="0.002"} 3',
    'h_seconds_bucket{To="b",le="0.004"} 4',
    'h_seconds_bucket{To="b",le="+Inf"} 5',
    'h_seconds_sum{To="b"} 7.0065',
    'h_seconds_count{To="b"} 5',
    '# HELP one_seconds one',
    '# TYPE one_seconds histogram',
    'one_seconds_bucket{le="1"} 0',
    'one_seconds_bucket{le="+Inf"} 0',
    'one_seconds_sum 0',
    'one_seconds_count 0',
    '',
  ].join('\n'));
});

test('values are read at scrape time; a series that is gone is dropped; a name registered twice is refused', async () => {
  const registry = new Registry();
  let reads = 1;
  let peers = ['a', 'b'];
  counterFunc(registry, 'reads_total', 'reads', () => reads);
  gaugeVecFunc(registry, 'peer_up', 'peers', ['peer'], () => peers.map((peer) => ({ labels: { peer }, value: 1 })));
  assert.equal(parseExposition(await renderExposition(registry)).get('reads_total'), 1);
  reads = 7;
  peers = ['b'];
  const series = parseExposition(await renderExposition(registry));
  assert.equal(series.get('reads_total'), 7);
  assert.deepEqual([...series.keys()].filter((name) => name.startsWith('peer_up')), ['peer_up{peer="b"}']);
  assert.throws(() => gaugeFunc(registry, 'reads_total', 'again', () => 1), /already been registered/);
});

test('a family set from another one\'s collect() reads the value of the same scrape, though it sorts first', async () => {
  // As prom-client's default metrics do: nodejs_heap_size_total_bytes' collect() sets nodejs_external_memory_bytes.
  const registry = new Registry();
  let bytes = 0;
  const derived = new Gauge({ name: 'a_derived_bytes', help: 'set by b_source_bytes', registers: [] });
  gaugeFunc(registry, 'b_source_bytes', 'source', () => {
    bytes += 10;
    derived.set(bytes);
    return bytes;
  });
  registry.registerMetric(derived);
  const series = parseExposition(await renderExposition(registry));
  assert.deepEqual([series.get('a_derived_bytes'), series.get('b_source_bytes')], [10, 10]);
});

test('Prometheus parses prom-client\'s number spelling as it parses etcd\'s (Go\'s)', async (t) => {
  if (!onPath('promtool')) return t.skip('promtool is not installed (Debian: apt-get install prometheus)');
  const registry = new Registry();
  gaugeFunc(registry, 'quota_bytes', 'Quota.', () => 2 ** 31);
  gaugeFunc(registry, 'small_seconds', 'Small.', () => 1e-5);
  gaugeFunc(registry, 'unknown_ratio', 'Unknown.', () => Number.NaN);
  const ours = await renderExposition(registry);
  assert.match(ours, /^quota_bytes 2147483648$/m);
  assert.match(ours, /^small_seconds 0\.00001$/m);
  assert.match(ours, /^unknown_ratio Nan$/m);
  const go = ours.replace('2147483648', '2.147483648e+09').replace('0.00001', '1e-05').replace('Nan', 'NaN');
  for (const text of [ours, go]) {
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `${text}\n${check.stdout}${check.stderr}`);
  }
});
