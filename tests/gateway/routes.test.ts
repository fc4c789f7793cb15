/** Routing as observed on real etcd 3.4.23 (status, content type and body of every answer). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrEmptyKey, ErrCompacted, ErrFutureRev, ErrLeaseNotFound } from '../../engine/errors.js';
import type { KvServer } from '../../engine/node/kv-server.js';
import { errorReply } from '../../net/http/gateway/gateway-errors.js';
import { GATEWAY_ROUTES, type GatewayRoute, resolveGatewayRequest } from '../../net/http/gateway/routes.js';

function routeFor(path: string): GatewayRoute {
  const resolution = resolveGatewayRequest('POST', path);
  assert.ok('route' in resolution, `${path} is routed`);
  return resolution.route;
}

test('every call is served under /v3/ and /v3beta/ with its gRPC method name', () => {
  const expected: Record<string, string> = {
    'kv/range': 'KV.Range', 'kv/put': 'KV.Put', 'kv/deleterange': 'KV.DeleteRange', 'kv/txn': 'KV.Txn',
    'kv/compaction': 'KV.Compact', 'cluster/member/list': 'Cluster.MemberList',
    'cluster/member/add': 'Cluster.MemberAdd', 'cluster/member/remove': 'Cluster.MemberRemove',
    'cluster/member/update': 'Cluster.MemberUpdate', 'cluster/member/promote': 'Cluster.MemberPromote',
    'maintenance/status': 'Maintenance.Status', 'maintenance/hash': 'Maintenance.Hash', 'maintenance/alarm': 'Maintenance.Alarm',
    'lease/grant': 'Lease.LeaseGrant', 'lease/revoke': 'Lease.LeaseRevoke', 'kv/lease/revoke': 'Lease.LeaseRevoke',
    'lease/timetolive': 'Lease.LeaseTimeToLive', 'kv/lease/timetolive': 'Lease.LeaseTimeToLive',
    'lease/leases': 'Lease.LeaseLeases', 'kv/lease/leases': 'Lease.LeaseLeases',
  };
  for (const prefix of ['/v3/', '/v3beta/']) {
    for (const [suffix, name] of Object.entries(expected)) {
      const route = routeFor(prefix + suffix);
      assert.equal(`${route.service}.${route.method}`, name);
    }
  }
  assert.equal(GATEWAY_ROUTES.size, 40);
});

test('the streaming calls, Watch and LeaseKeepAlive, are served under both prefixes; grant and keepalive have no /kv/lease/ path', () => {
  for (const prefix of ['/v3/', '/v3beta/']) {
    assert.deepEqual(resolveGatewayRequest('POST', `${prefix}watch`), { stream: 'Watch' });
    assert.deepEqual(resolveGatewayRequest('POST', `${prefix}lease/keepalive`), { stream: 'LeaseKeepAlive' });
    assert.deepEqual(resolveGatewayRequest('GET', `${prefix}lease/keepalive`),
      { reply: { status: 405, contentType: 'text/plain; charset=utf-8', body: 'Method Not Allowed\n' } });
  }
  for (const path of ['/v3/kv/lease/grant', '/v3/kv/lease/keepalive', '/v3/lease', '/v3/lease/leases/']) {
    assert.deepEqual(resolveGatewayRequest('POST', path), { reply: { status: 404, contentType: 'text/plain; charset=utf-8', body: 'Not Found\n' } }, path);
  }
});

test('unknown paths under the prefixes, HashKV, and trailing slashes are plain-text 404 "Not Found"', () => {
  for (const path of ['/v3/kv/nope', '/v3/nope', '/v3beta/nope', '/v3/maintenance/hashkv', '/v3/kv/range/', '/v3/maintenance/hash/']) {
    assert.deepEqual(resolveGatewayRequest('POST', path),
      { reply: { status: 404, contentType: 'text/plain; charset=utf-8', body: 'Not Found\n' } }, path);
  }
  assert.deepEqual(resolveGatewayRequest('GET', '/v3/nope'),
    { reply: { status: 404, contentType: 'text/plain; charset=utf-8', body: 'Not Found\n' } });
});

test('/v3alpha/ and other paths get Go\'s "404 page not found"', () => {
  for (const path of ['/v3alpha/kv/range', '/V3/kv/range', '/other']) {
    assert.deepEqual(resolveGatewayRequest('POST', path),
      { reply: { status: 404, contentType: 'text/plain; charset=utf-8', body: '404 page not found\n' } }, path);
  }
});

test('a routed path with GET, PUT or DELETE is 405 "Method Not Allowed"', () => {
  for (const method of ['GET', 'PUT', 'DELETE']) {
    assert.deepEqual(resolveGatewayRequest(method, '/v3/kv/range'),
      { reply: { status: 405, contentType: 'text/plain; charset=utf-8', body: 'Method Not Allowed\n' } }, method);
  }
});

test('OPTIONS (CORS preflight) is 200 with an empty body on any path', () => {
  for (const path of ['/v3/kv/range', '/v3/nope', '/other']) {
    assert.deepEqual(resolveGatewayRequest('OPTIONS', path), { reply: { status: 200, contentType: undefined, body: '' } });
  }
});

test('the field-less requests parse their body but ignore its fields', () => {
  for (const path of ['/v3/maintenance/status', '/v3/maintenance/hash', '/v3/cluster/member/list', '/v3/lease/leases']) {
    assert.deepEqual(routeFor(path).decode(Buffer.from('{"revision":"3"}')), {});
    assert.deepEqual(routeFor(path).decode(Buffer.from('')), {});
    assert.throws(() => routeFor(path).decode(Buffer.from('[]')), /cannot unmarshal array into Go value of type map\[string\]json\.RawMessage/);
  }
});

test('etcd errors keep their code and HTTP status, in the body shape etcd sends', () => {
  const observed: ReadonlyArray<readonly [Error, number, string]> = [
    [ErrEmptyKey, 400, '{"error":"etcdserver: key is not provided","message":"etcdserver: key is not provided","code":3}'],
    [ErrFutureRev, 400, '{"error":"etcdserver: mvcc: required revision is a future revision",'
      + '"message":"etcdserver: mvcc: required revision is a future revision","code":11}'],
    [ErrCompacted, 400, '{"error":"etcdserver: mvcc: required revision has been compacted",'
      + '"message":"etcdserver: mvcc: required revision has been compacted","code":11}'],
    [ErrLeaseNotFound, 404, '{"error":"etcdserver: requested lease not found","message":"etcdserver: requested lease not found","code":5}'],
  ];
  for (const [error, status, body] of observed) {
    assert.deepEqual(errorReply(error), { status, contentType: 'application/json', body });
  }
});

test('any other failure is UNKNOWN (code 2, HTTP 500), as a non-status error is in gRPC', () => {
  assert.deepEqual(errorReply(new Error('boom "x"')),
    { status: 500, contentType: 'application/json', body: '{"error":"boom \\"x\\"","message":"boom \\"x\\"","code":2}' });
});

test("the engine's responses type-check against the routes' encoders", async () => {
  // Compile-time contract with engine/node/kv-server.ts: whatever KvServer returns, the route encodes.
  const kv = {
    range: async () => ({ header: { cluster_id: 1, member_id: 2, revision: 3, raft_term: 4 }, kvs: [], more: false, count: 0 }),
  } as unknown as KvServer;
  const route = routeFor('/v3/kv/range');
  assert.equal(route.method, 'Range');
  if (route.method !== 'Range') return;
  const body = route.encode(await kv.range(route.decode(Buffer.from('{"key":"YQ=="}'))));
  assert.equal(body, '{"header":{"cluster_id":"1","member_id":"2","revision":"3","raft_term":"4"}}');
});
