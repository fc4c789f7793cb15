/**
 * Watch and Lease through real etcdctl 3.4, against a fresh real etcd 3.4 and a fresh cairn
 * process side by side: the same commands in the same order must print the same thing, after
 * masking what legitimately differs (ids, lease ids, terms, a remaining TTL that may tick by one).
 * Both run etcd's default timings (100 ms heartbeat, 1 s election), so the minimum lease TTL agrees.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { execute, type Run } from '../ctl/ctl-harness.js';
import { ProcessCluster } from '../cluster/process-cluster.js';
import { ETCDCTL, EtcdProcess, requireBinaries } from './etcd-process.js';

const CLIENT_LOG_LINE = /^\{"level":.*\n/gm;
const JSON_ID_FIELD = /"(cluster_id|member_id|raft_term|ID)":\d+/g;
const LEASE_HEX = /\blease [0-9a-f]+\b/g;
const REMAINING = /remaining\(\d+s\)/g;
const JSON_TTL = /"TTL":\d+/g;

let etcd: EtcdProcess | undefined;
let cairn: ProcessCluster | undefined;
let addresses: { etcd: string; cairn: string };

before(async () => {
  requireBinaries();
  cairn = new ProcessCluster(1, 100, 1000);
  const started = await Promise.allSettled([EtcdProcess.start().then((p) => { etcd = p; }), cairn.start()]);
  for (const result of started) if (result.status === 'rejected') throw result.reason;
  await cairn.leader();
  addresses = { etcd: etcd!.address, cairn: `127.0.0.1:${cairn.members[0]!.clientPort}` };
});

after(async () => {
  await Promise.all([etcd?.close(), cairn?.close()]);
});

function mask(text: string, address: string): string {
  return text.replaceAll(address, 'ENDPOINT').replace(CLIENT_LOG_LINE, '').replace(JSON_ID_FIELD, '"$1":N')
    .replace(LEASE_HEX, 'lease L').replace(REMAINING, 'remaining(R)').replace(JSON_TTL, '"TTL":T');
}

const ctl = (address: string, args: string[], stdin = ''): Promise<Run> =>
  execute(ETCDCTL, [`--endpoints=${address}`, '--command-timeout=5s', ...args], stdin);

/**
 * Runs `etcdctl watch <args>` while `writes` run, until its output shows `until`; returns what it
 * printed. Bounded: a watch that never shows it is ended after 10 s and the test fails on its output.
 */
async function watchWhile(address: string, args: string[], writes: () => Promise<void>, until: string): Promise<string> {
  const child = spawn(ETCDCTL, [`--endpoints=${address}`, 'watch', ...args], { env: { ...process.env, ETCDCTL_API: '3' } });
  let output = '';
  const seen = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      // etcdctl prints a key and its value in separate writes: wait for whole lines.
      if (output.includes(until) && output.endsWith('\n')) { clearTimeout(timer); resolve(); }
    });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.once('exit', () => { clearTimeout(timer); resolve(); });
  });
  // The watch is registered once etcdctl connected; a short settle keeps live events live.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await writes();
  await seen;
  child.kill('SIGKILL');
  return output;
}

/** The same script against one server: a transcript of everything etcdctl printed. */
async function watchScript(address: string): Promise<string[]> {
  const out: string[] = [];
  const run = async (args: string[], stdin = '') => {
    const r = await ctl(address, args, stdin);
    out.push(`$ ${args.join(' ')} -> ${r.code}\n${r.stdout}${r.stderr}`);
  };
  const writes = async () => {
    await run(['put', 'w/a', '1']);
    await run(['put', 'w/b', '2']);
    await run(['put', 'w/a', '3']);
    await run(['txn'], 'value("w/a") = "3"\n\nput w/c 4\ndel w/b\n\n\n');
    await run(['del', 'w', '--prefix']);
    await run(['put', 'w/zz', 'end']);
  };
  // From revision 2, the first write on a fresh server: however late etcdctl's watch registers on
  // a loaded machine, it sees every write (from history, then live), as on the other server.
  out.push(await watchWhile(address, ['w', '--prefix', '--prev-kv', '--rev', '2'], writes, 'w/zz\nend'));
  out.push(await watchWhile(address, ['w/a', '--rev', '2', '-w', 'json'], async () => { await run(['put', 'w/a', 'again']); }, 'YWdhaW4='));
  out.push(await watchWhile(address, ['w', '--prefix', '--rev', '3'], async () => { await run(['put', 'w/zz', 'last']); }, 'w/zz\nlast'));
  await run(['compaction', '5']);
  out.push(await watchWhile(address, ['w/a', '--rev', '2'], async () => {}, 'compacted'));
  out.push(await watchWhile(address, ['w', '--prefix', '--rev', '5'], async () => { await run(['put', 'w/zz', 'after']); }, 'w/zz\nafter'));
  return out;
}

