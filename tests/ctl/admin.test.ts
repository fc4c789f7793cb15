/**
 * cairnctl compaction, member list, endpoint status and endpoint health print what etcdctl
 * prints, including with an unreachable endpoint in --endpoints.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertSame, CtlServer, LARGE_MEMBER_ID, type Run } from './ctl-harness.js';

/** Nothing listens on port 1 of the loopback address: connecting is refused. */
const UNREACHABLE = '127.0.0.1:1';

let server: CtlServer;

before(async () => {
  server = await CtlServer.start();
});

after(() => server.close());

async function currentRevision(): Promise<number> {
  assert.equal((await server.etcdctl(['put', 'compact-me', 'x'])).code, 0);
  const { stdout } = await server.etcdctl(['get', 'compact-me', '-w', 'json']);
  return (JSON.parse(stdout) as { header: { revision: number } }).header.revision;
}

test('compaction prints the revision it compacted, whatever -w says', async () => {
  for (const flags of [[], ['--physical'], ['-w', 'json']]) {
    const first = await currentRevision();
    const etcdctl = await server.etcdctl(['compaction', String(first), ...flags]);
    assert.deepEqual(etcdctl, { code: 0, stdout: `compacted revision ${first}\n`, stderr: '' });
    const second = await currentRevision();
    assert.deepEqual(await server.cairnctl(['compaction', String(second), ...flags]),
      { ...etcdctl, stdout: etcdctl.stdout.replace(String(first), String(second)) });
  }
});

test('compaction refuses what etcdctl refuses, with its message and exit code', async () => {
  await assertSame(server, 128, ['compaction']);
  await assertSame(server, 128, ['compaction', '1', '2']);
  await assertSame(server, 1, ['compaction', 'abc']);
  await assertSame(server, 1, ['compaction', '2']);
  await assertSame(server, 1, ['compaction', '1000000']);
  await assertSame(server, 4, ['compaction', '2', '-w', 'bogus']);
});

test('member list in simple, json and table output', async () => {
  const simple = await assertSame(server, 0, ['member', 'list']);
  assert.match(simple.stdout, /^1, started, one, http:\/\/127\.0\.0\.1:2380, /);
  const learner = `${LARGE_MEMBER_ID.toString(16)}, unstarted, , http://127.0.0.1:2381,http://127.0.0.1:2382, , true`;
  assert.ok(simple.stdout.split('\n').includes(learner), simple.stdout);
  assert.match((await assertSame(server, 0, ['member', 'list', '-w', 'json'])).stdout, new RegExp(`"ID":${LARGE_MEMBER_ID},`));
  await assertSame(server, 0, ['member', 'list', '-w', 'table']);
  await assertSame(server, 0, ['member', 'list', '-w', 'fields']);
  await assertSame(server, 4, ['member', 'list', '-w', 'bogus']);
});

test('endpoint status in simple, json and table output, and with an endpoint that does not answer', async () => {
  assert.match((await assertSame(server, 0, ['endpoint', 'status'])).stdout, /, 1, 3\.4\.0, .*, true, false, /);
  await assertSame(server, 0, ['endpoint', 'status', '-w', 'json']);
  await assertSame(server, 0, ['endpoint', 'status', '-w', 'table']);
  await assertSame(server, 0, ['endpoint', 'status', '-w', 'fields']);
  await assertSame(server, 0, ['endpoint', 'status', `--endpoints=${server.address},${server.address}`]);
  await assertSame(server, 1, ['endpoint', 'status', `--endpoints=${UNREACHABLE},${server.address}`, '--command-timeout=1s']);
  await assertSame(server, 4, ['endpoint', 'status', '-w', 'bogus']);
});

/** The health check's duration differs between runs: masked, with the table's padding it sets. */
function maskTook(run: Run): Run {
  const mask = (text: string): string => text
    .replace(/took = \S+/g, 'took = T').replace(/"took":"[^"]*"/g, '"took":"T"').replace(/"Took" : \S+/g, '"Took" : T')
    .replace(/\| +[0-9.]+(ns|µs|ms|s) \|/g, '| T |').replace(/[ -]{2,}/g, ' ');
  return { code: run.code, stdout: mask(run.stdout), stderr: mask(run.stderr) };
}

async function sameHealth(code: number, args: string[]): Promise<Run> {
  const { etcdctl, cairnctl } = await server.both(['endpoint', 'health', ...args]);
  assert.equal(etcdctl.code, code, etcdctl.stderr);
  assert.deepEqual(maskTook(cairnctl), maskTook(etcdctl));
  return etcdctl;
}

test('endpoint health in simple, json and table output (durations masked)', async () => {
  assert.match((await sameHealth(0, [])).stderr, /is healthy: successfully committed proposal: took = /);
  await sameHealth(0, ['-w', 'json']);
  await sameHealth(0, ['-w', 'table']);
  await sameHealth(0, ['-w', 'fields']);
  await sameHealth(4, ['-w', 'bogus']);
});

test('endpoint health reports an endpoint that does not answer as unhealthy', async () => {
  const endpoints = `--endpoints=${server.address},${UNREACHABLE}`;
  assert.match((await sameHealth(1, [endpoints, '--command-timeout=1s'])).stderr, /Error: unhealthy cluster\n$/);
  await sameHealth(1, [endpoints, '--command-timeout=1s', '-w', 'json']);
  await sameHealth(1, [endpoints, '--command-timeout=1s', '-w', 'table']);
});

test('other commands use the first endpoint that answers; none answering is a deadline error', async () => {
  await assertSame(server, 0, ['get', 'compact-me', `--endpoints=${UNREACHABLE},${server.address}`]);
  await assertSame(server, 1, ['get', 'compact-me', `--endpoints=${UNREACHABLE}`, '--command-timeout=1s']);
  await assertSame(server, 1, ['get', 'compact-me', '--command-timeout=0s']);
});
