/**
 * Real etcd 3.4 and cairn side by side: the same etcdctl 3.4 commands, in the same order, against
 * a fresh single-member etcd (/usr/bin/etcd) and a fresh single-member cairn process. Both start
 * empty, so the same writes must land at the same revisions: outputs are compared exactly, after
 * masking only what legitimately differs between two clusters (ids, raft term and index, version,
 * db size, the endpoint's port, health-check durations).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execute, type Run } from '../ctl/ctl-harness.js';
import { ProcessCluster } from '../cluster/process-cluster.js';
import { ETCDCTL, EtcdProcess, requireBinaries } from './etcd-process.js';

/** etcdctl's client library logs failed calls as JSON lines on stderr; they are not command output. */
const CLIENT_LOG_LINE = /^\{"level":.*\n/gm;
/** Header fields (json) and their fields-format names that name a cluster, a member or a term. */
const JSON_ID_FIELD = /"(cluster_id|member_id|raft_term|leader|raftIndex|raftTerm|raftAppliedIndex|dbSize|dbSizeInUse)":\d+/g;
const JSON_VERSION_FIELD = /"version":"[^"]*"/g;
const FIELDS_ID_LINE = /^"(ClusterID|MemberID|RaftTerm)" : \d+$/gm;
const HEALTH_TOOK = /took = [0-9.]+[a-zµ]+/g;
/** `endpoint status` columns that differ between two clusters (table and simple formats). */
const STATUS_MASKED_COLUMNS = new Set(['ID', 'VERSION', 'DB SIZE', 'RAFT TERM', 'RAFT INDEX', 'RAFT APPLIED INDEX']);
const STATUS_COLUMNS = ['ENDPOINT', 'ID', 'VERSION', 'DB SIZE', 'IS LEADER', 'IS LEARNER', 'RAFT TERM', 'RAFT INDEX',
  'RAFT APPLIED INDEX', 'ERRORS'];

interface Step {
  /** etcdctl arguments, without --endpoints. */
  args: string[];
  /** The exit code real etcd's etcdctl gives: a check that the step exercises what it names. */
  code: number;
  stdin?: string;
}

/** The command sequence, run in this order against both; each write's revision is in its comment. */
const STEPS: Step[] = [
  { args: ['put', 'foo', 'bar'], code: 0 }, // 2
  { args: ['put', 'foo2', 'bar2'], code: 0 }, // 3
  { args: ['put', 'goo', 'x'], code: 0 }, // 4
  { args: ['put', 'foo', 'baz', '--prev-kv'], code: 0 }, // 5
  { args: ['put', 'foo2', 'bar3', '--prev-kv', '-w', 'json'], code: 0 }, // 6
  { args: ['put', 'a', '3'], code: 0 }, // 7
  { args: ['put', 'b', '1'], code: 0 }, // 8
  { args: ['put', 'c', '2'], code: 0 }, // 9
  { args: ['put', 'b', '0', '-w', 'fields'], code: 0 }, // 10
  { args: ['get', 'foo'], code: 0 },
  { args: ['get', 'foo', '--prefix'], code: 0 },
  { args: ['get', 'b', '--from-key'], code: 0 },
  { args: ['get', '', '--from-key', '--limit', '2'], code: 0 },
  { args: ['get', '', '--prefix', '--limit', '3', '-w', 'json'], code: 0 },
  { args: ['get', 'foo', '--rev', '2'], code: 0 },
  { args: ['get', 'foo', '--prefix', '--rev', '4', '-w', 'json'], code: 0 },
  ...['KEY', 'VERSION', 'CREATE', 'MODIFY', 'VALUE'].flatMap((sortBy) => ['ASCEND', 'DESCEND'].map((order) =>
    ({ args: ['get', '', '--prefix', '--sort-by', sortBy, '--order', order], code: 0 }))),
  { args: ['get', '', '--prefix', '--sort-by', 'MODIFY', '--order', 'DESCEND', '--limit', '2', '-w', 'json'], code: 0 },
  { args: ['get', 'foo', '--prefix', '--keys-only'], code: 0 },
  { args: ['get', 'foo', '--prefix', '--print-value-only'], code: 0 },
  { args: ['get', 'foo', '-w', 'json'], code: 0 },
  { args: ['get', 'foo', '--prefix', '-w', 'fields'], code: 0 },
  { args: ['get', 'missing'], code: 0 },
  { args: ['get', 'missing', '-w', 'json'], code: 0 },
  // txn: success branch (value matches), then failure branch (value does not), then json.
  { args: ['txn'], stdin: 'value("foo") = "baz"\n\nput foo qux\n\nput foo nope\n\n', code: 0 }, // 11
  { args: ['txn'], stdin: 'value("foo") = "baz"\nmod("goo") > "0"\n\nput foo never\n\nput fail yes\nget foo\n\n', code: 0 }, // 12
  { args: ['txn', '-w', 'json'], stdin: 'version("b") = "2"\n\nget b\ndel c\nput d 4\nget d\n\nput b lost\n\n', code: 0 }, // 13
  { args: ['get', '', '--prefix', '-w', 'fields'], code: 0 },
  // del: plain, with --prev-kv, a range [a, c), --prefix, and of nothing (no revision).
  { args: ['del', 'goo'], code: 0 }, // 14
  { args: ['del', 'foo2', '--prev-kv'], code: 0 }, // 15
  { args: ['del', 'a', 'c'], code: 0 }, // 16
  { args: ['put', 'fo1', 'v1'], code: 0 }, // 17
  { args: ['del', 'fo', '--prefix', '--prev-kv', '-w', 'json'], code: 0 }, // 18
  { args: ['del', 'nothing'], code: 0 },
  { args: ['get', '', '--prefix', '-w', 'json'], code: 0 },
  // compaction, then reads below and at it.
  { args: ['compaction', '12'], code: 0 },
  { args: ['get', 'foo', '--rev', '11'], code: 1 },
  { args: ['get', 'foo', '--rev', '12'], code: 0 },
  { args: ['compaction', '12'], code: 1 },
  { args: ['compaction', '5'], code: 1 },
  // errors
  { args: ['put', '', 'v'], code: 1 },
  { args: ['get', 'fail', '--rev', '100'], code: 1 },
  { args: ['compaction', '100'], code: 1 },
  { args: ['endpoint', 'status'], code: 0 },
  { args: ['endpoint', 'status', '-w', 'table'], code: 0 },
  { args: ['endpoint', 'status', '-w', 'json'], code: 0 },
  { args: ['endpoint', 'health'], code: 0 },
];

