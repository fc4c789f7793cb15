/**
 * Runs real etcdctl 3.4 (/usr/bin/etcdctl) and cairnctl side by side against one in-process cairn
 * member, so a test can assert that both print the same thing. Both run as child processes with
 * async execFile: a synchronous spawn would block this process, which is also the server.
 */
import { ClusterMembership } from '../../engine/node/membership.js';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GrpcEndpoint } from '../../net/grpc/grpc-server.js';
import { TestCluster } from '../node/cluster-harness.js';

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

/** One member serving etcd's gRPC API on an ephemeral port. */
export class CtlServer {
  private constructor(private readonly cluster: TestCluster, private readonly endpoint: GrpcEndpoint) {}

  static async start(): Promise<CtlServer> {
    const cluster = new TestCluster(1);
    await cluster.startAll();
    const leader = await cluster.leader();
    let port = 0;
    const endpoint = await GrpcEndpoint.listen({
      member: leader.member, kv: leader.kv, hub: leader.hub, lease: leader.lease, membership: new ClusterMembership(leader.member, leader.reader, 'test-cluster'), host: '127.0.0.1', port: 0, maxRequestBytes: 1.5 * 1024 * 1024,
      // A second, unstarted learner with a large id and two peer URLs exercises every column of member list.
      members: () => [
        { id: 1, name: 'one', peerUrls: ['http://127.0.0.1:2380'], clientUrls: [`http://127.0.0.1:${port}`], isLearner: false },
        { id: LARGE_MEMBER_ID, name: '', peerUrls: ['http://127.0.0.1:2381', 'http://127.0.0.1:2382'], clientUrls: [], isLearner: true },
      ],
    });
    port = endpoint.port;
    return new CtlServer(cluster, endpoint);
  }

  get address(): string {
    return `127.0.0.1:${this.endpoint.port}`;
  }

  async close(): Promise<void> {
    await this.endpoint.close();
    await this.cluster.close();
  }

  /** `args` aimed at this server, unless they name their own --endpoints (a repeated one would add to the list). */
  private withEndpoint(args: string[]): string[] {
    return args.some((arg) => arg.startsWith('--endpoints')) ? args : [`--endpoints=${this.address}`, ...args];
  }

  /** etcdctl with `args`, its client log lines removed from stderr. */
  async etcdctl(args: string[], stdin: string | Buffer = ''): Promise<Run> {
    const run = await execute(ETCDCTL, this.withEndpoint(args), stdin);
    return { ...run, stderr: run.stderr.replace(CLIENT_LOG_LINE, '') };
  }

  /** cairnctl with `args`. */
  cairnctl(args: string[], stdin: string | Buffer = ''): Promise<Run> {
    return execute(process.execPath, [CAIRNCTL, ...this.withEndpoint(args)], stdin);
  }

  /** Both tools with the same arguments and input, etcdctl first. */
  async both(args: string[], stdin = ''): Promise<{ etcdctl: Run; cairnctl: Run }> {
    const etcdctl = await this.etcdctl(args, stdin);
    return { etcdctl, cairnctl: await this.cairnctl(args, stdin) };
  }
}

/** Runs `file`; resolves with its exit code and output (never rejects on a non-zero exit). */
export function execute(file: string, args: string[], stdin: string | Buffer): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env: { ...process.env, ETCDCTL_API: '3' }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
    child.stdin!.end(stdin);
  });
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
