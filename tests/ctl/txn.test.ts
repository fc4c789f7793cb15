/**
 * cairnctl txn reads etcdctl's script syntax from stdin (scripted and -i interactive) and prints
 * what etcdctl prints: SUCCESS/FAILURE and each op's output, json, and etcdctl's script errors.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertSame, assertSameOnOwnKeys, assertSameUsageError, CtlServer, type KeyNamer, type Run,
} from './ctl-harness.js';

let server: CtlServer;

before(async () => {
  server = await CtlServer.start();
  for (const [key, value] of [['user', 'alice'], ['count', '7'], ['spaced key', 'spaced value']]) {
    assert.equal((await server.etcdctl(['put', key!, value!])).code, 0);
  }
});

after(() => server.close());

/** A read-only script: both tools see the same state, so the outputs must be identical. */
const sameRead = (code: number, script: string, ...flags: string[]): Promise<Run> =>
  assertSame(server, code, ['txn', ...flags], script);

test('a txn of reads takes the branch its compares choose and prints each response', async () => {
  await sameRead(0, 'value("user") = "alice"\n\nget user\nget "spaced key"\nget c --prefix --keys-only\n\nget nope\n\n');
  await sameRead(0, 'value("user") = "bob"\n\nget user\n\nget user --print-value-only\nget "" --from-key --limit 2\n\n');
  await sameRead(0, 'value("user") = "alice"\n\nget user\nget count --rev 2\n\n\n', '-w', 'json');
  await sameRead(0, '\n\n\n');
  // etcdctl cuts a 'single-quoted' word to the number of words on its line: 'user' of three is "u".
  assert.equal((await sameRead(0, "\nget 'user' --prefix\n\n\n")).stdout, 'SUCCESS\n\nuser\nalice\n');
  // etcdctl's fields writer crashes on the responses of a txn's ops, so only an op-less txn compares.
  await sameRead(0, 'value("user") = "alice"\n\n\n\n', '-w', 'fields');
});

test('every compare target and operator, with etcdctl\'s spellings and spacing', async () => {
  const compares = [
    'mod("user") > "0"', 'm("user") < "100000"', 'create("user") = "2"', 'c("user") != "0"', 'version("user") = "1"',
    'ver("count") > "0"', 'val("count") < "8"', 'value("user") != "bob"', '  value("user")   =   "alice"  trailing',
    'value("user") = "\\x61lice"',
  ];
  // Every compare holds, so a compare cairnctl misread would show up as FAILURE.
  for (const compare of compares) {
    assert.match((await sameRead(0, `${compare}\n\nget user\n\nget count\n\n`)).stdout, /^SUCCESS\n/, compare);
  }
});

test('a txn that writes prints OK, counts and previous pairs (each tool on its own keys)', async () => {
  const script = (key: KeyNamer): string =>
    `value("${key('t')}") = "1"\n\nput ${key('t')} 2 --prev-kv\nput ${key('u')} x\ndel ${key('v')} --prev-kv\nget ${key('t')}\n\n` +
    `put ${key('t')} failed\n\n`;
  const prepare = async (key: KeyNamer): Promise<void> => {
    for (const name of ['t', 'v']) assert.equal((await server.etcdctl(['put', key(name), '1'])).code, 0);
  };
  await assertSameOnOwnKeys(server, 0, ['t', 'u', 'v'], () => ['txn'], { stdin: script, prepare });
  await assertSameOnOwnKeys(server, 0, ['t', 'u', 'v'], () => ['txn', '-w', 'json'], { stdin: script, prepare });
  assert.equal((await server.cairnctl(['get', 'c-t', '--print-value-only'])).stdout, '2\n');
  await assertSameOnOwnKeys(server, 0, ['t'], () => ['txn', '-i'], { stdin: script, prepare: async () => {} });
  assert.equal((await server.cairnctl(['get', 'c-t', '--print-value-only'])).stdout, 'failed\n');
});

test('interactive mode prompts for each section', async () => {
  const run = await sameRead(0, 'value("user") = "alice"\n\nget user\n\n\n', '-i');
  assert.match(run.stdout, /^compares:\n/);
});

test('script errors: etcdctl\'s messages and exit codes', async () => {
  const scripts: [number, string][] = [
    [3, ''], [3, '\n'], [3, '\n\n'], [3, 'nope\n'], [3, 'value(user) = "a"\n'], [3, 'value("user")="a"\n'],
    [3, 'value("us"er") = "a"\n'], [3, 'bogus("user") = "a"\n'], [3, 'version("user") = "abc"\n'],
    [3, 'value("user") = alice\n'], [3, '\nget\n'], [3, '\nbogus a\n'], [128, '\nput a\n'], [128, '\ndel a b c\n'],
    [128, '\nget a --prefix --from-key\n'], [128, '\nput a b --lease zz\n'], [4, '\nget a --sort-by bogus\n'],
    [1, '\nput a 1\nput a 2\n\n\n'], [1, "\nget 'spaced key'\n\n\n"],
  ];
  for (const [code, script] of scripts) await sameRead(code, script);
  await sameRead(128, '\n\n\n', 'extra');
  await sameRead(4, '\n\n\n', '-w', 'bogus');
  await sameRead(4, '\n\n\n', '-w', 'table');
});

test('an op with a flag etcdctl does not know is an invalid request (exit 3)', async () => {
  // etcdctl also prints the op's usage before its message; cairnctl prints only the message.
  const script = '\nget a --bogus\n\n\n';
  const { etcdctl, cairnctl } = await server.both(['txn'], script);
  assert.equal(etcdctl.code, 3);
  assert.deepEqual([cairnctl.code, cairnctl.stderr], [3, etcdctl.stderr.slice(etcdctl.stderr.lastIndexOf('Error: '))]);
  await assertSameUsageError(server, 1, ['txn', '--bogus']);
});
