/** Member sampling: procfs parsing, /metrics parsing for cairn and etcd, and the rates between two readings. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExposition, writePathCounters } from '../../bench/cluster/metrics-scrape.js';
import { sampleBetween } from '../../bench/cluster/member-sampler.js';
import { cpuSecondsOfStat, readProcUsage, rssBytesOfStatus } from '../../bench/cluster/proc-stat.js';

test('CPU time is read after the command name, which may hold spaces and parentheses', () => {
  // Fields 14 and 15 (utime 250, stime 50 ticks) follow a command name "node (x) y".
  const stat = '4242 (node (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 123 456 789';
  assert.equal(cpuSecondsOfStat(stat, 100), 3);
  assert.equal(rssBytesOfStatus('Name:\tnode\nVmRSS:\t  12345 kB\nThreads:\t11\n'), 12345 * 1024);
  assert.equal(rssBytesOfStatus('Name:\tzombie\n'), 0);
});

test('this process\'s own usage reads from procfs, and a process that is gone reads as null', () => {
  const usage = readProcUsage(process.pid);
  assert.ok(usage !== null && usage.rssBytes > 0 && usage.cpuSeconds >= 0);
  assert.equal(readProcUsage(2 ** 30), null);
});

test('fsyncs come from cairn\'s counter or from etcd\'s fsync histogram count', () => {
  const cairn = writePathCounters(parseExposition([
    '# TYPE cairn_wal_fsyncs_total counter', 'cairn_wal_fsyncs_total 40', 'cairn_wal_entries_total 400',
    'etcd_server_proposals_committed_total 390', 'etcd_server_is_leader 1', '',
  ].join('\n')));
  assert.deepEqual(cairn, { fsyncs: 40, committed: 390, walEntries: 400, isLeader: true });
  const etcd = writePathCounters(parseExposition([
    'etcd_disk_wal_fsync_duration_seconds_bucket{le="+Inf"} 6', 'etcd_disk_wal_fsync_duration_seconds_count 6',
    'etcd_server_proposals_committed_total 2.5e+06', 'etcd_server_is_leader 0',
  ].join('\n')));
  assert.deepEqual(etcd, { fsyncs: 6, committed: 2.5e6, walEntries: null, isLeader: false });
});

test('a sample is the rate between two readings; entries per fsync uses WAL entries when the server counts them', () => {
  const reading = (atMs: number, cpuSeconds: number, fsyncs: number, committed: number, walEntries: number | null) => ({
    atMs, usage: { cpuSeconds, rssBytes: 100 }, counters: { fsyncs, committed, walEntries, isLeader: true },
  });
  const cairn = sampleBetween('m1', 2, reading(0, 1, 10, 0, 100), reading(2000, 2, 110, 900, 1100));
  assert.deepEqual(cairn, { t: 2, member: 'm1', leader: true, cpu_percent: 50, rss_bytes: 100, fsyncs_per_sec: 50, entries_per_fsync: 10 });
  const etcd = sampleBetween('m2', 1, reading(0, 0, 0, 0, null), reading(1000, 0, 4, 20, null));
  assert.equal(etcd.entries_per_fsync, 5);
  const idle = sampleBetween('m3', 1, reading(0, 0, 4, 20, null), reading(1000, 0, 4, 20, null));
  assert.equal(idle.entries_per_fsync, null);
});
