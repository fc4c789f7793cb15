/**
 * LeaseKeepAlive served on the raw HTTP/2 stream beside grpc-js (raw-routes.ts, keepalive-stream.ts),
 * with a scripted renewer in place of the lease server: a grpc-js client (as etcd's clients speak
 * gRPC) and a bare HTTP/2 client for what well-behaved clients never send. Answers come in request
 * order with the renewer's TTLs and header; every fault ends the call with grpc-js's status and
 * message, and other calls on the port still reach grpc-js.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { ErrNoLeader, GrpcCode } from '../../engine/errors.js';
import type { KeepAliveAnswers } from '../../engine/lease/lease-server.js';
import { etcdClient, etcdService } from '../../net/grpc/protos.js';
import { LEASE_KEEPALIVE_PATH } from '../../net/grpc/lease-service.js';
import { KEEPALIVES_PENDING_MAX, serveKeepAlive, type KeepAliveRenewer } from '../../net/grpc/raw/keepalive-stream.js';
import { addRawRoutes, RAW_ROUTE_SERVER_OPTIONS } from '../../net/grpc/raw/raw-routes.js';
import { GrpcMessageReader } from '../../net/grpc/raw/grpc-wire.js';
import { GrpcServerMetrics } from '../../net/grpc/grpc-metrics.js';

const METRICS = new GrpcServerMetrics(false);

const MAX_MESSAGE_BYTES = 1024;
const HEADER = { cluster_id: 17, member_id: 23, revision: 5, raft_term: 2 };

/** Renews lease n with TTL n * 10, except ids above 1000 (no such lease); records each batch. */
class ScriptedRenewer implements KeepAliveRenewer {
  readonly batches: number[][] = [];
  hold = false;
  failWith: Error | null = null;
  private readonly held: (() => void)[] = [];

  leaseKeepAliveMany(ids: readonly number[]): Promise<KeepAliveAnswers> {
    this.batches.push([...ids]);
    const answer = (): KeepAliveAnswers => {
      if (this.failWith !== null) throw this.failWith;
      return { ttls: ids.map((id) => (id > 1000 ? 0 : id * 10)), header: HEADER };
    };
    if (!this.hold) return Promise.resolve().then(answer);
    return new Promise((resolve, reject) => this.held.push(() => { try { resolve(answer()); } catch (error) { reject(error); } }));
  }

  release(): void {
    this.hold = false;
    for (const run of this.held.splice(0)) run();
  }
}

async function withServer(run: (port: number, renewer: ScriptedRenewer) => Promise<void>): Promise<void> {
  const renewer = new ScriptedRenewer();
  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES, ...RAW_ROUTE_SERVER_OPTIONS });
  addRawRoutes(server, new Map([[LEASE_KEEPALIVE_PATH, (stream, headers) => serveKeepAlive(stream, headers, renewer, MAX_MESSAGE_BYTES, METRICS.method(LEASE_KEEPALIVE_PATH))]]));
  // A grpc-js service on the same port: calls that are not routed raw must still reach it.
  server.addService(etcdService('Lease'), { LeaseLeases: (_call: unknown, callback: grpc.sendUnaryData<object>) => callback(null, { leases: [{ ID: 3 }] }) });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(),
    (error, bound) => (error ? reject(error) : resolve(bound))));
  try {
    await run(port, renewer);
  } finally {
    server.forceShutdown();
  }
}

