/**
 * cairnctl watch prints what etcdctl watch prints. Both watch the same keys of one member at the
 * same time, so they see the same responses: their outputs must be identical, byte for byte,
 * revisions included. Watches run until stopped: each test waits (bounded) until the server holds
 * both tools' watches, writes, waits until both printed the last write, then stops them.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertSame, assertSameUsageError, CtlServer, waitUntil, type Env, type Finished, type RunningTool,
} from './ctl-harness.js';

let server: CtlServer;

before(async () => {
  server = await CtlServer.start();
});

after(() => server.close());

/**
 * The watches the server holds for pairs still running. A new pair starts once the server holds
 * just these (the watches of tools that ended are gone), so it can count its own.
 */
let pairWatches = 0;

/** etcdctl and cairnctl running `watch <args>` side by side. */
class WatchPair {
  private watchesEach = 0;

  private constructor(readonly etcdctl: RunningTool, readonly cairnctl: RunningTool) {}

  /** Starts both and waits until the server holds `watchesEach` watches of each. */
  static async start(args: string[], options: { env?: Env; watchesEach?: number } = {}): Promise<WatchPair> {
    await waitUntil(() => server.watcherCount() === pairWatches, () => `the watches of ended tools to go (${server.watcherCount()} left)`);
    const { etcdctl, cairnctl } = server.startBoth(['watch', ...args], options.env);
    const pair = new WatchPair(etcdctl, cairnctl);
    await pair.waitForWatches(options.watchesEach ?? 1);
    return pair;
  }

  /** Waits until the server holds `watchesEach` watches of each tool. */
  async waitForWatches(watchesEach: number): Promise<void> {
    pairWatches += 2 * (watchesEach - this.watchesEach);
    this.watchesEach = watchesEach;
    await waitUntil(() => server.watcherCount() === pairWatches,
      () => `${pairWatches} watches (the server holds ${server.watcherCount()}; etcdctl: ${this.etcdctl.stderr}; cairnctl: ${this.cairnctl.stderr})`);
  }

  /** Both tools' stdin gets `line`. */
  writeLine(line: string): void {
    for (const tool of [this.etcdctl, this.cairnctl]) tool.writeLine(line);
  }

  async waitForBoth(done: (stdout: string) => boolean, what: string): Promise<void> {
    for (const tool of [this.etcdctl, this.cairnctl]) await tool.waitForStdout((stdout) => done(stdout.toString('latin1')), what);
    // A response is printed in several writes (a line per field): let both finish theirs before
    // anyone stops them, or a loaded machine cuts one tool's output mid-response.
    const lengths = (): string => `${this.etcdctl.stdout.length},${this.cairnctl.stdout.length}`;
    for (let seen = lengths(), i = 0; i < 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      if (lengths() === seen) break;
      seen = lengths();
    }
  }

  /** Stops both, and waits until the server has dropped their watches. */
  async stop(): Promise<Finished[]> {
    return this.gone(await Promise.all([this.etcdctl.stop(), this.cairnctl.stop()]));
  }

  /** Waits until both exit on their own and the server has dropped their watches. */
  async waitForExit(): Promise<Finished[]> {
    return this.gone(await Promise.all([this.etcdctl.waitForExit(), this.cairnctl.waitForExit()]));
  }

  private async gone(finished: Finished[]): Promise<Finished[]> {
    await this.waitForWatches(0);
    return finished;
  }
}

/** Stops pairs one after the other (each counts its watches going), in order. */
async function stopAll(pairs: WatchPair[]): Promise<Finished[][]> {
  const finished: Finished[][] = [];
  for (const pair of pairs) finished.push(await pair.stop());
  return finished;
}

/** Byte strings shown as latin1 text, so an assertion diff is readable and still exact. */
const shown = (finished: Finished) => ({ ...finished, stdout: finished.stdout.toString('latin1') });

/** cairnctl ended as etcdctl did (code or signal), having printed exactly what it printed; returns etcdctl's. */
function assertSameFinish([etcdctl, cairnctl]: Finished[], what: string): Finished {
  assert.deepEqual(shown(cairnctl!), shown(etcdctl!), what);
  return etcdctl!;
}

const STOPPED = { code: null, signal: 'SIGTERM' };

