/**
 * deploy/ as an operator would use it: every metric the Grafana dashboard and the alert rules read
 * is one a live 3-member cluster serves; the rules pass `promtool test rules` and the unit passes
 * `systemd-analyze verify` (when those tools are installed: Debian's prometheus and systemd); the
 * compose file, the Dockerfile and the example environment file set only flags cairn has.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ProcessCluster } from '../cluster/process-cluster.js';
import { ENV_PREFIX } from '../../bin/flags/env.js';
import { flagSpec } from '../../bin/flags/flag-table.js';
import { metricNames } from './promql-names.js';

const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url));
/** Series Prometheus makes itself for every target, not served by the member. */
const SYNTHETIC = new Set(['up']);

interface Dashboard { panels: { title: string; targets: { expr: string }[] }[] }
interface RuleFile { groups: { rules: { alert: string; expr: string }[] }[] }

function dashboardExpressions(): [string, string][] {
  const dashboard = JSON.parse(readFileSync(`${DEPLOY}grafana/cairn-dashboard.json`, 'utf8')) as Dashboard;
  return dashboard.panels.flatMap((panel) => panel.targets.map((target): [string, string] => [`panel "${panel.title}"`, target.expr]));
}

function ruleExpressions(): [string, string][] {
  const rules = parseYaml(readFileSync(`${DEPLOY}prometheus/cairn-alerts.yml`, 'utf8')) as RuleFile;
  return rules.groups.flatMap((group) => group.rules.map((rule): [string, string] => [`alert ${rule.alert}`, rule.expr]));
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

test('PromQL names: metrics read, not functions, labels, keywords or durations', () => {
  assert.deepEqual(metricNames('histogram_quantile(0.99, sum(rate(a_bucket{job=~"x|y"}[5m])) by (instance, le)) > 0.5'), ['a_bucket']);
  assert.deepEqual(metricNames('sum without (instance) (up{job="e"} == bool 0) or 0 * absent(b_total) and on() c'), ['b_total', 'c', 'up']);
  assert.deepEqual(metricNames('predict_linear(d[4h], 4 * 60 * 60) > e offset 1h + 1e6'), ['d', 'e']);
});

test('every metric the dashboard and the alert rules read is served by a live cluster', async () => {
  const cluster = new ProcessCluster(3, 100, 1000);
  try {
    await cluster.start();
    const leader = await cluster.leader();
    const text = await (await fetch(`http://127.0.0.1:${leader.httpPort}/metrics`)).text();
    const served = new Set(text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).map((line) => /^[^{ ]+/.exec(line)![0]));
    const expressions = [...dashboardExpressions(), ...ruleExpressions()];
    assert.ok(expressions.length >= 30, `${expressions.length} expressions`);
    for (const [where, expr] of expressions) {
      const names = metricNames(expr);
      assert.ok(names.length > 0, `${where} reads no metric: ${expr}`);
      for (const name of names) assert.ok(SYNTHETIC.has(name) || served.has(name), `${where} reads ${name}, which cairn does not serve`);
    }
  } finally {
    await cluster.close();
  }
});

test('the alert rules pass their promtool unit tests', (t) => {
  if (!onPath('promtool')) return t.skip('promtool is not installed (Debian: apt-get install prometheus)');
  const run = spawnSync('promtool', ['test', 'rules', 'cairn-alerts.test.yml'], { cwd: `${DEPLOY}prometheus`, encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  const check = spawnSync('promtool', ['check', 'rules', 'cairn-alerts.yml'], { cwd: `${DEPLOY}prometheus`, encoding: 'utf8' });
  assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
});

test('the systemd unit verifies without a warning', (t) => {
  if (!onPath('systemd-analyze')) return t.skip('systemd-analyze is not installed');
  const run = spawnSync('systemd-analyze', ['verify', `${DEPLOY}systemd/cairn.service`], { encoding: 'utf8' });
  // verify exits 0 on unknown keys and bad values too: it only warns, so any output is a failure.
  assert.equal(`${run.stdout}${run.stderr}`.trim(), '');
  assert.equal(run.status, 0);
});

test('the compose file, the Dockerfile and the example environment set only flags cairn has', () => {
  const names: string[] = [];
  const compose = parseYaml(readFileSync(`${DEPLOY}docker/compose.yaml`, 'utf8'), { merge: true }) as
    { services: Record<string, { environment: Record<string, string> }> };
  assert.deepEqual(Object.keys(compose.services), ['cairn1', 'cairn2', 'cairn3']);
  for (const service of Object.values(compose.services)) names.push(...Object.keys(service.environment));
  names.push(...[...readFileSync(`${DEPLOY}docker/Dockerfile`, 'utf8').matchAll(/\b(CAIRN_[A-Z_]+)=/g)].map((match) => match[1]!));
  names.push(...readFileSync(`${DEPLOY}systemd/cairn.default`, 'utf8').split('\n')
    .filter((line) => /^CAIRN_/.test(line)).map((line) => line.split('=')[0]!));
  assert.ok(names.length > 20);
  for (const name of names) {
    const flag = name.slice(ENV_PREFIX.length).toLowerCase().replace(/_/g, '-');
    assert.ok(flagSpec(flag) !== undefined, `${name}: cairn has no --${flag}`);
  }
  assert.ok(existsSync(`${DEPLOY}docker/Dockerfile.dockerignore`));
});
