import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ETCD_API_VERSION } from '../../engine/node/cluster-members.js';
import { HttpApp } from '../../net/http/http-app.js';
import { etcdServerOf } from '../node/cluster-harness.js';
import { httpRequest, WsCluster } from './ws-harness.js';

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

test('a member with a leader is healthy: /health, /livez, /readyz and /version answer as etcd', async () => {
  const cluster = new WsCluster(1);
  await cluster.start();
  try {
    await cluster.cluster.leader();
    const port = cluster.app(1).port;
    const health = await httpRequest(port, 'GET', '/health');
    assert.deepEqual(health, { status: 200, contentType: 'text/plain; charset=utf-8', allow: undefined, body: '{"health":"true"}' });
    const version = await httpRequest(port, 'GET', '/version');
    assert.equal(version.status, 200);
    assert.equal(version.contentType, 'application/json');
    assert.deepEqual(JSON.parse(version.body), { etcdserver: ETCD_API_VERSION, etcdcluster: ETCD_API_VERSION, cairn: PACKAGE_VERSION });
    for (const path of ['/livez', '/readyz']) {
      const answer = await httpRequest(port, 'GET', path);
      assert.equal(answer.status, 200, path);
      assert.equal(answer.body, 'ok', path);
    }
  } finally {
    await cluster.close();
  }
});

test('a member whose peers are all stopped is unhealthy and not ready, but alive', async () => {
  const cluster = new WsCluster(3, { healthTimeoutMs: 300 });
  await cluster.start();
  try {
    const leader = await cluster.cluster.leader();
    const survivor = cluster.cluster.ids.find((id) => id !== leader.member.id)!;
    for (const id of cluster.cluster.ids) if (id !== survivor) await cluster.stopMember(id);
    const port = cluster.app(survivor).port;
    const health = await httpRequest(port, 'GET', '/health');
    assert.deepEqual(health, { status: 503, contentType: 'text/plain; charset=utf-8', allow: undefined, body: '{"health":"false"}' });
    const ready = await httpRequest(port, 'GET', '/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.body, '[+]serializable_read ok\n[-]linearizable_read failed\nreadyz check failed\n');
    const live = await httpRequest(port, 'GET', '/livez');
    assert.equal(live.status, 200, 'the member itself still serves local reads');
  } finally {
    await cluster.close();
  }
});

test('unknown paths answer 404 and known paths with the wrong method 405, as JSON errors', async () => {
  const cluster = new WsCluster(1);
  await cluster.start();
  try {
    const port = cluster.app(1).port;
    const missing = await httpRequest(port, 'GET', '/v3/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.contentType, 'application/json');
    assert.deepEqual(JSON.parse(missing.body), { error: 'Not Found', code: 5, message: 'Not Found' });
    const wrongMethod = await httpRequest(port, 'POST', '/health', Buffer.from('{}'));
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.allow, 'GET');
    assert.deepEqual(JSON.parse(wrongMethod.body), { error: 'Method Not Allowed', code: 12, message: 'Method Not Allowed' });
  } finally {
    await cluster.close();
  }
});

test('POST routes added later get the whole body, and bodies over max-request-bytes get 413', async () => {
  const cluster = new WsCluster(1, { maxRequestBytes: 64 * 1024 });
  await cluster.start();
  try {
    const app = cluster.app(1);
    app.post('/v3/echo', async (body) => {
      await new Promise((resolve) => setImmediate(resolve));
      return { status: 200, contentType: 'application/octet-stream', body };
    });
    const body = Buffer.alloc(60 * 1024, 7);
    body[0] = 1;
    const echoed = await httpRequest(app.port, 'POST', '/v3/echo', body);
    assert.equal(echoed.status, 200);
    assert.ok(Buffer.from(echoed.body, 'utf8').equals(body), 'the body arrived whole, in order');
    const tooLarge = await httpRequest(app.port, 'POST', '/v3/echo', Buffer.alloc(65 * 1024));
    assert.equal(tooLarge.status, 413);
    assert.deepEqual(JSON.parse(tooLarge.body), { error: 'etcdserver: request is too large', code: 3, message: 'etcdserver: request is too large' });
    const get = await httpRequest(app.port, 'GET', '/v3/echo');
    assert.equal(get.status, 405);
    assert.equal(get.allow, 'POST');
  } finally {
    await cluster.close();
  }
});

test('listening on a port that is already taken fails', async () => {
  const cluster = new WsCluster(1);
  await cluster.start();
  try {
    const server = etcdServerOf(cluster.cluster.members.get(1)!);
    await assert.rejects(HttpApp.listen({ host: '127.0.0.1', port: cluster.app(1).port, server }), /cannot listen/);
  } finally {
    await cluster.close();
  }
});
