/**
 * The authority gate in front of node's HTTP/2 server (net/grpc/h2/authority-gate.ts): a request
 * whose :authority is a URL (etcdctl 3.4's per-endpoint commands) is served, as etcd serves it,
 * instead of being reset by nghttp2 with PROTOCOL_ERROR; connections without one keep the socket
 * itself; a client that sends no request, or pings first, is handed over without waiting on it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { ClientListener } from '../../net/client-listener.js';
import { gateAuthority } from '../../net/grpc/h2/authority-gate.js';

let server: http2.Http2Server;
let listener: ClientListener;
/** Every connection the gate handed to the HTTP/2 server, in order. */
const handedOver: Duplex[] = [];

before(async () => {
  server = http2.createServer();
  server.on('stream', (stream, headers) => {
    stream.respond({ ':status': 200 });
    stream.end(String(headers[':authority']));
  });
  const serve = (connection: Duplex): void => {
    handedOver.push(connection);
    server.emit('connection', connection);
  };
  listener = await ClientListener.listen('127.0.0.1', 0, { http2: (socket) => gateAuthority(socket, serve), other: (socket) => socket.destroy() });
});

after(() => {
  listener.close();
  server.close();
});

/** The authority the server saw for each request, sent one after another on one connection. */
async function authoritiesSeen(session: http2.ClientHttp2Session, authorities: string[]): Promise<string[]> {
  const seen: string[] = [];
  for (const authority of authorities) {
    seen.push(await new Promise<string>((resolve, reject) => {
      const request = session.request({ ':path': '/etcdserverpb.Maintenance/Status', ':method': 'POST', ':authority': authority });
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => { body += chunk; });
      request.on('end', () => resolve(body));
      request.on('error', reject);
      request.end();
    }));
  }
  return seen;
}

function connect(): http2.ClientHttp2Session {
  return http2.connect(`http://127.0.0.1:${listener.port}`);
}

test('a URL :authority is served as its host:port, on every request of the connection', async () => {
  const session = connect();
  try {
    const url = `http://127.0.0.1:${listener.port}`;
    assert.deepEqual(await authoritiesSeen(session, [url, url, `${url}/`]), Array(3).fill(`127.0.0.1:${listener.port}`));
    assert.ok(!(handedOver.at(-1) instanceof net.Socket), 'this connection reads through the rewriting stream');
  } finally {
    session.close();
  }
});

test('a connection whose first request is fine gets the socket itself', async () => {
  const session = connect();
  try {
    assert.deepEqual(await authoritiesSeen(session, ['127.0.0.1:2379', 'localhost:2379']), ['127.0.0.1:2379', 'localhost:2379']);
    assert.ok(handedOver.at(-1) instanceof net.Socket, 'node\'s session reads the socket natively');
  } finally {
    session.close();
  }
});

test('a client that pings before any request, or idles, is served without waiting for a request', async () => {
  const session = connect();
  try {
    await new Promise<void>((resolve) => session.once('connect', () => resolve()));
    const handedBefore = handedOver.length;
    const rttMs = await new Promise<number>((resolve, reject) => session.ping((error, duration) => (error ? reject(error) : resolve(duration))));
    assert.ok(rttMs >= 0);
    assert.equal(handedOver.length, handedBefore + 1, 'the ping handed the connection over');
    assert.deepEqual(await authoritiesSeen(session, ['127.0.0.1:1']), ['127.0.0.1:1']);
  } finally {
    session.close();
  }
});

test('a client that sends no request is handed over once it acknowledged the gate\'s SETTINGS', async () => {
  const handedBefore = handedOver.length;
  const session = connect();
  try {
    const deadline = Date.now() + 5000;
    while (handedOver.length === handedBefore && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(handedOver.length, handedBefore + 1, 'handed over without a request');
    assert.ok(handedOver.at(-1) instanceof net.Socket);
    assert.deepEqual(await authoritiesSeen(session, ['127.0.0.1:2']), ['127.0.0.1:2']);
  } finally {
    session.close();
  }
});