async function put(key: string, value: string | Buffer): Promise<number> {
  const run = typeof value === 'string' ? await server.etcdctl(['put', key, value, '-w', 'json'])
    : await server.etcdctl(['put', key, '-w', 'json'], value);
  assert.equal(run.code, 0, run.stderr);
  return (JSON.parse(run.stdout) as { header: { revision: number } }).header.revision;
}

async function del(key: string, ...flags: string[]): Promise<void> {
  assert.equal((await server.etcdctl(['del', key, ...flags])).code, 0);
}

const endsWith = (tail: string) => (stdout: string): boolean => stdout.endsWith(tail);

test('a watch on a key prints each put and delete of that key, and nothing else', async () => {
  const plain = await WatchPair.start(['key/k']);
  const hex = await WatchPair.start(['key/k', '--hex']);
  await put('key/k', 'v1');
  await put('key/k2', 'not watched');
  await put('key/k', 'v 2');
  await del('key/k');
  await plain.waitForBoth(endsWith('DELETE\nkey/k\n\n'), 'the delete');
  await hex.waitForBoth(endsWith('DELETE\n\\x6b\\x65\\x79\\x2f\\x6b\n\n'), 'the delete');
  const [plainEnd, hexEnd] = await stopAll([plain, hex]);
  const etcdctl = assertSameFinish(plainEnd!, 'watch key/k');
  assert.deepEqual(shown(etcdctl), { ...STOPPED, stdout: 'PUT\nkey/k\nv1\nPUT\nkey/k\nv 2\nDELETE\nkey/k\n\n', stderr: '' });
  assertSameFinish(hexEnd!, 'watch key/k --hex');
});

test('--prefix watches every key under the prefix; a range_end argument watches [key, range_end)', async () => {
  const prefix = await WatchPair.start(['pre/', '--prefix']);
  const range = await WatchPair.start(['pre/b', 'pre/d']);
  // Three arguments: etcdctl watches the first as a key and ignores the others.
  const extra = await WatchPair.start(['pre/c', 'pre/d', 'pre/e']);
  for (const key of ['pre/a', 'pre/b', 'pre/c', 'pre/d', 'prf']) await put(key, key.toUpperCase());
  await put('pre/c', 'end');
  for (const pair of [prefix, range, extra]) await pair.waitForBoth(endsWith('pre/c\nend\n'), 'the last put');
  const [prefixEnd, rangeEnd, extraEnd] = await stopAll([prefix, range, extra]);
  const all = assertSameFinish(prefixEnd!, 'watch pre/ --prefix');
  assert.equal(all.stdout.toString(), 'PUT\npre/a\nPRE/A\nPUT\npre/b\nPRE/B\nPUT\npre/c\nPRE/C\nPUT\npre/d\nPRE/D\nPUT\npre/c\nend\n');
  assert.equal(assertSameFinish(rangeEnd!, 'watch pre/b pre/d').stdout.toString(), 'PUT\npre/b\nPRE/B\nPUT\npre/c\nPRE/C\nPUT\npre/c\nend\n');
  assert.equal(assertSameFinish(extraEnd!, 'watch pre/c pre/d pre/e').stdout.toString(), 'PUT\npre/c\nPRE/C\nPUT\npre/c\nend\n');
});

test('--rev replays the history from that revision, then goes on live; --prev-kv adds each previous pair', async () => {
  const first = await put('rev/k', 'v1');
  await put('rev/k', 'v2');
  await put('rev/other', 'x');
  await del('rev/k');
  const replay = await WatchPair.start(['rev/k', '--rev', String(first + 1), '--prev-kv']);
  const replayJson = await WatchPair.start(['rev/', '--prefix', '--rev', String(first), '-w', 'json']);
  await put('rev/k', 'end');
  await replay.waitForBoth(endsWith('PUT\nrev/k\nend\n'), 'the live put');
  await replayJson.waitForBoth((stdout) => stdout.includes(`"value":"${Buffer.from('end').toString('base64')}"`), 'the live put');
  const [replayEnd, replayJsonEnd] = await stopAll([replay, replayJson]);
  const etcdctl = assertSameFinish(replayEnd!, 'watch rev/k --rev --prev-kv');
  assert.equal(etcdctl.stdout.toString(), 'PUT\nrev/k\nv1\nrev/k\nv2\nDELETE\nrev/k\nv2\nrev/k\n\nPUT\nrev/k\nend\n');
  const json = assertSameFinish(replayJsonEnd!, 'watch rev/ --prefix --rev -w json');
  assert.match(json.stdout.toString(), new RegExp(`^\\{"Header":\\{"cluster_id":\\d+,"member_id":\\d+,"revision":\\d+,"raft_term":\\d+\\},` +
    `"Events":\\[\\{"kv":\\{"key":"${Buffer.from('rev/k').toString('base64')}","create_revision":${first},"mod_revision":${first},`));
});

