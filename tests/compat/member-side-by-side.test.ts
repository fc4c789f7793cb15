/**
 * Membership commands side by side: real etcdctl 3.4 against a real etcd 3.4 member, real
 * etcdctl against a cairn member, and cairnctl against another cairn member, the same steps in the
 * same order. Outputs are compared after masking what differs between clusters: member and
 * cluster ids, each member's own name and peer URL.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { execute, type Run } from '../ctl/ctl-harness.js';
import { ProcessCluster } from '../cluster/process-cluster.js';
import { ETCDCTL, EtcdProcess, freePort, requireBinaries } from './etcd-process.js';

const CAIRNCTL = fileURLToPath(new URL('../../bin/cairnctl.js', import.meta.url));
const CLIENT_LOG_LINE = /^\{"level":.*\n/gm;

interface Target {
  label: string;
  run(args: string[]): Promise<Run>;
  /** The member's own name and peer URL (masked in output). */
  name: string;
  peerUrl: string;
  clientUrl: string;
  /** Ids found in `member add` output, by the added member's name. */
  ids: Map<string, string>;
}

let etcd: EtcdProcess | undefined;
const cairns: ProcessCluster[] = [];
const targets: Target[] = [];
const ports: number[] = [];

before(async () => {
  requireBinaries();
  cairns.push(new ProcessCluster(1, 20, 200, true), new ProcessCluster(1, 20, 200, true));
  const started = await Promise.allSettled([EtcdProcess.start().then((p) => { etcd = p; }), ...cairns.map((c) => c.start())]);
  for (const result of started) if (result.status === 'rejected') throw result.reason;
  await Promise.all(cairns.map((c) => c.leader()));
  for (let i = 0; i < 4; i++) ports.push(await freePort());
  const tool = (file: string, prefix: string[], address: string) => async (args: string[]): Promise<Run> => {
    const run = await execute(file, [...prefix, `--endpoints=${address}`, '--command-timeout=5s', ...args], '');
    return { ...run, stderr: run.stderr.replace(CLIENT_LOG_LINE, '').replaceAll('cairnctl', 'etcdctl') };
  };
  const cairnTarget = (cluster: ProcessCluster, label: string, file: string, prefix: string[]): Target => ({
    label, name: cluster.members[0]!.name, peerUrl: `http://127.0.0.1:${cluster.members[0]!.peerPort}`,
    clientUrl: `http://127.0.0.1:${cluster.members[0]!.clientPort}`, ids: new Map(),
    run: tool(file, prefix, `127.0.0.1:${cluster.members[0]!.clientPort}`),
  });
  targets.push(
    { label: 'etcdctl on etcd', name: 'e', peerUrl: etcd!.peerUrl, clientUrl: `http://${etcd!.address}`, ids: new Map(),
      run: tool(ETCDCTL, [], etcd!.address) },
    cairnTarget(cairns[0]!, 'etcdctl on cairn', ETCDCTL, []),
    cairnTarget(cairns[1]!, 'cairnctl on cairn', process.execPath, [CAIRNCTL]),
  );
});

after(async () => {
  await Promise.all([etcd?.close(), ...cairns.map((c) => c.close())]);
});

function mask(text: string, target: Target): string {
  let masked = text.replaceAll(`${target.name}=${target.peerUrl}`, 'SELF').replaceAll(target.peerUrl, 'SELFPEER')
    .replaceAll(target.clientUrl, 'SELFCLIENT').replaceAll(`"name":"${target.name}"`, '"name":"SELF"')
    .replace(/Member\s+[0-9a-f]+ (added to|removed from|updated in|promoted in) cluster\s+[0-9a-f]+/g, 'Member ID $1 cluster CID')
    .replace(/"(ID|cluster_id|member_id|raft_term)":\d+/g, '"$1":0');
  for (const [name, id] of target.ids) masked = masked.replaceAll(id, `<${name}>`);
  // Members are listed in id order, which differs between clusters.
  return masked.replace(/ETCD_INITIAL_CLUSTER="([^"]*)"/, (_, list: string) => `ETCD_INITIAL_CLUSTER="${list.split(',').sort().join(',')}"`);
}

