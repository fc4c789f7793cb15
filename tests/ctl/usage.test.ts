/**
 * Command-line errors cairnctl reports as etcdctl does (cobra's texts, twice on stderr, exit 1):
 * unknown commands and flags, flags missing or with bad values. The help each prints on stdout is
 * its own, so only stderr and the exit code are compared.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertSameUsageError, CtlServer } from './ctl-harness.js';

let server: CtlServer;

before(async () => {
  server = await CtlServer.start();
});

after(() => server.close());

test('unknown commands and flags', async () => {
  await assertSameUsageError(server, 1, ['bogus']);
  await assertSameUsageError(server, 1, ['get', 'a', '--bogus']);
  await assertSameUsageError(server, 1, ['get', 'a', '-x']);
  await assertSameUsageError(server, 1, ['member', 'list', '--bogus']);
  await assertSameUsageError(server, 1, ['--hex', 'bogus']);
  for (const typo of ['gte', 'txm', 'endpont']) await assertSameUsageError(server, 1, [typo]);
});

test('flags missing their value or given a bad one', async () => {
  await assertSameUsageError(server, 1, ['get', 'a', '--limit']);
  await assertSameUsageError(server, 1, ['get', 'a', '-w']);
  await assertSameUsageError(server, 1, ['get', 'a', '--limit', 'x']);
  await assertSameUsageError(server, 1, ['get', 'a', '--rev=99999999999999999999']);
  await assertSameUsageError(server, 1, ['get', 'a', '--prefix=maybe']);
  await assertSameUsageError(server, 1, ['get', 'a', '--command-timeout=5']);
  await assertSameUsageError(server, 1, ['get', 'a', '--command-timeout=x']);
  await assertSameUsageError(server, 1, ['get', 'a', '--dial-timeout=2y']);
});

test('help and bare command groups print help on stdout and exit 0, as etcdctl does', async () => {
  for (const args of [[], ['--help'], ['member'], ['endpoint'], ['get', '-h']]) {
    const { etcdctl, cairnctl } = await server.both(args);
    assert.equal(etcdctl.code, 0);
    assert.deepEqual([cairnctl.code, cairnctl.stderr, cairnctl.stdout.length > 0], [0, '', true], args.join(' '));
  }
});