test('-w json, fields and protobuf print each response whole: a txn\'s or a range delete\'s events come together', async () => {
  const formats = ['json', 'fields', 'protobuf'];
  const pairs = [];
  for (const format of formats) pairs.push(await WatchPair.start(['fmt/', '--prefix', '--prev-kv', '-w', format]));
  await put('fmt/a', '1');
  await put('fmt/a', '2');
  const txn = await server.etcdctl(['txn'], '\nput fmt/b "b b"\nput fmt/c c\n\n\n');
  assert.equal(txn.stdout, 'SUCCESS\n\nOK\n\nOK\n');
  // A value that is not UTF-8, and one with characters JSON and Go's %q escape.
  await put('fmt/bin', Buffer.from([0x76, 0xff, 0x00, 0x0a]));
  await put('fmt/esc', 'é\t"<&>');
  await del('fmt/', '--prefix');
  await put('fmt/end', 'end');
  const ended = ['ZW5k', '"Value" : "end"', '\x2a\x03end'];
  for (const [at, pair] of pairs.entries()) await pair.waitForBoth((stdout) => stdout.includes(ended[at]!), 'the last put');
  for (const [at, finished] of (await stopAll(pairs)).entries()) {
    const etcdctl = assertSameFinish(finished, `watch -w ${formats[at]}`);
    if (formats[at] === 'json') {
      const responses = etcdctl.stdout.toString().trimEnd().split('\n').map((line) => JSON.parse(line) as { Events: unknown[] });
      assert.deepEqual(responses.map((response) => response.Events.length), [1, 1, 2, 1, 1, 5, 1]);
    }
  }
});

test('interactive mode: each watch line starts a watch, progress gets every watch a reply, other lines are refused', async () => {
  const pair = await WatchPair.start(['-i'], { watchesEach: 0 });
  pair.writeLine('watch ia/k');
  await pair.waitForWatches(1);
  await put('ia/k', 'v1');
  await pair.waitForBoth(endsWith('PUT\nia/k\nv1\n'), 'the first put');
  pair.writeLine('watch  --prefix "ib/"  --prev-kv');
  await pair.waitForWatches(2);
  await put('ib/x', '1');
  await put('ib/x', '2');
  await pair.waitForBoth(endsWith('PUT\nib/x\n1\nib/x\n2\n'), 'the second put');
  pair.writeLine('progress');
  await pair.waitForBoth((stdout) => stdout.split('progress notify: ').length === 3, 'two progress replies');
  // etcdctl cuts a single-quoted word by the number of words: with three words 'ic' is "i".
  pair.writeLine("watch 'ic' x");
  await pair.waitForWatches(3);
  await put('i', 'quoted');
  await pair.waitForBoth(endsWith('PUT\ni\nquoted\n'), 'the put on "i"');
  for (const line of ['bogus', '', 'watch', 'watch a b --prefix', 'watch -- echo', '   ']) pair.writeLine(line);
  for (const tool of [pair.etcdctl, pair.cairnctl]) tool.endInput();
  const etcdctl = assertSameFinish(await pair.waitForExit(), 'watch -i');
  assert.equal(etcdctl.code, 3);
  assert.equal(etcdctl.stderr, 'Invalid command bogus (only support watch)\nInvalid command:  (watch and progress supported)\n' +
    'Invalid command watch (command type or key is not provided)\n' +
    'Invalid command watch a b --prefix (`range_end` and `--prefix` are mutually exclusive)\n' +
    'Invalid command watch -- echo (bad number of arguments)\nInvalid command:     (watch and progress supported)\n' +
    'Error: Error reading watch request line: EOF\n');
  assert.match(etcdctl.stdout.toString(), /^PUT\nia\/k\nv1\nPUT\nib\/x\n1\nPUT\nib\/x\n1\nib\/x\n2\nprogress notify: (\d+)\nprogress notify: \1\nPUT\ni\nquoted\n$/);
});

