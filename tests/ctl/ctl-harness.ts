/**
 * Runs real etcdctl 3.4 (/usr/bin/etcdctl) and cairnctl side by side against one in-process cairn
 * member, so a test can assert that both print the same thing. Both run as child processes with
 * async execFile: a synchronous spawn would block this process, which is also the server.
 * Commands that run until stopped (watch) run as RunningTools: their output is collected as it
 * comes, a test waits (bounded) for what it expects, then stops them.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LeaseServer } from '../../engine/lease/lease-server.js';
import type { WatchHub } from '../../engine/watch/watch-hub.js';
import { GrpcEndpoint } from '../../net/grpc/grpc-server.js';
import { etcdServerOf, TestCluster } from '../node/cluster-harness.js';

const ETCDCTL = '/usr/bin/etcdctl';
const CAIRNCTL = fileURLToPath(new URL('../../bin/cairnctl.js', import.meta.url));
/** The largest id a cairn member can carry exactly (2^53 - 1). */
export const LARGE_MEMBER_ID = Number.MAX_SAFE_INTEGER;
/** etcdctl's client library logs failed calls as JSON lines on stderr; they are not command output. */
const CLIENT_LOG_LINE = /^\{"level":.*\n/gm;

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Environment variables for one run, on top of this process's (and ETCDCTL_API=3). */
export type Env = Record<string, string>;

/** One member serving etcd's gRPC API on an ephemeral port. */
export class CtlServer {
  /** Tools started with startBoth: stopped at close if a failed test left them running. */
  private readonly running: RunningTool[] = [];

  private constructor(private readonly cluster: TestCluster, private endpoint: GrpcEndpoint,
    private readonly hub: WatchHub, private readonly lease: LeaseServer, private readonly listen: (port: number) => Promise<GrpcEndpoint>) {}

  static async start(): Promise<CtlServer> {
    const cluster = new TestCluster(1);
    await cluster.startAll();
    const leader = await cluster.leader();
    let port = 0;
    // A second, unstarted learner with a large id and two peer URLs exercises every column of member list.
    const server = etcdServerOf(leader, () => [
      { id: 1, name: 'one', peerUrls: ['http://127.0.0.1:2380'], clientUrls: [`http://127.0.0.1:${port}`], isLearner: false },
      { id: LARGE_MEMBER_ID, name: '', peerUrls: ['http://127.0.0.1:2381', 'http://127.0.0.1:2382'], clientUrls: [], isLearner: true },
    ]);
    const listen = (at: number): Promise<GrpcEndpoint> => GrpcEndpoint.listen({
      server, host: '127.0.0.1', port: at, maxRequestBytes: 1.5 * 1024 * 1024,
    });
    const endpoint = await listen(0);
    port = endpoint.port;
    return new CtlServer(cluster, endpoint, leader.hub, leader.lease, listen);
  }

  /**
   * Closes the gRPC endpoint (streams still open are cut after `graceMs`) and listens again on the
   * same port: what a client sees when its member restarts.
   */
  async restartEndpoint(graceMs: number): Promise<void> {
    const port = this.endpoint.port;
    await this.endpoint.close(graceMs);
    this.endpoint = await this.listen(port);
  }

  /** Grants lease `id` on the member: etcdctl cannot choose the id of a lease it grants (a negative one, say). */
  async grantLease(id: number, ttlSeconds: number): Promise<void> {
    await this.lease.grant({ ID: id, TTL: ttlSeconds });
  }

  /** Watchers the member holds now (a watch counts once the server has created it). */
  watcherCount(): number {
    const stats = this.hub.stats();
    return stats.synced + stats.unsynced;
  }

  get address(): string {
    return `127.0.0.1:${this.endpoint.port}`;
  }

  async close(): Promise<void> {
    await Promise.all(this.running.map((tool) => tool.stop()));
    await this.endpoint.close();
    await this.cluster.close();
  }

  /** `args` aimed at this server, unless they name their own --endpoints (a repeated one would add to the list). */
  private withEndpoint(args: string[]): string[] {
    return args.some((arg) => arg.startsWith('--endpoints')) ? args : [`--endpoints=${this.address}`, ...args];
  }

  /** etcdctl with `args`, its client log lines removed from stderr. */
  async etcdctl(args: string[], stdin: string | Buffer = '', env: Env = {}): Promise<Run> {
    const run = await execute(ETCDCTL, this.withEndpoint(args), stdin, env);
    return { ...run, stderr: run.stderr.replace(CLIENT_LOG_LINE, '') };
  }

  /** cairnctl with `args`. */
  cairnctl(args: string[], stdin: string | Buffer = '', env: Env = {}): Promise<Run> {
    return execute(process.execPath, [CAIRNCTL, ...this.withEndpoint(args)], stdin, env);
  }

  /** Both tools with the same arguments and input, etcdctl first. */
  async both(args: string[], stdin = '', env: Env = {}): Promise<{ etcdctl: Run; cairnctl: Run }> {
    const etcdctl = await this.etcdctl(args, stdin, env);
    return { etcdctl, cairnctl: await this.cairnctl(args, stdin, env) };
  }

  /** Starts etcdctl and cairnctl with the same arguments, for commands that run until stopped (watch). */
  startBoth(args: string[], env: Env = {}): { etcdctl: RunningTool; cairnctl: RunningTool } {
    const etcdctl = new RunningTool('etcdctl', spawn(ETCDCTL, this.withEndpoint(args), { env: toolEnv(env) }));
    const cairnctl = new RunningTool('cairnctl', spawn(process.execPath, [CAIRNCTL, ...this.withEndpoint(args)], { env: toolEnv(env) }));
    this.running.push(etcdctl, cairnctl);
    return { etcdctl, cairnctl };
  }
}

const toolEnv = (env: Env): NodeJS.ProcessEnv => ({ ...process.env, ETCDCTL_API: '3', ...env });

/** Runs `file`; resolves with its exit code and output (never rejects on a non-zero exit). */
export function execute(file: string, args: string[], stdin: string | Buffer, env: Env = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env: toolEnv(env), maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
    // A tool that fails before it reads its input has closed the pipe: that is no error of the test.
    child.stdin!.on('error', () => {});
    child.stdin!.end(stdin);
  });
}

