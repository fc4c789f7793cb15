/**
 * The keep-alive process of the lease benchmark, forked by run-keepalive.ts. It grants its leases
 * on the leader (LeaseGrant, a Raft entry each), opens LeaseKeepAlive bidi streams dealt round
 * robin over the members (so the followers' streams are forwarded to the leader over the peer
 * port), and then renews the leases in turn at a fixed total rate: open loop, each stream at its
 * share of the rate with at most `windowPerStream` keep-alives unanswered. Answers come back in
 * order on a stream, so each one's latency is measured from its own send.
 *
 * The grants use grpc-js (setup only, before anything is measured). The streams speak gRPC over
 * node:http2 directly (keepalive-call.ts), one HTTP/2 DATA frame per keep-alive as Go's clientv3
 * and grpc-js send them: grpc-js's client cost ~58 µs of CPU per keep-alive (29% of a core at
 * 5,000/s), taken from the 2 cores the members share, which blurred the server's own cost.
 *
 *   parent -> {type: 'plan', plan}     child -> {type: 'ready', grantSeconds} once every lease is granted and every stream open
 *   parent -> {type: 'go'}             (starts the keep-alives; a baseline never sends it)
 *   parent -> {type: 'mark'}           (the measured window starts)
 *   parent -> {type: 'stop'}           child -> {type: 'result', result}, then exits
 *                                      child -> {type: 'progress', answered} ~1/s
 */
import type { ClientHttp2Session } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { etcdClient } from '../../net/grpc/protos.js';
import { serveParent, tellParent } from '../common/child-ipc.js';
import { nowEpochMs, sleep } from '../common/cluster-session.js';
import { createLatencyHistogram, encodeHistogram, recordLatencyMs, type LatencyHistogram } from '../load/latency.js';
import { connectMember, KeepAliveCall } from './keepalive-call.js';
import { encodeKeepAliveRequest } from './keepalive-wire.js';

/** LeaseGrant calls in flight while granting. */
const GRANTS_IN_FLIGHT = 128;
/** How often the pacer looks at the clock. */
const PACE_TICK_MS = 2;
/** The pacer never owes more than this much of a stream's rate (after a stall it drops the debt instead of bursting). */
const PACE_DEBT_MAX_SECONDS = 0.25;
/** How long 'stop' waits for the keep-alives still unanswered. */
const STOP_DRAIN_MS = 3000;
const CONNECT_TIMEOUT_MS = 10_000;

export interface KeepAlivePlan {
  /** Every member's gRPC target, in cluster order, and which one leads. */
  members: { name: string; target: string; leader: boolean }[];
  /** Where the keep-alive streams go instead of the members (one per member: the sink phase). Grants still go to the leader. */
  streamTargets?: string[];
  leases: number;
  ttlSeconds: number;
  streams: number;
  /** Keep-alives per second over all streams. */
  ratePerSecond: number;
  windowPerStream: number;
}

export interface StreamResult {
  member: string;
  leader: boolean;
  /** Answers in the window. */
  answered: number;
}

export interface KeepAliveResult {
  granted: number;
  grantSeconds: number;
  /** Over the window: keep-alives sent, answered with a TTL, answered with TTL 0 (lease gone). */
  sent: number;
  answered: number;
  answeredTtlZero: number;
  /** Streams that failed (and their first error). */
  streamErrors: number;
  firstError: string | null;
  windowSeconds: number;
  /** HdrHistogram (µs) of the window's keep-alive latencies (send -> answer). */
  latency: string;
  perStream: StreamResult[];
  cpuSeconds: number;
}

export type ParentMessage = { type: 'plan'; plan: KeepAlivePlan } | { type: 'go' } | { type: 'mark' } | { type: 'stop' };

export type KeepAliveMessage =
  | { type: 'ready'; grantSeconds: number }
  | { type: 'progress'; answered: number }
  | { type: 'result'; result: KeepAliveResult }
  | { type: 'failed'; message: string };