test('interactive mode: a watch line with bad flags or arguments ends the command as etcdctl does', async () => {
  await assertSame(server, 3, ['watch', '-i']);
  await assertSame(server, 128, ['watch', '-i'], 'watch k --bogus\n');
  await assertSame(server, 128, ['watch', '-i'], 'watch k -w json\n');
  await assertSame(server, 128, ['watch', '-i'], 'watch k --rev x\n');
  await assertSame(server, 128, ['watch', '-i'], 'watch k --\n');
  await assertSame(server, 128, ['watch', '-i'], 'watch --prefix\n');
  await assertSame(server, 3, ['watch', '-i'], 'watch "\\q"\n');
  // A single-quoted word cut past its end: etcdctl panics (exit 2); its Go stack trace is its own.
  const { etcdctl, cairnctl } = await server.both(['watch', '-i'], "watch 'a' b c d e\n");
  const firstLine = (text: string): string => text.slice(0, text.indexOf('\n'));
  assert.deepEqual([cairnctl.code, firstLine(cairnctl.stderr)], [2, 'panic: runtime error: slice bounds out of range [:5] with length 3']);
  assert.deepEqual([cairnctl.code, firstLine(cairnctl.stderr)], [etcdctl.code, firstLine(etcdctl.stderr)]);
});

test('exec-command runs once per event, after the response, with the ETCD_WATCH_* variables', async () => {
  const script = 'printf "%s\\n" "$ETCD_WATCH_EVENT_TYPE $ETCD_WATCH_KEY $ETCD_WATCH_VALUE $ETCD_WATCH_REVISION $0 $1"';
  const pair = await WatchPair.start(['ex/k', '--prev-kv', '--', 'sh', '-c', script, 'zero', 'one']);
  // ETCDCTL_WATCH_KEY stands in for the key.
  const fromEnv = await WatchPair.start(['--', 'sh', '-c', script, 'env'], { env: { ETCDCTL_WATCH_KEY: 'ex/k' } });
  const revision = await put('ex/k', 'say "hi"');
  await put('ex/k', 'wörld\t\\');
  await del('ex/k');
  for (const each of [pair, fromEnv]) await each.waitForBoth((stdout) => stdout.includes('"DELETE" '), 'the delete\'s command');
  const [pairEnd, fromEnvEnd] = await stopAll([pair, fromEnv]);
  const etcdctl = assertSameFinish(pairEnd!, 'watch ex/k -- sh');
  assert.equal(etcdctl.stdout.toString(), `PUT\nex/k\nsay "hi"\n"PUT" "ex/k" "say \\"hi\\"" ${revision} zero one\n` +
    `PUT\nex/k\nsay "hi"\nex/k\nwörld\t\\\n"PUT" "ex/k" "wörld\\t\\\\" ${revision + 1} zero one\n` +
    `DELETE\nex/k\nwörld\t\\\nex/k\n\n"DELETE" "ex/k" "" ${revision + 2} zero one\n`);
  assertSameFinish(fromEnvEnd!, 'ETCDCTL_WATCH_KEY=ex/k watch -- sh');
});

test('a watch whose member restarts is re-created from the revision after its last event, as clientv3 does', async () => {
  const pair = await WatchPair.start(['rs/k', '-w', 'json']);
  await put('rs/k', 'before');
  await pair.waitForBoth((stdout) => stdout.includes(Buffer.from('before').toString('base64')), 'the put before the restart');
  await server.restartEndpoint(0);
  // Most likely written before the watches are back (clients wait a while before they reconnect):
  // they must replay it. Either way it comes alone, in a response of its own.
  await put('rs/k', 'while away');
  await pair.waitForBoth((stdout) => stdout.includes(Buffer.from('while away').toString('base64')), 'the put during the restart');
  await put('rs/k', 'after');
  await pair.waitForBoth((stdout) => stdout.includes(Buffer.from('after').toString('base64')), 'the put after the restart');
  const etcdctl = assertSameFinish(await pair.stop(), 'watch rs/k across a restart');
  const values = etcdctl.stdout.toString().trimEnd().split('\n')
    .map((line) => (JSON.parse(line) as { Events: { kv: { value: string } }[] }).Events.map((event) => Buffer.from(event.kv.value, 'base64').toString()));
  assert.deepEqual(values.flat(), ['before', 'while away', 'after']);
});