/** JSON member lists are sorted by id, which differs between clusters: compare them sorted by peer URL. */
function normalizeJson(text: string): string {
  if (!text.startsWith('{')) return text;
  const value = JSON.parse(text) as { members?: { peerURLs?: string[] }[] };
  value.members?.sort((a, b) => (a.peerURLs?.[0] ?? '').localeCompare(b.peerURLs?.[0] ?? ''));
  return `${JSON.stringify(value)}\n`;
}

interface Step {
  name: string;
  code: number;
  args(target: Target): string[];
}

const learnerUrl = () => `http://127.0.0.1:${ports[0]}`;
const STEPS: Step[] = [
  { name: 'member add without a name', code: 128, args: () => ['member', 'add'] },
  { name: 'member add without peer URLs', code: 128, args: () => ['member', 'add', 'x'] },
  { name: 'member remove of a malformed id', code: 128, args: () => ['member', 'remove', 'zz'] },
  { name: 'member remove without an id', code: 128, args: () => ['member', 'remove'] },
  { name: 'member remove of an unknown id', code: 1, args: () => ['member', 'remove', '1234'] },
  { name: 'member promote of an unknown id', code: 1, args: () => ['member', 'promote', '1234'] },
  { name: 'member update of an unknown id', code: 1, args: () => ['member', 'update', '1234', '--peer-urls=http://127.0.0.1:1'] },
  { name: 'member update without peer URLs', code: 128, args: () => ['member', 'update', '1234'] },
  { name: 'member add at a peer URL in use', code: 1, args: (t) => ['member', 'add', 'x', `--peer-urls=${t.peerUrl}`] },
  { name: 'member add --learner', code: 0, args: () => ['member', 'add', 'n1', '--learner', `--peer-urls=${learnerUrl()}`] },
  { name: 'member add of a second learner', code: 1, args: () => ['member', 'add', 'n2', '--learner', `--peer-urls=http://127.0.0.1:${ports[1]}`] },
  { name: 'member promote of a learner not in sync', code: 1, args: (t) => ['member', 'promote', t.ids.get('n1')!] },
  { name: 'member promote of a voter', code: 1, args: (t) => ['member', 'promote', t.ids.get('self')!] },
  { name: 'member remove of the only voter', code: 1, args: (t) => ['member', 'remove', t.ids.get('self')!] },
  { name: 'member update -w json', code: 0, args: (t) => ['member', 'update', t.ids.get('self')!, `--peer-urls=${t.peerUrl}`, '-w', 'json'] },
  { name: 'member update', code: 0, args: (t) => ['member', 'update', t.ids.get('n1')!, `--peer-urls=http://127.0.0.1:${ports[2]}`] },
  { name: 'member remove', code: 0, args: (t) => ['member', 'remove', t.ids.get('n1')!] },
  { name: 'member add --learner -w table (added, then refused printing)', code: 4,
    args: () => ['member', 'add', 'n4', '--learner', `--peer-urls=http://127.0.0.1:${ports[1]}`, '-w', 'table'] },
  { name: 'member add --learner -w json (refused: n4 is a learner)', code: 1,
    args: () => ['member', 'add', 'n3', '--learner', `--peer-urls=http://127.0.0.1:${ports[3]}`, '-w', 'json'] },
  { name: 'member list -w json', code: 0, args: () => ['member', 'list', '-w', 'json'] },
];

test('membership commands: cairn prints what etcd prints', async () => {
  for (const target of targets) {
    const list = await target.run(['member', 'list']);
    target.ids.set('self', list.stdout.split(',')[0]!);
  }
  for (const step of STEPS) {
    const runs = await Promise.all(targets.map((target) => target.run(step.args(target))));
    for (const [i, target] of targets.entries()) {
      const added = /Member\s+([0-9a-f]+) added to cluster/.exec(runs[i]!.stdout);
      const name = step.args(target)[2];
      if (added !== null && name !== undefined) target.ids.set(name, added[1]!);
    }
    assert.equal(runs[0]!.code, step.code, `${step.name} on etcd: ${runs[0]!.stdout}${runs[0]!.stderr}`);
    const [expected, ...others] = runs.map((run, i) => ({
      code: run.code, stdout: normalizeJson(mask(run.stdout, targets[i]!)), stderr: mask(run.stderr, targets[i]!),
    }));
    for (const [i, other] of others.entries()) assert.deepEqual(other, expected, `${step.name}: ${targets[i + 1]!.label}`);
  }
});
