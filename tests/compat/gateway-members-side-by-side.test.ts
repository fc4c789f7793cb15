/**
 * The JSON gateway's membership calls side by side: the same POSTs to real etcd 3.4's gateway and
 * to cairn's, in the same order, answers compared after masking member ids and each member's own
 * name, peer URL and client URL.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ProcessCluster } from '../cluster/process-cluster.js';
import { EtcdProcess, freePort, requireBinaries } from './etcd-process.js';

interface Target {
  base: string;
  name: string;
  peerUrl: string;
  clientUrl: string;
  /** The id of the learner added, once known. */
  learner: string;
}

let etcd: EtcdProcess | undefined;
let cairn: ProcessCluster | undefined;
const targets: Target[] = [];
let learnerPort = 0;

before(async () => {
  requireBinaries();
  cairn = new ProcessCluster(1, 20, 200, true);
  const started = await Promise.allSettled([EtcdProcess.start().then((p) => { etcd = p; }), cairn.start()]);
  for (const result of started) if (result.status === 'rejected') throw result.reason;
  await cairn.leader();
  learnerPort = await freePort();
  const m = cairn.members[0]!;
  targets.push(
    { base: `http://${etcd!.address}`, name: 'e', peerUrl: etcd!.peerUrl, clientUrl: `http://${etcd!.address}`, learner: '' },
    { base: `http://127.0.0.1:${m.httpPort}`, name: m.name, peerUrl: `http://127.0.0.1:${m.peerPort}`,
      clientUrl: `http://127.0.0.1:${m.clientPort}`, learner: '' },
  );
});

after(async () => {
  await Promise.all([etcd?.close(), cairn?.close()]);
});

function mask(body: string, target: Target): string {
  let masked = body.replaceAll(target.peerUrl, 'SELFPEER').replaceAll(target.clientUrl, 'SELFCLIENT')
    .replaceAll(`"name":"${target.name}"`, '"name":"SELF"')
    .replace(/"(ID|cluster_id|member_id|raft_term)":"\d+"/g, '"$1":"N"');
  // Members are listed in id order, which differs between clusters: compare them sorted.
  if (masked.startsWith('{"header"')) {
    const value = JSON.parse(masked) as { members?: { peerURLs?: string[] }[] };
    value.members?.sort((a, b) => (a.peerURLs?.[0] ?? '').localeCompare(b.peerURLs?.[0] ?? ''));
    masked = JSON.stringify(value);
  }
  return masked;
}

const STEPS: { path: string; body: (t: Target) => string; status: number }[] = [
  { path: 'add', body: () => '{}', status: 400 },
  { path: 'add', body: () => '{"peerURLs":"x"}', status: 400 },
  { path: 'add', body: () => '{"peerURLs":[1]}', status: 400 },
  { path: 'add', body: () => '{"peerURLs":["not a url"]}', status: 400 },
  { path: 'add', body: (t) => `{"peerURLs":["${t.peerUrl}"]}`, status: 412 },
  { path: 'add', body: () => `{"peerURLs":["http://127.0.0.1:${learnerPort}"],"isLearner":true}`, status: 200 },
  { path: 'remove', body: () => '{"ID":"1234"}', status: 404 },
  { path: 'remove', body: () => '{"ID":1234}', status: 404 },
  { path: 'remove', body: () => '{"ID":"x"}', status: 400 },
  { path: 'remove', body: () => '{"ID":-1}', status: 400 },
  { path: 'remove', body: () => '{}', status: 404 },
  { path: 'promote', body: () => '{"ID":"1234"}', status: 404 },
  { path: 'promote', body: (t) => `{"ID":"${t.learner}"}`, status: 412 },
  { path: 'update', body: () => '{"ID":"1234","peerURLs":["http://127.0.0.1:1"]}', status: 404 },
  { path: 'list', body: () => '{}', status: 200 },
  { path: 'remove', body: (t) => `{"ID":"${t.learner}"}`, status: 200 },
];

test('member add/remove/update/promote/list through the JSON gateway: cairn answers what etcd answers', async () => {
  for (const step of STEPS) {
    const answers = await Promise.all(targets.map(async (target) => {
      const response = await fetch(`${target.base}/v3/cluster/member/${step.path}`, { method: 'POST', body: step.body(target) });
      const text = await response.text();
      const learner = /"member":\{"ID":"(\d+)"/.exec(text);
      if (learner !== null) target.learner = learner[1]!;
      return { status: response.status, body: mask(text, target) };
    }));
    assert.equal(answers[0]!.status, step.status, `etcd: ${step.path} ${step.body(targets[0]!)}: ${answers[0]!.body}`);
    assert.deepEqual(answers[1], answers[0], `${step.path} ${step.body(targets[1]!)}`);
  }
});
