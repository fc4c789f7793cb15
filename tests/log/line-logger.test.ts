import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goDuration } from '../../engine/logger.js';
import { createLineLogger } from '../../bin/log/line-logger.js';
import { checkLogOutputs, openLogSinks } from '../../bin/log/log-sinks.js';

const NOW = (): Date => new Date('2026-12-07T20:08:04.901Z');

/** A logger writing to a fresh file; returns it and a reader of the lines written. */
function fileLogger(kind: 'zap' | 'capnslog', level: 'debug' | 'info' | 'warn' | 'error' | 'panic' | 'fatal') {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-log-'));
  const path = join(dir, 'member.log');
  const sinks = openLogSinks([path]);
  assert.ok(typeof sinks !== 'string');
  const logger = createLineLogger({ kind, level, fds: sinks.fds, now: NOW }, 'etcdserver');
  const lines = (): string[] => readFileSync(path, 'utf8').split('\n').filter((line) => line !== '');
  const done = (): void => { sinks.close(); rmSync(dir, { recursive: true, force: true }); };
  return { logger, lines, done, path };
}

test('zap lines are one JSON object each: level, ts, caller and msg first, then the fields', () => {
  const { logger, lines, done } = fileLogger('zap', 'info');
  try {
    logger.warn('slow fdatasync', { took: goDuration(1234.5), 'expected-duration': goDuration(1000) });
    logger.named('raft').info('8e9e05c52164694d became leader at term 2');
    logger.info('added member', { 'added-peer-peer-urls': ['http://127.0.0.1:2380'], big: 2n ** 64n, small: 5n, error: new Error('boom') });
    assert.deepEqual(lines(), [
      '{"level":"warn","ts":"2026-12-07T20:08:04.901Z","caller":"etcdserver","msg":"slow fdatasync","took":"1.2345s","expected-duration":"1s"}',
      '{"level":"info","ts":"2026-12-07T20:08:04.901Z","caller":"raft","msg":"8e9e05c52164694d became leader at term 2"}',
      '{"level":"info","ts":"2026-12-07T20:08:04.901Z","caller":"etcdserver","msg":"added member","added-peer-peer-urls":["http://127.0.0.1:2380"],"big":"18446744073709551616","small":5,"error":"boom"}',
    ]);
  } finally {
    done();
  }
});

test('--log-level drops the less severe lines and says which levels are on', () => {
  const { logger, lines, done } = fileLogger('zap', 'warn');
  try {
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');
    assert.deepEqual(lines().map((line) => (JSON.parse(line) as { level: string }).level), ['warn', 'error', 'fatal']);
    assert.deepEqual([logger.enabled('info'), logger.enabled('warn')], [false, true]);
  } finally {
    done();
  }
  const panic = fileLogger('zap', 'panic');
  try {
    panic.logger.error('e');
    panic.logger.fatal('f');
    assert.equal(panic.lines().length, 1, 'at panic only fatal lines are left');
  } finally {
    panic.done();
  }
});

test('capnslog lines are etcd 3.4\'s text layout', () => {
  const { logger, lines, done } = fileLogger('capnslog', 'debug');
  try {
    logger.info('saved snapshot', { 'snapshot-index': 10 });
    logger.debug('d');
    assert.deepEqual(lines(), [
      '2026-12-07 20:08:04.901000 I | etcdserver: saved snapshot snapshot-index=10',
      '2026-12-07 20:08:04.901000 D | etcdserver: d',
    ]);
  } finally {
    done();
  }
});

test('a log file is appended to, and an output that cannot be opened reads as etcd reports it', () => {
  const first = fileLogger('zap', 'info');
  try {
    first.logger.info('one');
    const again = openLogSinks([first.path]);
    assert.ok(typeof again !== 'string');
    createLineLogger({ kind: 'zap', level: 'info', fds: again.fds, now: NOW }).info('two');
    again.close();
    assert.deepEqual(first.lines().map((line) => (JSON.parse(line) as { msg: string }).msg), ['one', 'two']);
  } finally {
    first.done();
  }
  assert.equal(openLogSinks(['/nonexistent/x.log']), 'open sink "/nonexistent/x.log": open /nonexistent/x.log: no such file or directory');
  assert.deepEqual((openLogSinks(['stderr', 'default', 'stdout']) as { fds: number[] }).fds, [2, 1]);
  assert.match(checkLogOutputs(['journal'], 'zap')!, /^--log-outputs=journal is not supported/);
});

test('every output gets each line; a message is written as given, never as a format string', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-log-'));
  const paths = [join(dir, 'a.log'), join(dir, 'b.log')];
  const sinks = openLogSinks(paths);
  assert.ok(typeof sinks !== 'string');
  try {
    const logger = createLineLogger({ kind: 'zap', level: 'info', fds: sinks.fds, now: NOW }, 'etcdserver');
    logger.info('100%s done %d %j', { 'took': '1s' });
    logger.named('raft').warn('w');
    for (const path of paths) {
      assert.deepEqual(readFileSync(path, 'utf8').split('\n').filter((line) => line !== ''), [
        '{"level":"info","ts":"2026-12-07T20:08:04.901Z","caller":"etcdserver","msg":"100%s done %d %j","took":"1s"}',
        '{"level":"warn","ts":"2026-12-07T20:08:04.901Z","caller":"raft","msg":"w"}',
      ], path);
    }
  } finally {
    sinks.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('durations read as Go prints them', () => {
  assert.deepEqual([goDuration(0), goDuration(0.0005), goDuration(2.5), goDuration(1000), goDuration(90_000), goDuration(7_200_000)],
    ['0s', '500ns', '2.5ms', '1s', '1m30s', '2h0m0s']);
});
