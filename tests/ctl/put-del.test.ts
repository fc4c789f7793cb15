/**
 * cairnctl put and del print what etcdctl prints. Each tool writes its own keys (e-… and c-…),
 * so both see the same state; their outputs are compared with key names swapped.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertSame, assertSameOnOwnKeys, assertSameUsageError, CtlServer, maskRevisions, type KeyNamer,
} from './ctl-harness.js';

let server: CtlServer;

before(async () => {
  server = await CtlServer.start();
});

after(() => server.close());

/** Puts `name`=`value` and `name`2=`value`2 for one tool's keys. */
const withTwoKeys = (name: string, value: string) => async (key: KeyNamer): Promise<void> => {
  for (const suffix of ['', '2']) assert.equal((await server.etcdctl(['put', key(name + suffix), value + suffix])).code, 0);
};

test('put prints OK, and the previous pair with --prev-kv in simple, hex and json output', async () => {
  await assertSameOnOwnKeys(server, 0, ['p1'], (key) => ['put', key('p1'), 'v1']);
  await assertSameOnOwnKeys(server, 0, ['p1'], (key) => ['put', key('p1'), 'v2', '--prev-kv']);
  await assertSameOnOwnKeys(server, 0, ['p1'], (key) => ['put', key('p1'), 'v3', '--prev-kv', '--hex']);
  await assertSameOnOwnKeys(server, 0, ['p1'], (key) => ['put', key('p1'), 'v4', '--prev-kv', '-w', 'json']);
  await assertSameOnOwnKeys(server, 0, ['p2'], (key) => ['put', key('p2'), 'v', '-w', 'json']);
  await assertSameOnOwnKeys(server, 0, ['p1'], (key) => ['put', key('p1'), 'v4', '--prev-kv', '-w', 'fields']);
  assert.equal((await server.cairnctl(['get', 'c-p1', '--print-value-only'])).stdout, 'v4\n');
});

test('put takes the value from stdin when given only the key', async () => {
  await assertSameOnOwnKeys(server, 0, ['stdin'], (key) => ['put', key('stdin')], { stdin: () => 'line one\nline two\n' });
  await assertSame(server, 0, ['get', 'e-stdin', '--print-value-only']);
  assert.equal((await server.cairnctl(['get', 'c-stdin', '--print-value-only'])).stdout, 'line one\nline two\n\n');
});

test('put --ignore-value, --ignore-lease and --lease', async () => {
  await assertSameOnOwnKeys(server, 0, ['iv'], (key) => ['put', key('iv'), '--ignore-value', '--prev-kv'],
    { prepare: withTwoKeys('iv', 'kept') });
  assert.equal((await server.cairnctl(['get', 'c-iv', '--print-value-only'])).stdout, 'kept\n');
  await assertSameOnOwnKeys(server, 0, ['il'], (key) => ['put', key('il'), 'v', '--ignore-lease'], { prepare: withTwoKeys('il', 'v') });
  await assertSameOnOwnKeys(server, 0, ['lz'], (key) => ['put', key('lz'), 'v', '--lease', '0']);
  await assertSameOnOwnKeys(server, 1, ['missing'], (key) => ['put', key('missing'), '--ignore-value']);
});

test('put refuses what etcdctl refuses, with its message and exit code', async () => {
  await assertSame(server, 128, ['put']);
  await assertSame(server, 128, ['put', 'k'], '');
  await assertSame(server, 128, ['put', 'k', 'v', '--ignore-value']);
  await assertSame(server, 128, ['put', 'k', 'v', '--lease', 'zz']);
  await assertSame(server, 4, ['put', 'k', 'v', '-w', 'bogus']);
  await assertSame(server, 1, ['put', '', 'v']);
  assert.equal((await server.cairnctl(['get', 'k'])).stdout, '', 'refused puts wrote nothing');
  await assertSameUsageError(server, 1, ['put', 'k', 'v', '--bogus']);
});

test('put -w table writes, then refuses the format as etcdctl does', async () => {
  await assertSameOnOwnKeys(server, 4, ['table'], (key) => ['put', key('table'), 'v', '-w', 'table']);
  assert.equal((await server.cairnctl(['get', 'c-table', '--print-value-only'])).stdout, 'v\n');
});

test('del prints the number deleted, and the pairs with --prev-kv', async () => {
  await assertSameOnOwnKeys(server, 0, ['d1'], (key) => ['del', key('d1')], { prepare: withTwoKeys('d1', 'v') });
  await assertSameOnOwnKeys(server, 0, ['d2', 'd22'], (key) => ['del', key('d2'), '--prefix', '--prev-kv'],
    { prepare: withTwoKeys('d2', 'v') });
  await assertSameOnOwnKeys(server, 0, ['d4', 'd42'], (key) => ['del', key('d4'), key('d42'), '--prev-kv', '--hex'],
    { prepare: withTwoKeys('d4', 'v') });
  await assertSameOnOwnKeys(server, 0, ['none'], (key) => ['del', key('none')]);
  await assertSameOnOwnKeys(server, 0, ['none'], (key) => ['del', key('none'), '-w', 'json']);
  await assertSameOnOwnKeys(server, 0, ['d5'], (key) => ['del', key('d5'), '--prev-kv', '-w', 'fields'],
    { prepare: withTwoKeys('d5', 'v') });
  assert.equal((await server.cairnctl(['get', 'c-d', '--prefix', '--keys-only'])).stdout, 'c-d12\n\nc-d42\n\nc-d52\n\n');
});

test('del --from-key deletes to the end of the keyspace, as etcdctl does', async () => {
  // Both tools delete the same keys in turn ("zz…" sort after every other test key), so the
  // keys are put back before cairnctl runs; a re-created key starts again at version 1.
  const prepare = withTwoKeys('zz', 'v');
  const args = ['del', 'zz', '--from-key', '--prev-kv', '-w', 'json'];
  await prepare((name) => name);
  const etcdctl = await server.etcdctl(args);
  await prepare((name) => name);
  const cairnctl = await server.cairnctl(args);
  assert.equal(etcdctl.code, 0);
  assert.match(etcdctl.stdout, /"deleted":2,/);
  assert.deepEqual({ ...cairnctl, stdout: maskRevisions(cairnctl.stdout) }, { ...etcdctl, stdout: maskRevisions(etcdctl.stdout) });
});

test('del refuses what etcdctl refuses, with its message and exit code', async () => {
  await assertSame(server, 128, ['del']);
  await assertSame(server, 128, ['del', 'a', 'b', 'c']);
  await assertSame(server, 128, ['del', 'a', '--prefix', '--from-key']);
  await assertSame(server, 128, ['del', 'a', 'b', '--prefix']);
  await assertSame(server, 1, ['del', '']);
  await assertSame(server, 4, ['del', 'a', '-w', 'bogus']);
  await assertSame(server, 4, ['del', 'nope', '-w', 'table']);
});
