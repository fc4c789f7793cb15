/**
 * Every malformed body below was sent to real etcd 3.4.23 (POST, its JSON gateway); the expected
 * status and body are what it answered, byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorReply } from '../../net/http/gateway/gateway-errors.js';
import { type GatewayRoute, resolveGatewayRequest } from '../../net/http/gateway/routes.js';

function routeFor(path: string): GatewayRoute {
  const resolution = resolveGatewayRequest('POST', path);
  assert.ok('route' in resolution, `${path} is routed`);
  return resolution.route;
}

function invalid(message: string): string {
  return JSON.stringify({ error: message, message, code: 3 }).replaceAll('<', '\\u003c');
}

/** [path, body, etcd's 400 message]. */
const OBSERVED: ReadonlyArray<readonly [string, string | Uint8Array, string]> = [
  // Malformed JSON: Go's scanner messages.
  ['/v3/kv/put', 'not json', "invalid character 'o' in literal null (expecting 'u')"],
  ['/v3/kv/put', '<', "invalid character '<' looking for beginning of value"],
  ['/v3/kv/put', Uint8Array.of(0xc3), "invalid character 'Ã' looking for beginning of value"],
  ['/v3/kv/put', '{"key":"Zm9v", "value":"YmFy",}', "invalid character '}' looking for beginning of object key string"],
  ['/v3/kv/put', '{"key" "Zm9v"}', `invalid character '"' after object key`],
  ['/v3/kv/put', '{key:1}', "invalid character 'k' looking for beginning of object key string"],
  ['/v3/kv/put', '{"key":"Zm9v","lease":01}', "invalid character '1' after object key:value pair"],
  ['/v3/kv/put', '{"key":"\\x"}', "invalid character 'x' in string escape code"],
  ['/v3/kv/put', '{"key":"a\tb"}', "invalid character '\\t' in string literal"],
  ['/v3/kv/put', '{"key":"Zm9v","lease":"\u0001"}', "invalid character '\\x01' in string literal"],
  ['/v3/kv/put', '{"key":"Zm9v', 'unexpected EOF'],
  ['/v3/kv/put', 'tru', 'unexpected EOF'],
  ['/v3/kv/put', '{"x":[', 'unexpected EOF'],
  ['/v3/kv/put', '{"key":[1 2]}', "invalid character '2' after array element"],
  ['/v3/kv/put', '{"key":1.}', "invalid character '}' after decimal point in numeric literal"],
  ['/v3/kv/put', '{"key":1e}', "invalid character '}' in exponent of numeric literal"],
  ['/v3/kv/put', '{"key":-a}', "invalid character 'a' in numeric literal"],
  ['/v3/kv/put', '{"key":"\\u12G4"}', "invalid character 'G' in \\u hexadecimal character escape"],
  ['/v3/kv/put', '{"key":tx}', "invalid character 'x' in literal true (expecting 'r')"],
  ['/v3/kv/put', '{"key":fals}', "invalid character '}' in literal false (expecting 'e')"],
  ['/v3/kv/put', '{"key":"Zm9v","lease":"tr"}', "invalid character ' ' in literal true (expecting 'u')"],
  // Not an object.
  ['/v3/kv/put', '[]', 'json: cannot unmarshal array into Go value of type map[string]json.RawMessage'],
  ['/v3/kv/put', '"str"', 'json: cannot unmarshal string into Go value of type map[string]json.RawMessage'],
  ['/v3/kv/put', '1', 'json: cannot unmarshal number into Go value of type map[string]json.RawMessage'],
  // bytes fields.
  ['/v3/kv/put', '{"key":1}', 'json: cannot unmarshal number into Go value of type []uint8'],
  ['/v3/kv/put', '{"key":{}}', 'json: cannot unmarshal object into Go value of type []uint8'],
  ['/v3/kv/put', '{"key":[300]}', 'json: cannot unmarshal number 300 into Go value of type uint8'],
  ['/v3/kv/put', '{"key":"!!"}', 'illegal base64 data at input byte 0'],
  ['/v3/kv/put', '{"key":"Zm9"}', 'illegal base64 data at input byte 0'],
  ['/v3/kv/put', '{"key":"Zm8"}', 'illegal base64 data at input byte 0'],
  ['/v3/kv/put', '{"key":"Zm8=","value":"_-8"}', 'illegal base64 data at input byte 0'],
  ['/v3/kv/put', '{"key":"Zm8=","value":"_-8="}', 'illegal base64 data at input byte 0'],
  ['/v3/kv/put', '{"key":"Zm 8="}', 'illegal base64 data at input byte 2'],
  ['/v3/kv/put', '{"key":"Zg="}', 'illegal base64 data at input byte 3'],
  ['/v3/kv/put', '{"key":"Zg=x"}', 'illegal base64 data at input byte 2'],
  ['/v3/kv/put', '{"key":"Zm9vYmFy!"}', 'illegal base64 data at input byte 8'],
  ['/v3/kv/put', '{"key":"Zm9v","value":"\\u00e9"}', 'illegal base64 data at input byte 0'],
  ['/v3/kv/put', '{"key":"\\ud800"}', 'illegal base64 data at input byte 0'],
  ['/v3/kv/put', '{"key":"Zm9v","lease":"1", "key":"!"}', 'illegal base64 data at input byte 0'],
  // int64 fields: quoted values are re-parsed as JSON.
  ['/v3/kv/range', '{"key":"AA==","limit":"x"}', "invalid character 'x' looking for beginning of value"],
  ['/v3/kv/range', '{"key":"AA==","limit":1.5}', 'json: cannot unmarshal number 1.5 into Go value of type int64'],
  ['/v3/kv/range', '{"key":"AA==","limit":"1.5"}', 'json: cannot unmarshal number 1.5 into Go value of type int64'],
  ['/v3/kv/range', '{"key":"AA==","limit":1e2}', 'json: cannot unmarshal number 1e2 into Go value of type int64'],
  ['/v3/kv/range', '{"key":"AA==","limit":true}', 'json: cannot unmarshal bool into Go value of type int64'],
  ['/v3/kv/put', '{"key":"Zm9v","lease":"abc"}', "invalid character 'a' looking for beginning of value"],
  ['/v3/kv/put', '{"key":"Zm9v","lease":""}', 'unexpected end of JSON input'],
  ['/v3/kv/put', '{"key":"Zm9v","lease":"1x"}', "invalid character 'x' after top-level value"],
  ['/v3/kv/put', '{"key":"Zm9v","lease":"-"}', "invalid character ' ' in numeric literal"],
  ['/v3/kv/put', '{"key":"Zm9v","lease":"\\n"}', "invalid character '\\\\' looking for beginning of value"],
  ['/v3/kv/put', '{"key":"Zm9v","lease":"\u00c3"}', "invalid character 'Ã' looking for beginning of value"],
  ['/v3/kv/put', '{"key":"Zm9v","lease":99999999999999999999}',
    'json: cannot unmarshal number 99999999999999999999 into Go value of type int64'],
  ['/v3/kv/put', '{"key":"Zm9v","lease":[1]}', 'json: cannot unmarshal array into Go value of type int64'],
  ['/v3/kv/put', '{"key":"Zm9v","lease":{}}', 'json: cannot unmarshal object into Go value of type int64'],
  // bool fields.
  ['/v3/kv/range', '{"key":"AA==","keys_only":"true"}', 'json: cannot unmarshal string into Go value of type bool'],
  ['/v3/kv/range', '{"key":"AA==","keys_only":1}', 'json: cannot unmarshal number into Go value of type bool'],
  // enums: names are matched raw (no unescaping), quoted with Go's %q.
  ['/v3/kv/range', '{"key":"AA==","sort_order":2,"sort_target":"3"}',
    'unknown value "3" for enum etcdserverpb.RangeRequest_SortTarget'],
  ['/v3/kv/range', '{"key":"AA==","sort_order":"descend"}', 'unknown value "descend" for enum etcdserverpb.RangeRequest_SortOrder'],
  ['/v3/kv/range', '{"key":"YQ==","sort_order":"\\u0044ESCEND"}',
    'unknown value "\\\\u0044ESCEND" for enum etcdserverpb.RangeRequest_SortOrder'],
  ['/v3/kv/range', '{"key":"YQ==","sort_order":"é"}', 'unknown value "é" for enum etcdserverpb.RangeRequest_SortOrder'],
  ['/v3/kv/range', Buffer.concat([Buffer.from('{"key":"YQ==","sort_order":"'), Buffer.of(0xc3), Buffer.from('"}')]),
    'unknown value "\\xc3" for enum etcdserverpb.RangeRequest_SortOrder'],
  ['/v3/kv/range', '{"key":"YQ==","sort_order":true}',
    'json: cannot unmarshal bool into Go value of type etcdserverpb.RangeRequest_SortOrder'],
  ['/v3/kv/txn', '{"compare":[{"key":"YQ==","target":"BAD"}]}', 'unknown value "BAD" for enum etcdserverpb.Compare_CompareTarget'],
  ['/v3/kv/txn', '{"compare":[{"key":"YQ==","result":"BAD"}]}', 'unknown value "BAD" for enum etcdserverpb.Compare_CompareResult'],
  ['/v3/kv/txn', '{"compare":[{"key":"YQ==","result":1.5}]}',
    'json: cannot unmarshal number 1.5 into Go value of type etcdserverpb.Compare_CompareResult'],
  // Repeated and nested messages.
  ['/v3/kv/txn', '{"compare":{}}', 'json: cannot unmarshal object into Go value of type []json.RawMessage'],
  ['/v3/kv/txn', '{"success":[1]}', 'json: cannot unmarshal number into Go value of type map[string]json.RawMessage'],
  ['/v3/kv/txn', '{"success":[{"request_put":1}]}', 'json: cannot unmarshal number into Go value of type map[string]json.RawMessage'],
  ['/v3/kv/txn', '{"success":[{"request_put":{"key":"!"}}]}', 'illegal base64 data at input byte 0'],
  // Every oneof member named is decoded, so a bad one fails even beside a good one.
  ['/v3/kv/txn', '{"success":[{"request_range":{"key":"YQ=="},"request_put":{"key":"!"}}]}', 'illegal base64 data at input byte 0'],
  ['/v3/kv/txn', '{"success":[{"request_range":{"key":"!"},"request_put":{"key":"YQ=="}}]}', 'illegal base64 data at input byte 0'],
  // range_end is a regular field, so jsonpb decodes it before the oneof member version.
  ['/v3/kv/txn', '{"compare":[{"key":"YQ==","version":"x","range_end":1}]}',
    'json: cannot unmarshal number into Go value of type []uint8'],
];