type LeaseClient = grpc.Client & {
  LeaseGrant(request: object, callback: (error: grpc.ServiceError | null, response?: { ID: string }) => void): void;
};

const tell = (message: KeepAliveMessage): void => tellParent(message);

async function leaseClient(target: string): Promise<LeaseClient> {
  const Lease = etcdClient('Lease');
  const client = new Lease(target, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }) as unknown as LeaseClient;
  await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + CONNECT_TIMEOUT_MS,
    (error) => (error ? reject(new Error(`cannot connect to ${target}: ${error.message}`)) : resolve())));
  return client;
}

/** One LeaseKeepAlive stream: its leases, its pacing, its counters. */
class KeepAliveStream {
  private readonly call: KeepAliveCall;
  /** Each lease's whole keep-alive message, encoded once. */
  private readonly requests: Buffer[];
  private readonly sentAt: number[] = [];
  private next = 0;
  private sentCount = 0;
  private startMs = 0;
  failed = false;
  measuring = false;
  counters = { sent: 0, answered: 0, ttlZero: 0 };
  answeredTotal = 0;

  constructor(readonly member: string, readonly leader: boolean, session: ClientHttp2Session,
    leaseIds: readonly string[], private readonly ratePerSecond: number, private readonly window: number,
    private readonly histogram: LatencyHistogram, onError: (error: Error) => void) {
    this.requests = leaseIds.map((id) => encodeKeepAliveRequest(BigInt(id)));
    this.call = new KeepAliveCall(session, {
      onAnswer: (ttl) => this.onAnswer(ttl),
      onError: (error) => {
        if (this.failed) return;
        this.failed = true;
        onError(error);
      },
    });
  }

  get unanswered(): number {
    return this.sentAt.length;
  }

  start(nowMs: number): void {
    this.startMs = nowMs;
  }

  /** Sends what is due at `nowMs`, as far as the window allows. */
  pace(nowMs: number): void {
    if (this.failed || this.startMs === 0 || this.requests.length === 0) return;
    const due = Math.floor(((nowMs - this.startMs) * this.ratePerSecond) / 1000);
    this.sentCount = Math.max(this.sentCount, due - Math.ceil(this.ratePerSecond * PACE_DEBT_MAX_SECONDS));
    while (this.sentCount < due && this.sentAt.length < this.window) {
      this.sentCount++;
      this.sentAt.push(nowMs);
      if (this.measuring) this.counters.sent++;
      this.call.send(this.requests[this.next]!);
      this.next = (this.next + 1) % this.requests.length;
    }
  }

  end(): void {
    this.startMs = 0;
    this.call.end();
  }

  private onAnswer(ttl: bigint): void {
    const sentMs = this.sentAt.shift();
    this.answeredTotal++;
    if (sentMs === undefined || !this.measuring) return;
    if (ttl <= 0n) this.counters.ttlZero++;
    else this.counters.answered++;
    recordLatencyMs(this.histogram, nowEpochMs() - sentMs);
  }
}

class KeepAliveProcess {
  private readonly sessions: ClientHttp2Session[] = [];
  private readonly streams: KeepAliveStream[] = [];
  private readonly histogram = createLatencyHistogram();
  private pacer: NodeJS.Timeout | null = null;
  private grantSeconds = 0;
  private granted = 0;
  private streamErrors = 0;
  private firstError: string | null = null;
  private markMs = 0;
  private cpuAtMark: NodeJS.CpuUsage | null = null;

  constructor(private readonly plan: KeepAlivePlan) {}

