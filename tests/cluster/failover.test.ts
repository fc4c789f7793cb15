/**
 * kill -9 of the leader of a 3-process cluster under continuous client load: a new leader takes
 * over, writes resume, the killed member restarts and catches up, and the recorded client history
 * (every put, get and compare-and-swap, with errors and timeouts as unknown outcomes) is
 * linearizable, so no acknowledged write was lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { checkLinearizable } from '../lin/checker.js';
import { HistoryRecorder } from '../lin/history.js';
import { KV_MODEL, type KvInput, type KvOutput } from '../lin/kv-model.js';
import { ProcessCluster, call, type ClusterProcess } from './process-cluster.js';

const KEYS = ['a', 'b', 'c'];
const CLIENTS = 6;
const ELECTION_MS = 200;

interface RangeResponse { kvs: { value: Buffer }[] }
interface TxnResponse { succeeded: boolean }

/** One client's loop: a sequence of operations against its member, switching members on errors. */
async function clientLoop(id: number, cluster: ProcessCluster, history: HistoryRecorder<KvInput, KvOutput>,
  running: () => boolean, acknowledged: Map<string, number>): Promise<void> {
  let seq = 0;
  let target = id % cluster.members.length;
  // An operation with an unknown outcome stays "in flight" forever in the history, so the client
  // that issued it retires and the loop goes on as a new client (as Jepsen does).
  let clientId = id;
  while (running()) {
    const member = cluster.members[target]!;
    if (member.clients === null) {
      target = (target + 1) % cluster.members.length;
      await new Promise((resolve) => setTimeout(resolve, 5));
      continue;
    }
    const key = KEYS[(id + seq) % KEYS.length]!;
    const value = `c${id}-${seq++}`;
    const roll = seq % 5;
    const input: KvInput = roll < 2 ? { type: 'put', key, value }
      : roll < 4 ? { type: 'get', key }
      : { type: 'cas', key, expected: null, value };
    const handle = history.invoke(clientId, input, performance.now());
    try {
      const output = await perform(member, input);
      history.complete(handle, output, performance.now());
      if (input.type === 'put') acknowledged.set(key, (acknowledged.get(key) ?? 0) + 1);
    } catch {
      // An error or a timeout: the operation may or may not have taken effect.
      history.abandon(handle);
      clientId += CLIENTS;
      target = (target + 1) % cluster.members.length;
    }
  }
}

async function perform(member: ClusterProcess, input: KvInput): Promise<KvOutput> {
  const kv = member.clients!.kv;
  switch (input.type) {
    case 'put':
      await call(kv, 'Put', { key: Buffer.from(input.key), value: Buffer.from(input.value) }, 2000);
      return { type: 'put' };
    case 'get': {
      const response = await call<RangeResponse>(kv, 'Range', { key: Buffer.from(input.key) }, 2000);
      return { type: 'get', value: response.kvs.length === 0 ? null : response.kvs[0]!.value.toString() };
    }
    case 'cas': {
      // Compare create_revision == 0: the key does not exist (etcd's idiom for "absent").
      const response = await call<TxnResponse>(kv, 'Txn', {
        compare: [{ key: Buffer.from(input.key), target: 1 /* CREATE */, result: 0 /* EQUAL */, create_revision: 0 }],
        success: [{ request_put: { key: Buffer.from(input.key), value: Buffer.from(input.value) } }],
      }, 2000);
      return { type: 'cas', succeeded: response.succeeded };
    }
    default:
      throw new Error(`unused operation ${input.type}`);
  }
}

test('kill -9 of the leader under load: a new leader, writes resume, the member catches up, the history is linearizable', async () => {
  const cluster = new ProcessCluster(3, 20, ELECTION_MS);
  try {
    await cluster.start();
    const history = new HistoryRecorder<KvInput, KvOutput>();
    const acknowledged = new Map<string, number>();
    let running = true;
    const loops = Array.from({ length: CLIENTS }, (_, id) => clientLoop(id, cluster, history, () => running, acknowledged));

    await new Promise((resolve) => setTimeout(resolve, 1000));
    const oldLeader = await cluster.leader();
    const putsBeforeKill = [...acknowledged.values()].reduce((a, b) => a + b, 0);
    assert.ok(putsBeforeKill > 0, 'the load is running');
    await cluster.kill(oldLeader);
    const newLeader = await cluster.leader(20 * ELECTION_MS);
    assert.notEqual(newLeader.name, oldLeader.name);
    // Generous: a client stuck on a follower may spend its whole call deadline before moving on.
    const resumeDeadline = Date.now() + 40 * ELECTION_MS;
    const putsAtElection = [...acknowledged.values()].reduce((a, b) => a + b, 0);
    while ([...acknowledged.values()].reduce((a, b) => a + b, 0) <= putsAtElection + 10) {
      assert.ok(Date.now() < resumeDeadline, 'writes resumed after the failover');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    await cluster.launch(oldLeader);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    running = false;
    await Promise.all(loops);

    // The restarted member catches up: its serializable (local) reads equal the leader's.
    const leader = await cluster.leader();
    for (const key of KEYS) {
      const fromLeader = await call<RangeResponse>(leader.clients!.kv, 'Range', { key: Buffer.from(key) });
      let local: RangeResponse | null = null;
      const deadline = Date.now() + 5000;
      do {
        local = await call<RangeResponse>(oldLeader.clients!.kv, 'Range', { key: Buffer.from(key), serializable: true });
        if (local.kvs[0]?.value.toString() === fromLeader.kvs[0]?.value.toString()) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      } while (Date.now() < deadline);
      assert.equal(local.kvs[0]?.value.toString(), fromLeader.kvs[0]?.value.toString(), `the restarted member has caught up on ${key}`);
    }

    const ops = history.finish();
    const result = checkLinearizable(KV_MODEL, ops);
    assert.equal(result.verdict, 'ok', result.failure?.explanation ?? 'undecided');
    assert.ok(result.operationsChecked > 100, `checked ${result.operationsChecked} operations`);
  } finally {
    await cluster.close();
  }
});
