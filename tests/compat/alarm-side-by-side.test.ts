/**
 * Alarms on real etcd 3.4 and cairn side by side: on a fresh single-member etcd and a fresh
 * single-member cairn process, the CORRUPT alarm is raised for the member itself with the gRPC
 * Alarm ACTIVATE request, then the same etcdctl 3.4 commands run against both (list, refused
 * writes, reads, status, disarm, writes again). Outputs are compared exactly after masking what
 * differs between two clusters (member ids, the endpoint, raft term and index, version, db size).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { AlarmAction, AlarmType } from '../../engine/alarm/alarm-rpc.js';
import { etcdClient } from '../../net/grpc/protos.js';
import { call, ProcessCluster } from '../cluster/process-cluster.js';
import { execute, type Run } from '../ctl/ctl-harness.js';
import { ETCDCTL, EtcdProcess, requireBinaries } from './etcd-process.js';

/** etcdctl's client library logs failed calls as JSON lines on stderr; they are not command output. */
const CLIENT_LOG_LINE = /^\{"level":.*\n/gm;
const JSON_NUMBER_FIELD = /"(cluster_id|member_id|raft_term|leader|raftIndex|raftTerm|raftAppliedIndex|dbSize|dbSizeInUse)":\d+/g;
const JSON_VERSION_FIELD = /"version":"[^"]*"/g;

interface Step {
  args: string[];
  /** The exit code etcdctl gives against real etcd: a check that the step does what it names. */
  code: number;
  stdin?: string;
}

const STEPS: Step[] = [
  { args: ['alarm', 'list'], code: 0 },
  { args: ['alarm', 'list', '-w', 'json'], code: 0 },
  { args: ['put', 'k', 'v'], code: 1 },
  { args: ['del', 'k'], code: 1 },
  { args: ['txn'], stdin: 'mod("k") = "0"\n\nput k v\n\n\n', code: 1 },
  { args: ['lease', 'grant', '60'], code: 1 },
  { args: ['compaction', '1'], code: 1 },
  { args: ['get', 'k'], code: 0 },
  { args: ['endpoint', 'status', '-w', 'json'], code: 0 },
  { args: ['alarm', 'disarm'], code: 0 },
  { args: ['alarm', 'list'], code: 0 },
  { args: ['put', 'k', 'v'], code: 0 },
];

let etcd: EtcdProcess | undefined;
let cairn: ProcessCluster | undefined;
let cairnAddress = '';
const memberIds = new Map<string, string>();

/** Raises CORRUPT for the member at `address` (itself), as a client would with the gRPC Alarm call. */
async function raiseCorrupt(address: string): Promise<void> {
  const maintenance = new (etcdClient('Maintenance'))(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>;
  try {
    const status = await call<{ header: { member_id: string } }>(maintenance, 'Status', {}, 10_000);
    memberIds.set(address, status.header.member_id);
    await call(maintenance, 'Alarm', { action: AlarmAction.ACTIVATE, memberID: status.header.member_id, alarm: AlarmType.CORRUPT }, 10_000);
  } finally {
    maintenance.close();
  }
}

function mask(text: string, address: string): string {
  return text.replace(CLIENT_LOG_LINE, '')
    .replaceAll(memberIds.get(address)!, '<member id>')
    .replaceAll(address, '<endpoint>')
    .replace(JSON_NUMBER_FIELD, '"$1":N')
    .replace(JSON_VERSION_FIELD, '"version":"V"');
}

before(async () => {
  requireBinaries();
  cairn = new ProcessCluster(1);
  const started = await Promise.allSettled([EtcdProcess.start().then((process) => { etcd = process; }), cairn.start()]);
  for (const result of started) if (result.status === 'rejected') throw result.reason;
  await cairn.leader();
  cairnAddress = `127.0.0.1:${cairn.members[0]!.clientPort}`;
  await Promise.all([raiseCorrupt(etcd!.address), raiseCorrupt(cairnAddress)]);
});

after(async () => {
  await Promise.all([etcd?.close(), cairn?.close()]);
});

function etcdctl(address: string, step: Step): Promise<Run> {
  return execute(ETCDCTL, [`--endpoints=${address}`, '--command-timeout=5s', ...step.args], step.stdin ?? '');
}

for (const step of STEPS) {
  test(`with CORRUPT raised, then disarmed: etcdctl ${step.args.join(' ')}: cairn prints what etcd prints`, async () => {
    const [ofEtcd, ofCairn] = await Promise.all([etcdctl(etcd!.address, step), etcdctl(cairnAddress, step)]);
    assert.equal(ofEtcd.code, step.code, `etcd: ${ofEtcd.stdout}${ofEtcd.stderr}`);
    const masked = (run: Run, address: string): Run => ({ code: run.code, stdout: mask(run.stdout, address), stderr: mask(run.stderr, address) });
    assert.deepEqual(masked(ofCairn, cairnAddress), masked(ofEtcd, etcd!.address));
  });
}