  /** Grants the leases and opens the streams; resolves with the seconds granting took. */
  async open(): Promise<number> {
    const { plan } = this;
    const leader = plan.members.find((member) => member.leader)!;
    const grantClient = await leaseClient(leader.target);
    // Closed once granting is done, so grpc-js does no work of its own while keep-alives are measured.
    const ids = await this.grant(grantClient).finally(() => grantClient.close());
    for (const [i, member] of plan.members.entries()) {
      this.sessions.push(await connectMember(plan.streamTargets?.[i] ?? member.target, CONNECT_TIMEOUT_MS));
    }
    for (let s = 0; s < plan.streams; s++) {
      const memberIndex = s % plan.members.length;
      const member = plan.members[memberIndex]!;
      const leaseIds = ids.filter((_, i) => i % plan.streams === s);
      this.streams.push(new KeepAliveStream(member.name, member.leader, this.sessions[memberIndex]!, leaseIds, plan.ratePerSecond / plan.streams, plan.windowPerStream,
        this.histogram, (error) => {
          this.streamErrors++;
          this.firstError ??= `${member.name}: ${error.message}`;
        }));
    }
    setInterval(() => tell({ type: 'progress', answered: this.streams.reduce((sum, s) => sum + s.answeredTotal, 0) }), 1000).unref();
    return this.grantSeconds;
  }

  go(): void {
    const now = nowEpochMs();
    for (const stream of this.streams) stream.start(now);
    this.pacer = setInterval(() => {
      const at = nowEpochMs();
      for (const stream of this.streams) stream.pace(at);
    }, PACE_TICK_MS);
  }

  mark(): void {
    this.markMs = nowEpochMs();
    this.cpuAtMark = process.cpuUsage();
    for (const stream of this.streams) stream.measuring = true;
  }

  async stop(): Promise<KeepAliveResult> {
    const stopMs = nowEpochMs();
    const cpu = process.cpuUsage(this.cpuAtMark ?? undefined);
    if (this.pacer !== null) clearInterval(this.pacer);
    // Answers after the window are drained but not counted: the rate is the window's.
    for (const stream of this.streams) stream.measuring = false;
    const deadline = Date.now() + STOP_DRAIN_MS;
    while (this.streams.some((s) => !s.failed && s.unanswered > 0) && Date.now() < deadline) await sleep(10);
    const sum = (pick: (s: KeepAliveStream) => number): number => this.streams.reduce((total, s) => total + pick(s), 0);
    const result: KeepAliveResult = {
      granted: this.granted, grantSeconds: this.grantSeconds,
      sent: sum((s) => s.counters.sent), answered: sum((s) => s.counters.answered), answeredTtlZero: sum((s) => s.counters.ttlZero),
      streamErrors: this.streamErrors, firstError: this.firstError,
      windowSeconds: this.markMs > 0 ? (stopMs - this.markMs) / 1000 : 0,
      latency: encodeHistogram(this.histogram),
      perStream: this.streams.map((s) => ({ member: s.member, leader: s.leader, answered: s.counters.answered + s.counters.ttlZero })),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
    for (const stream of this.streams) stream.end();
    return result;
  }

  close(): void {
    for (const session of this.sessions) session.destroy();
  }

  /** Grants every lease on the leader, GRANTS_IN_FLIGHT at a time; returns their ids (int64 as strings). */
  private async grant(client: LeaseClient): Promise<string[]> {
    const started = nowEpochMs();
    const ids: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < this.plan.leases) {
        next++;
        ids.push(await new Promise<string>((resolve, reject) => client.LeaseGrant({ TTL: this.plan.ttlSeconds, ID: 0 },
          (error, response) => (error ? reject(new Error(`LeaseGrant: ${error.details || error.message}`)) : resolve(response!.ID)))));
      }
    };
    await Promise.all(Array.from({ length: Math.min(GRANTS_IN_FLIGHT, this.plan.leases) }, worker));
    this.granted = ids.length;
    this.grantSeconds = (nowEpochMs() - started) / 1000;
    return ids;
  }
}

let keepAlive: KeepAliveProcess | null = null;

serveParent<ParentMessage>(async (message) => {
  switch (message.type) {
    case 'plan':
      keepAlive = new KeepAliveProcess(message.plan);
      tell({ type: 'ready', grantSeconds: await keepAlive.open() });
      return;
    case 'go': keepAlive!.go(); return;
    case 'mark': keepAlive!.mark(); return;
    case 'stop': tell({ type: 'result', result: await keepAlive!.stop() }); return;
  }
}, () => keepAlive?.close());
