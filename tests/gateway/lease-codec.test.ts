/**
 * The Lease gateway's codec without a server: request bodies decoded as etcd 3.4.23's gateway
 * decodes them (every error message below was answered by it, with curl) and responses written as
 * it writes them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorReply } from '../../net/http/gateway/gateway-errors.js';
import { parseGoJsonStream } from '../../net/http/gateway/go-json.js';
import { decodeLeaseKeepAliveRequest } from '../../net/http/gateway/lease-decode.js';
import {
  encodeLeaseGrantResponse, encodeLeaseKeepAliveLine, encodeLeaseLeasesResponse, encodeLeaseRevokeResponse,
  encodeLeaseTimeToLiveResponse,
} from '../../net/http/gateway/lease-encode.js';
import { type GatewayRoute, resolveGatewayRequest } from '../../net/http/gateway/routes.js';

const HEADER = { cluster_id: 42, member_id: 1, revision: 7, raft_term: 2 };
const HEADER_JSON = '{"cluster_id":"42","member_id":"1","revision":"7","raft_term":"2"}';

function routeFor(path: string): GatewayRoute {
  const resolution = resolveGatewayRequest('POST', path);
  assert.ok('route' in resolution, `${path} is routed`);
  return resolution.route;
}

function decode(path: string, body: string): unknown {
  return routeFor(path).decode(Buffer.from(body));
}

test('grant reads TTL and ID, quoted or not; ttl and id are unknown fields; null, absent and unknown fields leave 0', () => {
  assert.deepEqual(decode('/v3/lease/grant', '{"TTL":"60","ID":"1000"}'), { TTL: 60, ID: 1000 });
  assert.deepEqual(decode('/v3/lease/grant', '{"TTL":60,"ID":1000}'), { TTL: 60, ID: 1000 });
  assert.deepEqual(decode('/v3/lease/grant', '{"ttl":30,"id":3000}'), { TTL: 0, ID: 0 });
  assert.deepEqual(decode('/v3/lease/grant', '{"TTL":null,"ID":null,"foo":[1,2]}'), { TTL: 0, ID: 0 });
  assert.deepEqual(decode('/v3/lease/grant', ''), { TTL: 0, ID: 0 });
  assert.deepEqual(decode('/v3/lease/grant', '{"TTL":"-9000000000","ID":"-5"}'), { TTL: -9_000_000_000, ID: -5 });
  // The first value of the body is the request; what follows is never read.
  assert.deepEqual(decode('/v3/lease/grant', '{"TTL":30,"ID":"801"} trailing'), { TTL: 30, ID: 801 });
});

test('revoke, timetolive and keepalive read ID; timetolive reads keys', () => {
  assert.deepEqual(decode('/v3/lease/revoke', '{"ID":"999"}'), { ID: 999 });
  assert.deepEqual(decode('/v3/kv/lease/revoke', '{}'), { ID: 0 });
  assert.deepEqual(decode('/v3/lease/timetolive', '{"ID":"1000","keys":true}'), { ID: 1000, keys: true });
  assert.deepEqual(decode('/v3/kv/lease/timetolive', '{"ID":1000,"keys":null}'), { ID: 1000, keys: false });
  assert.deepEqual(decode('/v3/lease/leases', '{"anything":1}'), {});
  assert.equal(decodeLeaseKeepAliveRequest(parseGoJsonStream(Buffer.from('{"ID":"500"}'))!), 500);
  assert.equal(decodeLeaseKeepAliveRequest(parseGoJsonStream(Buffer.from('null'))!), 0);
  assert.equal(decodeLeaseKeepAliveRequest(parseGoJsonStream(Buffer.from('{}'))!), 0);
});

/** [path, body, etcd's message], each answered 400 with code 3 by etcd 3.4.23. */
const OBSERVED: ReadonlyArray<readonly [string, string, string]> = [
  ['/v3/lease/grant', '{"TTL":"x"}', "invalid character 'x' looking for beginning of value"],
  ['/v3/lease/grant', '{"TTL":true}', 'json: cannot unmarshal bool into Go value of type int64'],
  ['/v3/lease/grant', '{"TTL":30,"ID":9223372036854775808}', 'json: cannot unmarshal number 9223372036854775808 into Go value of type int64'],
  ['/v3/lease/grant', '{"TTL":30,"ID":"1e3"}', 'json: cannot unmarshal number 1e3 into Go value of type int64'],
  ['/v3/lease/grant', '{"TTL":30.5}', 'json: cannot unmarshal number 30.5 into Go value of type int64'],
  ['/v3/lease/grant', '[]', 'json: cannot unmarshal array into Go value of type map[string]json.RawMessage'],
  ['/v3/lease/grant', '{"TTL":30,"ID":"802"', 'unexpected EOF'],
  ['/v3/lease/revoke', '{"ID":true}', 'json: cannot unmarshal bool into Go value of type int64'],
  ['/v3/lease/timetolive', '{"ID":"1000","keys":"yes"}', 'json: cannot unmarshal string into Go value of type bool'],
  ['/v3/lease/timetolive', '{"ID":"1000","keys":1}', 'json: cannot unmarshal number into Go value of type bool'],
  ['/v3/lease/leases', 'x', "invalid character 'x' looking for beginning of value"],
  ['/v3/lease/leases', '[]', 'json: cannot unmarshal array into Go value of type map[string]json.RawMessage'],
  ['/v3/lease/leases', '{"a":', 'unexpected EOF'],
];

