/**
 * etcd's gRPC connection flags on cairn's gRPC endpoint: --grpc-keepalive-min-time (a client
 * pinging too often is sent away with GOAWAY ENHANCE_YOUR_CALM, as gRPC-Go does),
 * --grpc-keepalive-interval (the server pings its clients) and --max-concurrent-streams (the
 * HTTP/2 setting clients are told). Checked with a raw HTTP/2 client, which sees the frames.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { GrpcEndpoint, type GrpcTransportSettings } from '../../net/grpc/grpc-server.js';
import { etcdServerOf, TestCluster } from '../node/cluster-harness.js';

let cluster: TestCluster;

before(async () => {
  cluster = new TestCluster(1);
  await cluster.startAll();
});

after(async () => {
  await cluster.close();
});

async function withEndpoint(transport: GrpcTransportSettings, body: (session: ClientHttp2Session) => Promise<void>): Promise<void> {
  const leader = await cluster.leader();
  const endpoint = await GrpcEndpoint.listen({
    server: etcdServerOf(leader), host: '127.0.0.1', port: 0, maxRequestBytes: 1.5 * 1024 * 1024, transport,
  });
  const session = connect(`http://127.0.0.1:${endpoint.port}`);
  session.on('error', () => {});
  try {
    await new Promise<void>((resolve) => session.once('remoteSettings', () => resolve()));
    await body(session);
  } finally {
    session.destroy();
    await endpoint.close();
  }
}

const ping = (session: ClientHttp2Session): Promise<void> => new Promise((resolve, reject) => {
  session.ping((error) => (error ? reject(error) : resolve()));
});

/** A Watch call left open: a stream on the connection, as a client with a call in flight has. */
function openWatch(session: ClientHttp2Session): void {
  const stream = session.request({ ':method': 'POST', ':path': '/etcdserverpb.Watch/Watch', 'content-type': 'application/grpc', te: 'trailers' });
  stream.on('error', () => {});
}

const keepAlive = (minTimeMs: number, intervalMs = 7_200_000) => ({ keepAlive: { minTimeMs, intervalMs, timeoutMs: 20_000 } });

test('a client that pings more often than --grpc-keepalive-min-time gets GOAWAY ENHANCE_YOUR_CALM "too_many_pings"', { timeout: 20_000 }, async () => {
  await withEndpoint(keepAlive(60_000), async (session) => {
    openWatch(session);
    const goaway = new Promise<[number, string]>((resolve) => session.once('goaway', (code, _last, data) => resolve([code, data?.toString() ?? ''])));
    for (let i = 0; i < 4 && !session.closed && !session.destroyed; i++) await ping(session).catch(() => {});
    assert.deepEqual(await goaway, [constants.NGHTTP2_ENHANCE_YOUR_CALM, 'too_many_pings']);
  });
});

test('pings no more often than the minimum time are fine while a call is open', async () => {
  await withEndpoint(keepAlive(0), async (session) => {
    openWatch(session);
    let goaway = false;
    session.once('goaway', () => { goaway = true; });
    for (let i = 0; i < 6; i++) await ping(session);
    assert.equal(goaway, false);
    assert.equal(session.closed, false);
  });
});

test('the server pings its clients every --grpc-keepalive-interval', { timeout: 20_000 }, async () => {
  await withEndpoint(keepAlive(5000, 100), async (session) => {
    openWatch(session);
    await new Promise<void>((resolve) => session.once('ping', () => resolve()));
  });
});

test('--max-concurrent-streams is the HTTP/2 setting the client is told', async () => {
  await withEndpoint({ maxConcurrentStreams: 7 }, async (session) => {
    assert.equal(session.remoteSettings.maxConcurrentStreams, 7);
  });
});