/**
 * Lease ids differ between the two servers: each id (hex as etcdctl prints it, decimal in json)
 * becomes its name; lists printed in etcd's map order are sorted.
 */
function maskLeases(text: string, ids: Map<string, string>): string {
  let masked = text;
  for (const [hex, name] of ids) masked = masked.replaceAll(hex, name).replaceAll(BigInt(`0x${hex}`).toString(), name);
  // etcd lists leases and a lease's keys in Go map order: compare them sorted.
  return masked.replace(/(found \d+ leases\n)((?:\S+\n)*)/, (_all, head: string, rows: string) => head + rows.split('\n').sort().join('\n'))
    .replace(/attached keys\(\[([^\]]*)\]\)/g, (_all, keys: string) => `attached keys([${keys.split(' ').sort().join(' ')}])`)
    .replace(/"keys":\[([^\]]*)\]/g, (_all, keys: string) => `"keys":[${keys.split(',').sort().join(',')}]`);
}

async function leaseScript(address: string): Promise<string[]> {
  const out: string[] = [];
  const run = async (args: string[]) => {
    const r = await ctl(address, args);
    out.push(`$ ${args.join(' ')} -> ${r.code}\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  const idOf = (granted: string) => /lease ([0-9a-f]+) granted/.exec(granted)![1]!;
  const id = idOf(await run(['lease', 'grant', '60']));
  const short = idOf(await run(['lease', 'grant', '1']));
  await run(['put', '--lease', id, 'l/a', '1']);
  await run(['put', '--lease', id, 'l/b', '2']);
  await run(['put', '--lease', 'abcdef', 'l/c', '3']);
  await run(['lease', 'timetolive', id]);
  await run(['lease', 'timetolive', id, '--keys']);
  await run(['lease', 'timetolive', id, '--keys', '-w', 'json']);
  await run(['lease', 'keep-alive', '--once', id]);
  await run(['lease', 'list']);
  await run(['get', 'l', '--prefix', '-w', 'json']);
  await run(['lease', 'revoke', id]);
  await run(['get', 'l', '--prefix']);
  await run(['lease', 'revoke', id]);
  await run(['lease', 'timetolive', id]);
  await run(['lease', 'keep-alive', '--once', id]);
  // The 1-second grant got etcd's minimum TTL (2 s): it is gone after it.
  await new Promise((resolve) => setTimeout(resolve, 4000));
  await run(['lease', 'timetolive', short]);
  await run(['lease', 'list']);
  return out.map((text) => maskLeases(text, new Map([[id, 'L1'], [short, 'L2']])));
}

test('etcdctl watch (prefix, prev-kv, txn, delete, json, start revisions, compacted): cairn prints what etcd prints', async () => {
  const [ofEtcd, ofCairn] = await Promise.all([watchScript(addresses.etcd), watchScript(addresses.cairn)]);
  assert.deepEqual(ofCairn.map((t) => mask(t, addresses.cairn)), ofEtcd.map((t) => mask(t, addresses.etcd)));
  assert.match(ofEtcd.join(''), /DELETE\nw\/b\n2\nw\/b\n\n/, 'the script exercises prev_kv on a delete');
});

test('etcdctl lease grant/timetolive/keep-alive/list/revoke and put --lease: cairn prints what etcd prints', async () => {
  const [ofEtcd, ofCairn] = await Promise.all([leaseScript(addresses.etcd), leaseScript(addresses.cairn)]);
  assert.deepEqual(ofCairn.map((t) => mask(t, addresses.cairn)), ofEtcd.map((t) => mask(t, addresses.etcd)));
  assert.match(ofEtcd.join(''), /already expired/, 'the script reaches an expired lease');
});