test('malformed lease bodies fail with etcd\'s status, code and message', () => {
  for (const [path, body, message] of OBSERVED) {
    assert.throws(() => decode(path, body), (error: unknown) => {
      assert.deepEqual(errorReply(error), {
        status: 400, contentType: 'application/json', body: JSON.stringify({ error: message, message, code: 3 }),
      }, `${path} ${body}`);
      return true;
    });
  }
});

test('an ID beyond 2^53 is refused as the gRPC adapter refuses it, after every field decoded; a huge TTL is left to the server', () => {
  const refused = '{"error":"cairn: ID 9007199254740993 is outside the supported range (|n| \\u003c= 2^53-1)",' +
    '"message":"cairn: ID 9007199254740993 is outside the supported range (|n| \\u003c= 2^53-1)","code":3}';
  for (const path of ['/v3/lease/grant', '/v3/lease/revoke', '/v3/lease/timetolive']) {
    assert.throws(() => decode(path, '{"ID":"9007199254740993"}'), (error: unknown) => {
      assert.deepEqual(errorReply(error), { status: 400, contentType: 'application/json', body: refused }, path);
      return true;
    });
  }
  assert.throws(() => decodeLeaseKeepAliveRequest(parseGoJsonStream(Buffer.from('{"ID":"-9007199254740993"}'))!), /outside the supported range/);
  assert.throws(() => decode('/v3/lease/timetolive', '{"ID":"9007199254740993","keys":1}'), /cannot unmarshal number into Go value of type bool/);
  assert.deepEqual(decode('/v3/lease/grant', '{"ID":"9007199254740991","TTL":"9223372036854775807"}'),
    { ID: Number.MAX_SAFE_INTEGER, TTL: 2 ** 63 });
});

test('responses are written as etcd writes them: ids and TTLs as strings, zero fields and empty lists left out', () => {
  assert.equal(encodeLeaseGrantResponse({ header: HEADER, ID: 1000, TTL: 60, error: '' }), `{"header":${HEADER_JSON},"ID":"1000","TTL":"60"}`);
  assert.equal(encodeLeaseGrantResponse({ header: HEADER, ID: -5, TTL: 2, error: 'x' }), `{"header":${HEADER_JSON},"ID":"-5","TTL":"2","error":"x"}`);
  assert.equal(encodeLeaseRevokeResponse({ header: HEADER }), `{"header":${HEADER_JSON}}`);
  assert.equal(encodeLeaseTimeToLiveResponse({ header: HEADER, ID: 1000, TTL: 52, grantedTTL: 60, keys: [Buffer.from('a'), Buffer.from('b')] }),
    `{"header":${HEADER_JSON},"ID":"1000","TTL":"52","grantedTTL":"60","keys":["YQ==","Yg=="]}`);
  assert.equal(encodeLeaseTimeToLiveResponse({ header: HEADER, ID: 999, TTL: -1, grantedTTL: 0, keys: [] }), `{"header":${HEADER_JSON},"ID":"999","TTL":"-1"}`);
  assert.equal(encodeLeaseTimeToLiveResponse({ header: HEADER, ID: 0, TTL: -1, grantedTTL: 0, keys: [] }), `{"header":${HEADER_JSON},"TTL":"-1"}`);
  assert.equal(encodeLeaseLeasesResponse({ header: HEADER, leases: [{ ID: 500 }, { ID: 1000 }] }),
    `{"header":${HEADER_JSON},"leases":[{"ID":"500"},{"ID":"1000"}]}`);
  assert.equal(encodeLeaseLeasesResponse({ header: HEADER, leases: [] }), `{"header":${HEADER_JSON}}`);
  assert.equal(encodeLeaseKeepAliveLine({ header: HEADER, ID: 500, TTL: 60 }), `{"result":{"header":${HEADER_JSON},"ID":"500","TTL":"60"}}\n`);
  assert.equal(encodeLeaseKeepAliveLine({ header: HEADER, ID: 501, TTL: 0 }), `{"result":{"header":${HEADER_JSON},"ID":"501"}}\n`);
  assert.equal(encodeLeaseKeepAliveLine({ header: HEADER, ID: 0, TTL: 0 }), `{"result":{"header":${HEADER_JSON}}}\n`);
});
