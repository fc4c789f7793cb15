/** cairnctl get prints what etcdctl get prints, for every flag, format and argument error. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertSame, CtlServer } from './ctl-harness.js';

let server: CtlServer;

before(async () => {
  server = await CtlServer.start();
  const keys: [string, string][] = [['foo', 'bar'], ['foo2', 'bar2'], ['foo', 'bar3'], ['goo', 'x'], ['a\tb', 'tab'],
    ['hello', 'wörld <&>'], ['zz', 'last']];
  for (const [key, value] of keys) assert.equal((await server.etcdctl(['put', key, value])).stdout, 'OK\n');
  // A value that is not UTF-8 (through stdin: arguments cannot carry such bytes) and one with characters Go escapes.
  assert.equal((await server.etcdctl(['put', 'bin\x01é'], Buffer.from([0x76, 0xff, 0xc3, 0x0a]))).stdout, 'OK\n');
  assert.equal((await server.etcdctl(['put', 'esc', 'é\t\u2028"\\<&>'])).stdout, 'OK\n');
});

after(() => server.close());

const same = (code: number, ...args: string[]): Promise<unknown> => assertSame(server, code, args);

test('get prints keys and values as etcdctl does, in simple and json output', async () => {
  await same(0, 'get', 'foo');
  await same(0, 'get', 'foo', '-w', 'json');
  await same(0, 'get', 'nope');
  await same(0, 'get', 'nope', '-w', 'json');
  await same(0, 'get', 'hello', '-w', 'json');
  await same(0, 'get', 'a\tb');
  await same(0, 'get', 'bin', '--prefix');
  await same(0, 'get', 'esc', '-w', 'json');
});

test('get -w fields quotes keys and values as Go does', async () => {
  await same(0, 'get', 'foo', '--prefix', '-w', 'fields');
  await same(0, 'get', 'bin', '--prefix', '-w', 'fields');
  await same(0, 'get', 'esc', '-w', 'fields');
  await same(0, 'get', 'nope', '-w', 'fields');
});

test('get with range flags: --prefix, --from-key, a range_end argument, --limit', async () => {
  await same(0, 'get', 'foo', '--prefix');
  await same(0, 'get', '', '--prefix', '--keys-only');
  await same(0, 'get', 'g', '--from-key');
  await same(0, 'get', '', '--from-key', '-w', 'json');
  await same(0, 'get', 'foo', 'goo');
  await same(0, 'get', 'a', 'zz', '--limit', '2', '-w', 'json');
  await same(0, 'get', '', '--prefix', '--limit=1', '-w=json');
});

test('get with sort, revision, consistency and print flags', async () => {
  await same(0, 'get', '', '--prefix', '--sort-by', 'VALUE', '--order', 'DESCEND');
  await same(0, 'get', '', '--prefix', '--sort-by=modify', '--order=ascend', '-w', 'json');
  await same(0, 'get', '', '--prefix', '--sort-by', 'CREATE');
  await same(0, 'get', '', '--prefix', '--sort-by', 'VERSION', '--order', 'DESCEND', '--keys-only');
  await same(0, 'get', '', '--prefix', '--order', 'DESCEND');
  await same(0, 'get', 'foo', '--rev', '2');
  await same(0, 'get', 'foo', '--rev', '2', '-w', 'json');
  await same(0, 'get', 'foo', '--consistency', 's');
  await same(0, 'get', 'foo', '--prefix', '--print-value-only');
  await same(0, 'get', 'foo', '--prefix', '--print-value-only', '--keys-only');
  await same(0, 'get', 'foo', '--prefix', '--hex');
  await same(0, '--hex', 'get', 'foo', '-w', 'json');
  await same(0, '-w', 'json', 'get', '--', 'foo');
});

test('get refuses what etcdctl refuses, with its message and exit code', async () => {
  await same(128, 'get');
  await same(128, 'get', 'a', '--prefix', '--from-key');
  await same(128, 'get', 'a', 'b', '--prefix');
  await same(4, 'get', 'a', 'b', '--prefix', '--consistency', 'x');
  await same(4, 'get', 'a', '--consistency', 'x');
  await same(4, 'get', 'a', '--sort-by', 'x');
  await same(4, 'get', 'a', '--sort-by', 'x', '--order', 'y');
  await same(4, 'get', 'a', '-w', 'bogus');
  await same(4, 'get', 'a', '-w', 'table');
  await same(1, 'get', 'a', '--rev', '100000');
});
