/**
 * cairnctl lease grant|revoke|timetolive|list|keep-alive and put --lease print what etcdctl 3.4
 * prints. Lease ids differ from grant to grant, so either both tools operate on the same lease
 * (granted through etcdctl), or each on its own lease with etcdctl's id swapped for cairnctl's in
 * what it printed (hex and decimal), or, for grant itself, with the ids masked.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertSame, assertSameOnOwnKeys, assertSameUsageError, CtlServer, type Finished, type Run, type RunningTool } from './ctl-harness.js';

let server: CtlServer;

before(async () => {
  server = await CtlServer.start();
});

after(() => server.close());

const FORMATS = ['simple', 'json', 'fields', 'protobuf'];

/** Grants a lease through etcdctl; its id in hex, as both tools take it. */
async function grant(ttl: number): Promise<string> {
  const run = await server.etcdctl(['lease', 'grant', String(ttl)]);
  const id = /^lease ([0-9a-f]{16}) granted/.exec(run.stdout)?.[1];
  assert.ok(id !== undefined, `lease grant: ${run.stdout}${run.stderr}`);
  return id;
}

async function revoke(id: string): Promise<void> {
  // After --, a negative id ("-000000000000005") is no flag.
  assert.equal((await server.etcdctl(['lease', 'revoke', '--', id])).code, 0);
}

/** Revokes every lease the member holds. */
async function revokeAll(): Promise<void> {
  const run = await server.etcdctl(['lease', 'list']);
  for (const id of run.stdout.split('\n').slice(1).filter((line) => line !== '')) await revoke(id);
}

const decimal = (hex: string): string => BigInt(`0x${hex}`).toString();

/** Each tool runs `args` on a lease of its own; cairnctl prints what etcdctl printed, with its own lease id. */
async function assertSameOnOwnLeases(code: number, ttl: number, args: (id: string) => string[]): Promise<Run> {
  const [ofEtcdctl, ofCairnctl] = [await grant(ttl), await grant(ttl)];
  const etcdctl = await server.etcdctl(args(ofEtcdctl));
  const cairnctl = await server.cairnctl(args(ofCairnctl));
  assert.equal(etcdctl.code, code, `etcdctl ${args(ofEtcdctl).join(' ')}: ${etcdctl.stderr}`);
  const swap = (text: string): string => text.replaceAll(ofEtcdctl, ofCairnctl).replaceAll(decimal(ofEtcdctl), decimal(ofCairnctl));
  assert.deepEqual(cairnctl, { ...etcdctl, stdout: swap(etcdctl.stdout), stderr: swap(etcdctl.stderr) }, `cairnctl ${args(ofCairnctl).join(' ')}`);
  return etcdctl;
}

