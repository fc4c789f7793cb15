/**
 * Watches under failover: a 3-process cluster takes a stream of writes while 300 watchers on 60
 * gRPC streams, spread over every member, watch the written prefix. The leader is killed with
 * kill -9 mid-run and restarted. A watcher whose member dies resumes on another member from the
 * revision after the last one it received (as clientv3 does). At the end every watcher must have
 * received every revision exactly once, in order, and every acknowledged write with the key and
 * value the write acknowledged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { etcdClient } from '../../net/grpc/protos.js';
import { ProcessCluster, call, type ClusterProcess } from './process-cluster.js';

const STREAMS = 60;
const WATCHERS_PER_STREAM = 5;
const KEYS = 20;
const PREFIX = 'wf/';
const PREFIX_END = 'wf0';
const RUN_MS = 6000;
const WRITERS = 4;

interface SeenEvent { revision: number; key: string; value: string }

/** One watcher's record: what it received, in order. */
class WatcherLog {
  readonly events: SeenEvent[] = [];
  constructor(readonly startRev: number) {}
  get nextRev(): number {
    return this.events.length === 0 ? this.startRev : this.events.at(-1)!.revision + 1;
  }
}

interface WireEvent { type: number; kv: { key: Buffer; value: Buffer; mod_revision: string } }
interface WireResponse { watch_id: string; created: boolean; canceled: boolean; events: WireEvent[] }

/**
 * One client stream carrying WATCHERS_PER_STREAM watchers; when its member goes away it reopens on
 * the next live member, each watcher from its own next revision. Returns a function that ends it.
 */
function runStream(cluster: ProcessCluster, index: number, logs: WatcherLog[]): () => void {
  let target = index % cluster.members.length;
  let stopped = false;
  let current: { stream: grpc.ClientDuplexStream<object, WireResponse>; client: grpc.Client } | null = null;
  const open = (): void => {
    if (stopped) return;
    const member = cluster.members[target]!;
    target = (target + 1) % cluster.members.length;
    if (member.process === null) { setTimeout(open, 20); return; }
    const Watch = etcdClient('Watch');
    const client = new Watch(`127.0.0.1:${member.clientPort}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Function>;
    const stream = client['Watch']!() as grpc.ClientDuplexStream<object, WireResponse>;
    current = { stream, client };
    // Watch ids are chosen by the client (1..N) so responses map to logs directly.
    logs.forEach((log, i) => stream.write({ create_request: { key: Buffer.from(PREFIX), range_end: Buffer.from(PREFIX_END), start_revision: log.nextRev, watch_id: i + 1 } }));
    let closed = false;
    const reopen = (): void => {
      if (closed) return;
      closed = true;
      stream.cancel();
      client.close();
      setTimeout(open, 20);
    };
    stream.on('data', (response: WireResponse) => {
      const log = logs[Number(response.watch_id) - 1];
      if (log === undefined || closed) return;
      for (const event of response.events) {
        log.events.push({ revision: Number(event.kv.mod_revision), key: event.kv.key.toString(), value: event.kv.value.toString() });
      }
    });
    stream.on('error', reopen);
    stream.on('end', reopen);
  };
  open();
  return () => {
    stopped = true;
    current?.stream.cancel();
    current?.client.close();
  };
}

async function putSomewhere(cluster: ProcessCluster, key: string, value: string): Promise<number | null> {
  for (const member of cluster.members) {
    if (member.clients === null) continue;
    try {
      const response = await call<{ header: { revision: string } }>(member.clients.kv, 'Put', { key: Buffer.from(key), value: Buffer.from(value) }, 2000);
      return Number(response.header.revision);
    } catch {
      // This member is down or lost its leader: try the next (the write's outcome is unknown, and not counted).
    }
  }
  return null;
}

async function currentRevision(member: ClusterProcess): Promise<number> {
  const response = await call<{ header: { revision: string } }>(member.clients!.kv, 'Range', { key: Buffer.from('none') });
  return Number(response.header.revision);
}

test('kill -9 of the leader while 300 watchers watch: every watcher gets every revision once, in order, matching the acknowledged writes', async () => {
  const cluster = new ProcessCluster(3);
  try {
    await cluster.start();
    const leader = await cluster.leader();
    const startRev = (await currentRevision(leader)) + 1;
    let writing = true;
    const logs = Array.from({ length: STREAMS }, () => Array.from({ length: WATCHERS_PER_STREAM }, () => new WatcherLog(startRev)));
    const stops = logs.map((group, i) => runStream(cluster, i, group));
    const acknowledged = new Map<number, { key: string; value: string }>();
    const writers = Array.from({ length: WRITERS }, (_, writer) => (async () => {
      for (let seq = 0; writing; seq++) {
        const key = `${PREFIX}${(writer + seq) % KEYS}`;
        const value = `w${writer}-${seq}`;
        const revision = await putSomewhere(cluster, key, value);
        if (revision !== null) acknowledged.set(revision, { key, value });
      }
    })());
    await new Promise((resolve) => setTimeout(resolve, RUN_MS / 3));
    const beforeKill = acknowledged.size;
    await cluster.kill(leader);
    await new Promise((resolve) => setTimeout(resolve, RUN_MS / 3));
    await cluster.launch(leader);
    await new Promise((resolve) => setTimeout(resolve, RUN_MS / 3));
    writing = false;
    await Promise.all(writers);
    const finalRevision = await currentRevision(await cluster.leader());
    const deadline = Date.now() + 20_000;
    while (!logs.flat().every((log) => log.nextRev > finalRevision) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const stop of stops) stop();
    assert.ok(beforeKill > 0 && acknowledged.size > beforeKill, `writes acknowledged before (${beforeKill}) and after the kill (${acknowledged.size})`);
    const reference = logs[0]![0]!.events;
    for (const log of logs.flat()) {
      const revisions = log.events.map((e) => e.revision);
      const expected = Array.from({ length: finalRevision - startRev + 1 }, (_, i) => startRev + i);
      assert.deepEqual(revisions, expected, 'ordered, unique, no gap');
      assert.deepEqual(log.events, reference, 'every watcher saw the same history');
    }
    for (const [revision, write] of acknowledged) {
      const seen = reference.find((e) => e.revision === revision);
      assert.deepEqual(seen, { revision, ...write }, `acknowledged write at revision ${revision}`);
    }
  } finally {
    await cluster.close();
  }
});