test('an exec-command that fails ends the watch: exit 1, with Go\'s text for why', async () => {
  const revision = String(await put('fx/k', 'v'));
  const commands = [['false'], ['no-such-command-here'], ['/no/such/path'], ['sh', '-c', 'kill -9 $$'], ['sh', '-c', 'exit 3']];
  for (const command of commands) {
    const etcdctl = await assertSame(server, 1, ['watch', 'fx/k', '--rev', revision, '--', ...command]);
    assert.match(etcdctl.stderr, /^command \[.*\] error \(.+\)\n$/);
  }
});

test('-w table is refused at the first response, -w bogus at once (exit 4)', async () => {
  const pair = await WatchPair.start(['tb/k', '-w', 'table']);
  await put('tb/k', 'v');
  const etcdctl = assertSameFinish(await pair.waitForExit(), 'watch -w table');
  assert.deepEqual(shown(etcdctl), { code: 4, signal: null, stdout: '', stderr: 'Error: table not supported as output format\n' });
  await assertSame(server, 4, ['watch', 'tb/k', '-w', 'bogus']);
});

test('a watch from a compacted revision, or on an empty range, is canceled: etcdctl\'s message, exit 5', async () => {
  await put('cp/k', 'v1');
  const revision = await put('cp/k', 'v2');
  assert.equal((await server.etcdctl(['compaction', String(revision)])).code, 0);
  const compacted = await assertSame(server, 5, ['watch', 'cp/k', '--rev', String(revision - 1)]);
  assert.equal(compacted.stderr, 'watch was canceled (etcdserver: mvcc: required revision has been compacted)\n' +
    'Error: watch is canceled by the server\n');
  for (const format of ['json', 'fields']) await assertSame(server, 5, ['watch', 'cp/k', '--rev', '1', '-w', format]);
  const empty = await assertSame(server, 5, ['watch', 'cp/z', 'cp/a', '-w', 'json']);
  assert.deepEqual(empty, {
    code: 5, stdout: '{"Header":{},"Events":null,"CompactRevision":0,"Canceled":true,"Created":false}\n',
    stderr: 'watch was canceled (mvcc: watcher range is empty)\nError: watch is canceled by the server\n',
  });
  // Protobuf output is not text: compared as bytes.
  for (const args of [['cp/k', '--rev', '1'], ['cp/z', 'cp/a']]) {
    const pair = await WatchPair.start([...args, '-w', 'protobuf'], { watchesEach: 0 });
    assert.equal(assertSameFinish(await pair.waitForExit(), `watch ${args.join(' ')} -w protobuf`).code, 5);
  }
});

test('bad arguments: etcdctl\'s messages and exit codes', async () => {
  const cases: [number, string[], Env?][] = [
    [128, []], [128, ['--prefix']], [128, ['k', '--']], [128, ['a', 'b', '--prefix']], [128, ['--', 'echo', 'hi']],
    [128, ['--rev', '1', '--', 'k', 'echo']], [4, ['-w', 'bogus']], [4, ['k', '-w', 'bogus']],
    [128, ['k'], { ETCDCTL_WATCH_RANGE_END: 'z' }], [128, ['k'], { ETCDCTL_WATCH_KEY: 'k' }],
    [128, ['k', '--', 'echo'], { ETCDCTL_WATCH_KEY: 'k' }], [128, ['--prefix'], { ETCDCTL_WATCH_KEY: 'a', ETCDCTL_WATCH_RANGE_END: 'b' }],
  ];
  for (const [code, args, env] of cases) {
    const { etcdctl, cairnctl } = await server.both(['watch', ...args], '', env);
    assert.equal(etcdctl.code, code, `etcdctl watch ${args.join(' ')}: ${etcdctl.stderr}`);
    assert.deepEqual(cairnctl, etcdctl, `cairnctl watch ${args.join(' ')} ${JSON.stringify(env ?? {})}`);
  }
  await assertSameUsageError(server, 1, ['watch', '--rev', 'abc', 'k']);
  await assertSameUsageError(server, 1, ['watch', 'k', '--bogus']);
});