/** Where timetolive prints the remaining TTL: simple, json and fields output. */
const REMAINING = /(remaining\(|"ttl":|"TTL" : )(-?\d+)/;
/** How far cairnctl's remaining TTL may be behind etcdctl's: cairnctl asks later (a Node start). */
const REMAINING_S_BEHIND_MAX = 2;

/**
 * Both tools, same arguments on a live lease. Its remaining TTL ticks between the two runs, so
 * cairnctl may print a remaining TTL up to REMAINING_S_BEHIND_MAX below etcdctl's; all else is the same.
 */
async function assertSameTimeToLive(args: string[]): Promise<Run> {
  const { etcdctl, cairnctl } = await server.both(args);
  assert.equal(etcdctl.code, 0, etcdctl.stderr);
  const remaining = (run: Run): number => Number(REMAINING.exec(run.stdout)?.[2] ?? 'NaN');
  let expected = etcdctl.stdout;
  if (REMAINING.test(etcdctl.stdout)) {
    const behind = remaining(etcdctl) - remaining(cairnctl);
    assert.ok(behind >= 0 && behind <= REMAINING_S_BEHIND_MAX, `remaining TTL: etcdctl ${remaining(etcdctl)}, cairnctl ${remaining(cairnctl)}`);
    expected = etcdctl.stdout.replace(REMAINING, `$1${remaining(cairnctl)}`);
  }
  assert.deepEqual(cairnctl, { ...etcdctl, stdout: expected }, `cairnctl ${args.join(' ')}`);
  return etcdctl;
}

/** Grant output with the lease ids (each tool's own) masked: hex in simple output, decimal in json and fields. */
const maskIds = (text: string): string =>
  text.replace(/\b[0-9a-f]{16}\b/g, '<id>').replace(/"ID":\d+/g, '"ID":<id>').replace(/"ID" : \d+/g, '"ID" : <id>');

test('lease grant prints the lease it granted, in each format; table is refused after the grant', async () => {
  await revokeAll();
  for (const format of [...FORMATS, 'table']) {
    const { etcdctl, cairnctl } = await server.both(['lease', 'grant', '60', '-w', format]);
    assert.equal(etcdctl.code, format === 'table' ? 4 : 0, etcdctl.stderr);
    assert.deepEqual({ ...cairnctl, stdout: maskIds(cairnctl.stdout) }, { ...etcdctl, stdout: maskIds(etcdctl.stdout) }, `-w ${format}`);
  }
  const listed = await server.etcdctl(['lease', 'list']);
  assert.match(listed.stdout, /^found 10 leases\n/, 'each tool granted a lease for each format, table included');
  assert.equal(maskIds((await server.cairnctl(['lease', 'grant', '60'])).stdout), 'lease <id> granted with TTL(60s)\n');
});

test('lease list prints every lease, in each format, and none', async () => {
  await revokeAll();
  for (const format of [...FORMATS, 'table']) await assertSame(server, format === 'table' ? 4 : 0, ['lease', 'list', '-w', format]);
  const ids = [await grant(60), await grant(60)];
  for (const format of [...FORMATS, 'table']) await assertSame(server, format === 'table' ? 4 : 0, ['lease', 'list', '-w', format]);
  assert.equal((await server.cairnctl(['lease', 'list'])).stdout, `found 2 leases\n${ids.join('\n')}\n`);
  await assertSame(server, 0, ['lease', 'list', 'ignored', 'arguments']);
});

test('lease timetolive prints granted and remaining TTL, with --keys the attached keys, in each format', async () => {
  const id = await grant(600);
  assert.equal((await assertSameTimeToLive(['lease', 'timetolive', id, '--keys'])).stdout.endsWith(', attached keys([])\n'), true);
  await assertSameTimeToLive(['lease', 'timetolive', id, '--keys', '-w', 'json']);
  for (const key of ['ttl/a', 'ttl/b "c"\tend']) assert.equal((await server.etcdctl(['put', key, 'v', `--lease=${id}`])).code, 0);
  for (const format of FORMATS) {
    await assertSameTimeToLive(['lease', 'timetolive', id, '-w', format]);
    await assertSameTimeToLive(['lease', 'timetolive', id, '--keys', '-w', format]);
  }
  await assertSame(server, 4, ['lease', 'timetolive', id, '-w', 'table']);
  assert.match((await server.cairnctl(['lease', 'timetolive', id, '--keys'])).stdout,
    new RegExp(`^lease ${id} granted with TTL\\(600s\\), remaining\\(\\d+s\\), attached keys\\(\\[ttl/a ttl/b "c"\tend\\]\\)\n$`));
});

test('lease timetolive of a revoked lease says it already expired', async () => {
  const id = await grant(60);
  await revoke(id);
  for (const format of FORMATS) await assertSame(server, 0, ['lease', 'timetolive', id, '--keys', '-w', format]);
  assert.equal((await server.cairnctl(['lease', 'timetolive', id])).stdout, `lease ${id} already expired\n`);
  // A negative id (after --, where it is no flag) prints as Go's %016x prints it.
  await assertSame(server, 0, ['lease', 'timetolive', '--', '-1']);
});

test('lease revoke prints the revoked lease, in each format; a lease that is gone is an error', async () => {
  for (const format of ['simple', 'json', 'fields']) await assertSameOnOwnLeases(0, 60, (id) => ['lease', 'revoke', id, '-w', format]);
  // etcdctl has no protobuf form of a revoke response and no table: it revokes, then refuses.
  const refused = await assertSameOnOwnLeases(4, 60, (id) => ['lease', 'revoke', id, '-w', 'protobuf']);
  assert.match(refused.stderr, /^Error: marshal unsupported for type clientv3.LeaseRevokeResponse \(\{cluster_id:42 member_id:1 revision:\d+ raft_term:\d+ \}\)\n$/);
  await assertSameOnOwnLeases(4, 60, (id) => ['lease', 'revoke', id, '-w', 'table']);
  const id = await grant(60);
  await revoke(id);
  await assertSame(server, 1, ['lease', 'revoke', id]);
  await assertSame(server, 1, ['lease', 'revoke', '0']);
  await assertSame(server, 1, ['lease', 'revoke', '--', '-1']);
});

test('lease revoke deletes the keys attached to the lease', async () => {
  await assertSameOnOwnLeases(0, 60, (id) => ['lease', 'revoke', id]);
  const id = await grant(60);
  assert.equal((await server.cairnctl(['put', 'rv/k', 'v', '--lease', id])).code, 0);
  assert.deepEqual(await server.cairnctl(['lease', 'revoke', id]), { code: 0, stdout: `lease ${id} revoked\n`, stderr: '' });
  assert.equal((await server.cairnctl(['get', 'rv/k'])).stdout, '');
});

test('lease keep-alive --once renews the lease once, in each format; a lease that is gone exits 2', async () => {
  const id = await grant(60);
  for (const format of [...FORMATS, 'table']) await assertSame(server, format === 'table' ? 4 : 0, ['lease', 'keep-alive', '--once', id, '-w', format]);
  assert.deepEqual(await server.cairnctl(['lease', 'keep-alive', '--once', id]), { code: 0, stdout: `lease ${id} keepalived with TTL(60)\n`, stderr: '' });
  await assertSame(server, 4, ['lease', 'keep-alive', id, '-w', 'table']);
  await revoke(id);
  for (const format of ['simple', 'json']) await assertSame(server, 2, ['lease', 'keep-alive', '--once', id, '-w', format]);
});

/** etcdctl and cairnctl running `lease keep-alive <args>`, side by side. */
function startKeepAlives(args: string[]): RunningTool[] {
  const { etcdctl, cairnctl } = server.startBoth(['lease', 'keep-alive', ...args]);
  return [etcdctl, cairnctl];
}

const shown = (finished: Finished) => ({ ...finished, stdout: finished.stdout.toString('latin1') });

test('lease keep-alive renews the lease until it is revoked elsewhere, then says so and exits 0', async () => {
  // TTL 15: each tool renews at once, then every 5 s; it is revoked between the first and second
  // renewal of every tool, which leaves 5 s for four tools to start on a loaded machine.
  const id = await grant(15);
  const simple = startKeepAlives([id]);
  const json = startKeepAlives([id, '-w', 'json']);
  for (const tool of [...simple, ...json]) await tool.waitForStdout((stdout) => stdout.toString().endsWith('\n'), 'the first renewal');
  await revoke(id);
  const [etcdctl, cairnctl] = await Promise.all(simple.map((tool) => tool.waitForExit()));
  assert.deepEqual(shown(etcdctl!), { code: 0, signal: null, stdout: `lease ${id} keepalived with TTL(15)\nlease ${id} expired or revoked.\n`, stderr: '' });
  assert.deepEqual(shown(cairnctl!), shown(etcdctl!));
  const [etcdctlJson, cairnctlJson] = await Promise.all(json.map((tool) => tool.waitForExit()));
  assert.match(etcdctlJson!.stdout.toString(), new RegExp(`^\\{"cluster_id":42,"member_id":1,"revision":\\d+,"raft_term":\\d+,"ID":${decimal(id)},"TTL":15\\}\n$`));
  assert.deepEqual(shown(cairnctlJson!), shown(etcdctlJson!));
});

test('lease keep-alive runs until stopped while the lease lives, renewing every TTL/3', async () => {
  const id = await grant(3);
  const tools = startKeepAlives([id]);
  const renewedTwice = (stdout: Buffer): boolean => stdout.toString() === `lease ${id} keepalived with TTL(3)\n`.repeat(2);
  for (const tool of tools) await tool.waitForStdout(renewedTwice, 'two renewals');
  const [etcdctl, cairnctl] = await Promise.all(tools.map((tool) => tool.stop()));
  assert.equal(etcdctl!.signal, 'SIGTERM');
  assert.deepEqual({ ...shown(cairnctl!), stdout: '' }, { ...shown(etcdctl!), stdout: '' });
  assert.match((await server.etcdctl(['lease', 'timetolive', id])).stdout, /granted with TTL\(3s\)/, 'the lease outlived its first TTL');
  await revoke(id);
});

test('lease keep-alive of a lease that is gone ends at once: simple output says so, the others print nothing', async () => {
  const id = await grant(60);
  await revoke(id);
  for (const format of FORMATS) await assertSame(server, 0, ['lease', 'keep-alive', id, '-w', format]);
  assert.deepEqual(await server.cairnctl(['lease', 'keep-alive', id]), { code: 0, stdout: `lease ${id} expired or revoked.\n`, stderr: '' });
});

test('put --lease attaches the key to the lease; a bad or unknown lease id is refused', async () => {
  const id = await grant(600);
  await assertSameOnOwnKeys(server, 0, ['pl'], (key) => ['put', key('pl'), 'v', `--lease=${id}`]);
  await assertSameOnOwnKeys(server, 0, ['pl2'], (key) => ['put', key('pl2'), 'v', '--lease', id, '-w', 'json']);
  assert.match((await server.cairnctl(['lease', 'timetolive', id, '--keys'])).stdout, /attached keys\(\[c-pl c-pl2 e-pl e-pl2\]\)\n$/);
  await assertSame(server, 0, ['get', 'e-pl', '-w', 'fields']);
  for (const bad of ['zz', '0x10', 'ffffffffffffffff', '']) await assertSame(server, 128, ['put', 'k', 'v', `--lease=${bad}`]);
  await assertSame(server, 1, ['put', 'k', 'v', '--lease', '123abc']);
  assert.equal((await server.cairnctl(['get', 'k'])).stdout, '', 'refused puts wrote nothing');
});

test('a negative lease id prints as Go\'s %016x prints it, and every command takes it back', async () => {
  await revokeAll();
  await server.grantLease(-5, 600);
  const id = '-000000000000005';
  for (const format of [...FORMATS, 'table']) await assertSame(server, format === 'table' ? 4 : 0, ['lease', 'list', '-w', format]);
  assert.equal((await server.cairnctl(['lease', 'list'])).stdout, `found 1 leases\n${id}\n`);
  await assertSameOnOwnKeys(server, 0, ['nl'], (key) => ['put', key('nl'), 'v', `--lease=${id}`]);
  await assertSame(server, 0, ['get', 'c-nl', '-w', 'json']);
  assert.match((await server.cairnctl(['get', 'c-nl', '-w', 'json'])).stdout, /"lease":-5\}\],"count":1\}/);
  for (const format of FORMATS) await assertSameTimeToLive(['lease', 'timetolive', '--keys', '-w', format, '--', id]);
  assert.match((await server.cairnctl(['lease', 'timetolive', '--keys', '--', id])).stdout, /attached keys\(\[c-nl e-nl\]\)\n$/);
  for (const format of FORMATS) await assertSame(server, 0, ['lease', 'keep-alive', '--once', '-w', format, '--', id]);
  const revokedByEtcdctl = await server.etcdctl(['lease', 'revoke', '--', id]);
  assert.deepEqual(revokedByEtcdctl, { code: 0, stdout: `lease ${id} revoked\n`, stderr: '' });
  assert.equal((await server.cairnctl(['get', 'nl', '--prefix'])).stdout, '', 'the revoke deleted the keys');
  await server.grantLease(-5, 600);
  assert.deepEqual(await server.cairnctl(['lease', 'revoke', '--', id]), revokedByEtcdctl);
});