/** How long a test waits for a running tool to print or exit before it fails. */
export const WAIT_MS_MAX = 10_000;
const POLL_MS = 10;

/** Polls `done` until it holds; fails the test with `describe()` after WAIT_MS_MAX. */
export async function waitUntil(done: () => boolean, describe: () => string): Promise<void> {
  const deadline = Date.now() + WAIT_MS_MAX;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`gave up after ${WAIT_MS_MAX} ms waiting for ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** How a running tool ended: its exit code or the signal that stopped it, and everything it printed. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Raw bytes: protobuf output is not text. */
  stdout: Buffer;
  stderr: string;
}

/** A tool started with pipes on all three streams; its output is collected as it comes. */
export class RunningTool {
  private readonly stdoutChunks: Buffer[] = [];
  private stderrText = '';
  readonly finished: Promise<Finished>;
  private exited = false;

  constructor(readonly name: 'etcdctl' | 'cairnctl', private readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk: Buffer) => this.stdoutChunks.push(chunk));
    // Input written after the tool exited has nowhere to go; the test sees the exit, not this.
    child.stdin!.on('error', () => {});
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrText += chunk.toString();
    });
    this.finished = new Promise((resolve) => child.on('close', (code, signal) => {
      this.exited = true;
      resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
    }));
  }

  get stdout(): Buffer {
    return Buffer.concat(this.stdoutChunks);
  }

  /** stderr, without etcdctl's client log lines. */
  get stderr(): string {
    return this.stderrText.replace(CLIENT_LOG_LINE, '');
  }

  get hasExited(): boolean {
    return this.exited;
  }

  /** Writes one line to its stdin. */
  writeLine(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  endInput(): void {
    this.child.stdin!.end();
  }

  /** Waits until its stdout satisfies `done`. */
  async waitForStdout(done: (stdout: Buffer) => boolean, what: string): Promise<void> {
    await waitUntil(() => done(this.stdout), () => `${this.name} to print ${what}; stdout so far: ${JSON.stringify(this.stdout.toString())}, ` +
      `stderr: ${JSON.stringify(this.stderr)}`);
  }

  /** Waits until it exits on its own. */
  async waitForExit(): Promise<Finished> {
    await waitUntil(() => this.exited, () => `${this.name} to exit; stdout so far: ${JSON.stringify(this.stdout.toString())}, ` +
      `stderr: ${JSON.stringify(this.stderr)}`);
    return this.finished;
  }

  /** Stops it (SIGTERM, as a user's kill) and waits for it to end. */
  stop(): Promise<Finished> {
    if (!this.exited) this.child.kill('SIGTERM');
    return this.finished;
  }
}

/** etcdctl's messages name the program; cairnctl's name cairnctl. */
export function asCairnctl(text: string): string {
  return text.replaceAll('etcdctl', 'cairnctl');
}

/** Both tools, same arguments: etcdctl exits with `code`, and cairnctl prints just what it printed. */
export async function assertSame(server: CtlServer, code: number, args: string[], stdin = ''): Promise<Run> {
  const { etcdctl, cairnctl } = await server.both(args, stdin);
  assert.equal(etcdctl.code, code, `etcdctl ${args.join(' ')}: ${etcdctl.stderr}`);
  assert.deepEqual(cairnctl, etcdctl, `cairnctl ${args.join(' ')}`);
  return etcdctl;
}

/** A usage error: same exit code and stderr (stdout holds each tool's own help text). */
export async function assertSameUsageError(server: CtlServer, code: number, args: string[], stdin = ''): Promise<void> {
  const { etcdctl, cairnctl } = await server.both(args, stdin);
  assert.equal(etcdctl.code, code, `etcdctl ${args.join(' ')}`);
  assert.deepEqual({ code: cairnctl.code, stderr: cairnctl.stderr }, { code: etcdctl.code, stderr: asCairnctl(etcdctl.stderr) },
    `cairnctl ${args.join(' ')}`);
}

/** Names each tool's keys apart with the same length: `e-<name>` for etcdctl, `c-<name>` for cairnctl. */
export type KeyNamer = (name: string) => string;

const REVISION_FIELD = /"(revision|create_revision|mod_revision)":\d+/g;
const REVISION_LINE = /^"(Revision|(Prev)?(Create|Mod)Revision)" : \d+$/gm;

/** json or fields output with its revisions masked, for writes that happen at different revisions. */
export function maskRevisions(text: string): string {
  return text.replace(REVISION_FIELD, '"$1":N').replace(REVISION_LINE, '"$1" : N');
}

/**
 * A write compared on each tool's own fresh keys: `prepare` and the command run once per tool
 * with its key names; cairnctl must print what etcdctl printed with the key names swapped (raw,
 * hex and base64) and revisions masked (the two writes happen at different revisions).
 */
export async function assertSameOnOwnKeys(server: CtlServer, code: number, names: string[],
  args: (key: KeyNamer) => string[],
  options: { stdin?: (key: KeyNamer) => string; prepare?: (key: KeyNamer) => Promise<void> } = {}): Promise<void> {
  const ofEtcdctl: KeyNamer = (name) => `e-${name}`;
  const ofCairnctl: KeyNamer = (name) => `c-${name}`;
  await options.prepare?.(ofEtcdctl);
  const etcdctl = await server.etcdctl(args(ofEtcdctl), options.stdin?.(ofEtcdctl));
  await options.prepare?.(ofCairnctl);
  const cairnctl = await server.cairnctl(args(ofCairnctl), options.stdin?.(ofCairnctl));
  assert.equal(etcdctl.code, code, `etcdctl ${args(ofEtcdctl).join(' ')}: ${etcdctl.stderr}`);
  const swap = (text: string): string => {
    let swapped = text;
    for (const name of names) {
      const [from, to] = [Buffer.from(ofEtcdctl(name)), Buffer.from(ofCairnctl(name))];
      const hex = (data: Buffer): string => [...data].map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('');
      swapped = swapped.replaceAll(from.toString('base64'), to.toString('base64')).replaceAll(hex(from), hex(to))
        .replaceAll(from.toString(), to.toString());
    }
    return maskRevisions(swapped);
  };
  assert.deepEqual({ ...cairnctl, stdout: maskRevisions(cairnctl.stdout) },
    { ...etcdctl, stdout: swap(etcdctl.stdout), stderr: swap(etcdctl.stderr) },
    `cairnctl ${args(ofCairnctl).join(' ')}`);
}