for (const [path, body, message] of OBSERVED) {
  test(`${path} ${typeof body === 'string' ? body : Buffer.from(body).toString('latin1')} fails as on etcd: ${message}`, () => {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    assert.throws(() => routeFor(path).decode(bytes), (error: unknown) => {
      assert.deepEqual(errorReply(error), { status: 400, contentType: 'application/json', body: invalid(message) });
      return true;
    });
  });
}

test('nesting deeper than the parser allows fails with Go\'s depth error (Go allows 10,000 levels)', () => {
  const deep = Buffer.from('{"x":' + '['.repeat(999) + ']'.repeat(999) + '}');
  assert.deepEqual(routeFor('/v3/kv/put').decode(deep), { key: new Uint8Array(0) });
  const tooDeep = Buffer.from('{"x":' + '['.repeat(1000) + ']'.repeat(1000) + '}');
  assert.throws(() => routeFor('/v3/kv/put').decode(tooDeep), (error: unknown) => {
    assert.deepEqual(errorReply(error), { status: 400, contentType: 'application/json', body: invalid("invalid character '[' exceeded max depth") });
    return true;
  });
});

test('the error body escapes < as \\u003c, as the real gateway wrote it', () => {
  assert.throws(() => routeFor('/v3/kv/put').decode(Buffer.from('<')), (error: unknown) => {
    assert.equal(errorReply(error).body,
      '{"error":"invalid character \'\\u003c\' looking for beginning of value",'
      + '"message":"invalid character \'\\u003c\' looking for beginning of value","code":3}');
    return true;
  });
});

test('the URL-safe alphabet is refused even where the standard one decodes', () => {
  const decode = routeFor('/v3/kv/put').decode;
  assert.deepEqual(decode(Buffer.from('{"key":"Zm8=","value":"/+8="}')), {
    key: Uint8Array.of(0x66, 0x6f), value: Uint8Array.of(0xff, 0xef),
  });
  assert.throws(() => decode(Buffer.from('{"key":"Zm8=","value":"_-8="}')), /illegal base64 data at input byte 0/);
});