type LeaseClient = grpc.Client & {
  LeaseKeepAlive(metadata?: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<{ ID: string | number }, { ID: string; TTL: string; header: Record<string, string> }>;
  LeaseLeases(request: object, callback: (error: grpc.ServiceError | null, response?: { leases: { ID: string }[] }) => void): void;
};

function leaseClient(port: number): LeaseClient {
  const Lease = etcdClient('Lease');
  return new Lease(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as LeaseClient;
}

/** Runs a grpc-js keep-alive call: sends `ids`, half-closes unless told not to; resolves with answers and status. */
function keepAliveCall(client: LeaseClient, ids: (string | number)[], options: { halfClose?: boolean; deadlineMs?: number } = {}):
  Promise<{ answers: { ID: string; TTL: string; header: Record<string, string> }[]; code: number; details: string }> {
  return new Promise((resolve) => {
    const call = client.LeaseKeepAlive(new grpc.Metadata(), options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs });
    const answers: { ID: string; TTL: string; header: Record<string, string> }[] = [];
    call.on('data', (answer) => answers.push(answer));
    call.on('error', () => {});
    call.on('status', (status: grpc.StatusObject) => resolve({ answers, code: status.code, details: status.details }));
    for (const id of ids) call.write({ ID: id });
    if (options.halfClose !== false) call.end();
  });
}

/** A bare HTTP/2 call: sends `body` (already gRPC-framed) with `headers`; resolves with the status trailers or headers. */
function rawCall(port: number, body: Buffer, headers: http2.OutgoingHttpHeaders = {}): Promise<{ status: string; message: string; data: Buffer }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const stream = session.request({ ':method': 'POST', ':path': LEASE_KEEPALIVE_PATH, 'content-type': 'application/grpc', te: 'trailers', ...headers });
    const chunks: Buffer[] = [];
    let status: { status: string; message: string } | null = null;
    const take = (h: http2.IncomingHttpHeaders): void => {
      if (h['grpc-status'] !== undefined) status = { status: String(h['grpc-status']), message: decodeURI(String(h['grpc-message'] ?? '')) };
    };
    stream.on('response', take);
    stream.on('trailers', take);
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('close', () => {
      session.close();
      if (status === null) reject(new Error('no grpc-status'));
      else resolve({ ...status, data: Buffer.concat(chunks) });
    });
    stream.end(body);
  });
}

test('keep-alives are answered in request order with the renewer\'s TTLs and header; half-close ends with OK', async () => {
  await withServer(async (port, renewer) => {
    const client = leaseClient(port);
    const ids = Array.from({ length: 500 }, (_, i) => (i % 3 === 0 ? 2000 + i : i + 1));
    const { answers, code } = await keepAliveCall(client, ids);
    assert.equal(code, grpc.status.OK);
    assert.deepEqual(answers.map((a) => Number(a.ID)), ids);
    assert.deepEqual(answers.map((a) => Number(a.TTL)), ids.map((id) => (id > 1000 ? 0 : id * 10)));
    assert.deepEqual(answers[0]!.header, { cluster_id: '17', member_id: '23', revision: '5', raft_term: '2' });
    assert.ok(renewer.batches.length < ids.length, 'keep-alives that arrive together are renewed together');
    const leases = await new Promise<{ leases: { ID: string }[] }>((resolve, reject) => client.LeaseLeases({}, (e, r) => (e ? reject(e) : resolve(r!))));
    assert.deepEqual(leases.leases.map((l) => l.ID), ['3'], 'other calls still reach grpc-js');
    client.close();
  });
});

test('a renewer error ends the call with etcd\'s status and message', async () => {
  await withServer(async (port, renewer) => {
    renewer.failWith = ErrNoLeader;
    const client = leaseClient(port);
    const result = await keepAliveCall(client, [1], { halfClose: false });
    assert.deepEqual([result.code, result.details], [grpc.status.UNAVAILABLE, 'etcdserver: no leader']);
    client.close();
  });
});

test('an ID beyond 2^53 ends the call with InvalidArgument', async () => {
  await withServer(async (port) => {
    const client = leaseClient(port);
    const result = await keepAliveCall(client, ['9007199254740993'], { halfClose: false });
    assert.deepEqual([result.code, result.details],
      [grpc.status.INVALID_ARGUMENT, 'cairn: ID 9007199254740993 is outside the supported range (|n| <= 2^53-1)']);
    client.close();
  });
});