/** An `endpoint status` row (simple: ", "-separated; table: "|"-separated) with its differing cells masked. */
function maskStatusRow(cells: string[]): string[] {
  if (cells.length !== STATUS_COLUMNS.length || cells[1] === 'ID') return cells;
  return cells.map((cell, i) => (STATUS_MASKED_COLUMNS.has(STATUS_COLUMNS[i]!) ? 'N' : cell));
}

/** `text` with what legitimately differs between the two clusters masked. */
function mask(text: string, address: string, args: string[]): string {
  let masked = text.replaceAll(address, 'ENDPOINT').replace(CLIENT_LOG_LINE, '')
    .replace(JSON_ID_FIELD, '"$1":N').replace(JSON_VERSION_FIELD, '"version":"V"').replace(FIELDS_ID_LINE, '"$1" : N')
    .replace(HEALTH_TOOK, 'took = D');
  if (args[0] === 'endpoint' && args[1] === 'status') {
    masked = masked.split('\n').map((line) => {
      // Table borders and padding follow the widths of the masked cells; compare the cells only.
      if (line.startsWith('+')) return '+';
      if (line.startsWith('|')) return maskStatusRow(line.slice(1, -1).split('|').map((cell) => cell.trim())).join('|');
      const cells = line.split(', ');
      // The simple format ends each row with ", " (an empty ERRORS column).
      return cells.length === STATUS_COLUMNS.length ? maskStatusRow(cells).join(', ') : line;
    }).join('\n');
  }
  return masked;
}

let etcd: EtcdProcess | undefined;
let cairn: ProcessCluster | undefined;
let cairnAddress = '';

before(async () => {
  requireBinaries();
  cairn = new ProcessCluster(1);
  // Both settle before any failure is thrown, so that `after` finds (and ends) whichever started.
  const started = await Promise.allSettled([EtcdProcess.start().then((process) => { etcd = process; }), cairn.start()]);
  for (const result of started) if (result.status === 'rejected') throw result.reason;
  await cairn.leader();
  cairnAddress = `127.0.0.1:${cairn.members[0]!.clientPort}`;
});

after(async () => {
  await Promise.all([etcd?.close(), cairn?.close()]);
});

function etcdctl(address: string, step: Step): Promise<Run> {
  return execute(ETCDCTL, [`--endpoints=${address}`, '--command-timeout=5s', ...step.args], step.stdin ?? '');
}

for (const step of STEPS) {
  const name = `etcdctl ${step.args.map((arg) => (arg === '' ? '""' : arg)).join(' ')}${step.stdin ? ` <<< ${JSON.stringify(step.stdin)}` : ''}`;
  test(`${name}: cairn prints what etcd prints`, async () => {
    const [ofEtcd, ofCairn] = await Promise.all([etcdctl(etcd!.address, step), etcdctl(cairnAddress, step)]);
    assert.equal(ofEtcd.code, step.code, `etcd: ${ofEtcd.stdout}${ofEtcd.stderr}`);
    const masked = (run: Run, address: string): Run =>
      ({ code: run.code, stdout: mask(run.stdout, address, step.args), stderr: mask(run.stderr, address, step.args) });
    assert.deepEqual(masked(ofCairn, cairnAddress), masked(ofEtcd, etcd!.address));
  });
}
