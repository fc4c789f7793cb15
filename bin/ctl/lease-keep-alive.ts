/**
 * clientv3's lessor (etcd 3.4) keeping one lease alive, as etcdctl's `lease keep-alive` sees it,
 * and its KeepAliveOnce. One LeaseKeepAlive stream carries the keep-alives:
 *
 *   every RETRY_MS: a keep-alive if one is due (at once; again each RETRY_MS until answered;
 *                   then TTL/3 after each answer), and the end if the deadline has passed
 *   answer, TTL > 0: handed on; the deadline moves to TTL from now
 *   answer, TTL <= 0 (the lease is gone): the end
 *   stream fails: reopened after RETRY_MS; the deadline still runs (the first one is the dial
 *                 timeout and a second), so a member away for longer than the TTL ends it
 */
import * as grpc from '@grpc/grpc-js';
import { callErrorMessage, type EtcdConnection } from './client.js';
import { CtlError, EXIT_BAD_CONNECTION } from './exit.js';
import type { LeaseKeepAliveResponse } from './messages.js';

/** clientv3's retryKeepAliveInterval and retryConnWait: how often it checks, how long before it reopens. */
const RETRY_MS = 500;
/** clientv3's wait for the first answer when there is no dial timeout (its defaultTTL). */
const FIRST_ANSWER_MS_DEFAULT = 5_000;
const FIRST_ANSWER_MS_BEYOND_DIAL = 1_000;
/** clientv3's rpctypes.ErrLeaseNotFound, which KeepAliveOnce returns for a TTL of 0 or less. */
const ERR_LEASE_NOT_FOUND = 'etcdserver: requested lease not found';
/** What Go's Recv returns for a stream the server ended (status OK) before answering. */
const END_OF_STREAM = 'EOF';
/** Failures clientv3's KeepAliveOnce retries (isHaltErr: anything else ends it). */
const RETRIED_CODES: readonly number[] = [grpc.status.UNAVAILABLE, grpc.status.INTERNAL];

type Call = grpc.ClientDuplexStream<{ ID: string }, LeaseKeepAliveResponse>;

/** How long clientv3 waits for a lease's first answer: the dial timeout and a second (or defaultTTL). */
export function firstAnswerTimeoutMs(dialTimeoutMs: number): number {
  return dialTimeoutMs === 0 ? FIRST_ANSWER_MS_DEFAULT : dialTimeoutMs + FIRST_ANSWER_MS_BEYOND_DIAL;
}

/** One lease kept alive until it is gone or its deadline passes (clientv3's lessor with one keepAlive). */
class LeaseKeeper {
  private call: Call | undefined;
  private nextKeepAliveMs = Date.now();
  private deadlineMs: number;
  private ended = false;
  private reopen: NodeJS.Timeout | undefined;
  private readonly ticker = setInterval(() => this.tick(), RETRY_MS);

  constructor(private readonly connection: EtcdConnection, private readonly id: string, firstAnswerMs: number,
    private readonly onResponse: (response: LeaseKeepAliveResponse) => void, private readonly onEnd: (error?: unknown) => void) {
    this.deadlineMs = Date.now() + firstAnswerMs;
    this.open();
  }

  private open(): void {
    if (this.ended) return;
    const call = this.connection.leaseKeepAlive<{ ID: string }, LeaseKeepAliveResponse>();
    this.call = call;
    call.on('data', (response: LeaseKeepAliveResponse) => {
      if (call === this.call) this.receive(response);
    });
    // Every end of the stream comes as a status; 'error' repeats the failed ones.
    call.on('error', () => {});
    call.on('status', () => {
      if (call !== this.call || this.ended) return;
      this.call = undefined;
      this.reopen = setTimeout(() => this.open(), RETRY_MS);
    });
    this.sendDue();
  }

  private tick(): void {
    if (Date.now() > this.deadlineMs) this.end();
    else this.sendDue();
  }

  private sendDue(): void {
    if (this.call !== undefined && Date.now() >= this.nextKeepAliveMs) this.call.write({ ID: this.id });
  }

  private receive(response: LeaseKeepAliveResponse): void {
    if (response.ID !== this.id) return;
    const ttlMs = Number(response.TTL) * 1000;
    if (ttlMs <= 0) return this.end();
    this.nextKeepAliveMs = Date.now() + ttlMs / 3;
    this.deadlineMs = Date.now() + ttlMs;
    try {
      this.onResponse(response);
    } catch (error) {
      this.end(error);
    }
  }

  private end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.ticker);
    clearTimeout(this.reopen);
    const call = this.call;
    this.call = undefined;
    call?.cancel();
    this.onEnd(error);
  }
}

/**
 * Keeps lease `id` (decimal) alive, handing every answer to `onResponse`. Resolves when the
 * keep-alive ends (the lease is gone, or went unanswered past its deadline); rejects, having
 * stopped, with what `onResponse` threw.
 */
export function keepAlive(connection: EtcdConnection, id: string, firstAnswerMs: number,
  onResponse: (response: LeaseKeepAliveResponse) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    new LeaseKeeper(connection, id, firstAnswerMs, onResponse, (error) => (error === undefined ? resolve() : reject(error)));
  });
}

type Attempt = { response: LeaseKeepAliveResponse } | { code: number; message: string };

/** One keep-alive on a stream of its own: the first answer, or how the stream failed. */
function attemptKeepAlive(connection: EtcdConnection, id: string): Promise<Attempt> {
  return new Promise((resolve) => {
    const call = connection.leaseKeepAlive<{ ID: string }, LeaseKeepAliveResponse>();
    let answered = false;
    call.on('data', (response: LeaseKeepAliveResponse) => {
      if (answered) return;
      answered = true;
      call.cancel();
      resolve({ response });
    });
    call.on('error', () => {});
    call.on('status', (status: grpc.StatusObject) => {
      if (answered) return;
      answered = true;
      resolve(status.code === grpc.status.OK ? { code: grpc.status.UNKNOWN, message: END_OF_STREAM }
        : { code: status.code, message: callErrorMessage(status.code, status.details) });
    });
    call.write({ ID: id });
  });
}

/**
 * clientv3's KeepAliveOnce: one keep-alive, retried while the stream fails with Unavailable or
 * Internal. A lease that is gone, or any other failure, ends the command with exit 2.
 */
export async function keepAliveOnce(connection: EtcdConnection, id: string): Promise<LeaseKeepAliveResponse> {
  for (;;) {
    const attempt = await attemptKeepAlive(connection, id);
    if ('response' in attempt) {
      if (BigInt(attempt.response.TTL) <= 0n) throw new CtlError(EXIT_BAD_CONNECTION, ERR_LEASE_NOT_FOUND);
      return attempt.response;
    }
    if (!RETRIED_CODES.includes(attempt.code)) throw new CtlError(EXIT_BAD_CONNECTION, attempt.message);
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}