test('lease commands refuse what etcdctl refuses, with its message and exit code', async () => {
  await assertSame(server, 128, ['lease', 'grant']);
  await assertSame(server, 128, ['lease', 'grant', '1', '2']);
  await assertSame(server, 128, ['lease', 'grant', 'abc']);
  await assertSame(server, 128, ['lease', 'grant', '99999999999999999999']);
  await assertSame(server, 1, ['lease', 'grant', '9000000001']);
  await assertSame(server, 4, ['lease', 'grant', '10', '-w', 'bogus']);
  for (const [command, missing] of [['revoke', 128], ['timetolive', 128], ['keep-alive', 128]] as const) {
    await assertSame(server, missing, ['lease', command]);
    await assertSame(server, 128, ['lease', command, 'a', 'b']);
    for (const bad of ['zz', '0x10', 'ffffffffffffffff']) await assertSame(server, 128, ['lease', command, bad]);
    await assertSame(server, 4, ['lease', command, '1', '-w', 'bogus']);
  }
  await assertSame(server, 4, ['lease', 'list', '-w', 'bogus']);
  await assertSameUsageError(server, 1, ['lease', 'grant', '10', '--bogus']);
  await assertSameUsageError(server, 1, ['lease', 'grant', '-5']);
  await assertSameUsageError(server, 1, ['lease', 'keep-alive', '--once=maybe', '1']);
  await assertSameUsageError(server, 1, ['lease', 'revoke', '--keys', '1']);
});

test('lease and an unknown lease subcommand print help and exit 0, as etcdctl does', async () => {
  for (const args of [['lease'], ['lease', 'bogus']]) {
    const { etcdctl, cairnctl } = await server.both(args);
    assert.equal(etcdctl.code, 0);
    assert.deepEqual([cairnctl.code, cairnctl.stderr], [0, ''], args.join(' '));
    assert.match(cairnctl.stdout, /lease keep-alive/);
  }
});