test(`more than ${KEEPALIVES_PENDING_MAX} unanswered keep-alives end the call with "too many requests"`, async () => {
  await withServer(async (port, renewer) => {
    renewer.hold = true;
    const client = leaseClient(port);
    const result = await keepAliveCall(client, Array.from({ length: KEEPALIVES_PENDING_MAX + 1 }, (_, i) => i + 1), { halfClose: false });
    assert.deepEqual([result.code, result.details], [grpc.status.RESOURCE_EXHAUSTED, 'etcdserver: too many requests']);
    renewer.release();
    client.close();
  });
});

test('a deadline ends the call with DeadlineExceeded', async () => {
  await withServer(async (port, renewer) => {
    renewer.hold = true;
    const client = leaseClient(port);
    const result = await keepAliveCall(client, [1], { halfClose: false, deadlineMs: 200 });
    assert.equal(result.code, grpc.status.DEADLINE_EXCEEDED);
    renewer.release();
    client.close();
  });
});

test('a client that cancels with answers in flight leaves the server serving', async () => {
  await withServer(async (port, renewer) => {
    renewer.hold = true;
    const client = leaseClient(port);
    const call = client.LeaseKeepAlive();
    call.on('error', () => {});
    call.write({ ID: 1 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    call.cancel();
    await new Promise((resolve) => setTimeout(resolve, 50));
    renewer.release();
    const { answers, code } = await keepAliveCall(client, [4]);
    assert.deepEqual([code, answers.map((a) => a.TTL)], [grpc.status.OK, ['40']]);
    client.close();
  });
});

test('bare HTTP/2: two messages in one write, malformed ones, oversized ones and compressed ones', async () => {
  await withServer(async (port) => {
    const message = (body: number[], flag = 0): Buffer => Buffer.from([flag, 0, 0, 0, body.length, ...body]);
    const split = await rawCall(port, Buffer.concat([message([0x08, 7]), message([0x08, 0x96, 0x01])]));
    assert.equal(split.status, '0');
    const answers = new GrpcMessageReader(MAX_MESSAGE_BYTES, 'identity').push(split.data)
      .map((body) => (etcdService('Lease').LeaseKeepAlive!.responseDeserialize(body) as { ID: string; TTL: string }));
    assert.deepEqual(answers.map((a) => [a.ID, a.TTL]), [['7', '70'], ['150', '1500']]);
    const malformed = await rawCall(port, message([0x08, 0xff]));
    assert.deepEqual([malformed.status, malformed.message], [String(GrpcCode.INTERNAL), 'Error deserializing request']);
    const oversized = await rawCall(port, Buffer.from([0, 0, 0, 0x10, 0]));
    assert.deepEqual([oversized.status, oversized.message], [String(GrpcCode.RESOURCE_EXHAUSTED), `Received message larger than max (4096 vs ${MAX_MESSAGE_BYTES})`]);
    const unsupported = await rawCall(port, message([1, 2, 3], 1), { 'grpc-encoding': 'snappy' });
    assert.deepEqual([unsupported.status, unsupported.message], [String(GrpcCode.UNIMPLEMENTED), 'Received message compressed with unsupported encoding "snappy"']);
    const badTimeout = await rawCall(port, Buffer.alloc(0), { 'grpc-timeout': 'soon' });
    assert.deepEqual([badTimeout.status, badTimeout.message], [String(GrpcCode.INTERNAL), 'Invalid grpc-timeout value "soon"']);
  });
});

test('bare HTTP/2: a message cut into one-byte writes is answered once it is whole', async () => {
  await withServer(async (port) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const stream = session.request({ ':method': 'POST', ':path': LEASE_KEEPALIVE_PATH, 'content-type': 'application/grpc', te: 'trailers' });
    const data: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => data.push(chunk));
    const closed = new Promise((resolve) => stream.on('close', resolve));
    for (const byte of [0, 0, 0, 0, 2, 0x08, 9]) {
      stream.write(Buffer.from([byte]));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    stream.end();
    await closed;
    session.close();
    const body = Buffer.concat(data).subarray(5);
    const decoded = etcdService('Lease').LeaseKeepAlive!.responseDeserialize(body) as { ID: string; TTL: string };
    assert.deepEqual([decoded.ID, decoded.TTL], ['9', '90']);
  });
});
