/** Prometheus text format 0.0.4 as etcd's client_golang writes it: number spelling, escaping, order, histograms. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoFloat, renderExposition } from '../../net/http/metrics/exposition.js';
import { MetricRegistry } from '../../net/http/metrics/registry.js';
import { Histogram } from '../../engine/metrics/histogram.js';

test('numbers are spelled as Go\'s strconv.FormatFloat(v, \'g\', -1, 64)', () => {
  // Each pair is what a real etcd 3.4 (Go) writes for the value.
  const cases: [number, string][] = [
    [0, '0'], [5, '5'], [-3, '-3'], [999999, '999999'], [1e6, '1e+06'], [25006080, '2.500608e+07'],
    [0.03, '0.03'], [0.001682716, '0.001682716'], [0.0001, '0.0001'], [0.00001, '1e-05'],
    [1.7955109451725147e9, '1.7955109451725147e+09'], [1e21, '1e+21'], [1.5e-7, '1.5e-07'], [123456.5, '123456.5'],
    [Infinity, '+Inf'], [-Infinity, '-Inf'], [NaN, 'NaN'],
  ];
  for (const [value, expected] of cases) assert.equal(formatGoFloat(value), expected, `${value}`);
});

test('families come out sorted by name with HELP and TYPE lines, help and label values escaped', () => {
  const text = renderExposition([
    { name: 'zeta_total', help: 'last', type: 'counter', samples: [{ suffix: '', labels: [], value: 2 }] },
    { name: 'alpha', help: 'back\\slash and\nnewline', type: 'gauge',
      samples: [{ suffix: '', labels: [['path', 'a"b\\c\nd']], value: 1e6 }] },
  ]);
  assert.equal(text, [
    '# HELP alpha back\\\\slash and\\nnewline',
    '# TYPE alpha gauge',
    'alpha{path="a\\"b\\\\c\\nd"} 1e+06',
    '# HELP zeta_total last',
    '# TYPE zeta_total counter',
    'zeta_total 2',
    '',
  ].join('\n'));
});

test('a histogram exports cumulative buckets with etcd\'s le spelling, then +Inf, sum and count', () => {
  const registry = new MetricRegistry();
  const histogram = new Histogram([0.001, 0.002, 0.004]);
  registry.histogramFunc('h_seconds', 'h', () => histogram.snapshot());
  for (const value of [0.0005, 0.0015, 0.0015, 0.003, 7]) histogram.observe(value);
  assert.equal(renderExposition(registry.collect()), [
    '# HELP h_seconds h',
    '# TYPE h_seconds histogram',
    'h_seconds_bucket{le="0.001"} 1',
    'h_seconds_bucket{le="0.002"} 3',
    'h_seconds_bucket{le="0.004"} 4',
    'h_seconds_bucket{le="+Inf"} 5',
    'h_seconds_sum 7.0065',
    'h_seconds_count 5',
    '',
  ].join('\n'));
});
