/**
 * The watch gateway's codec without a server: the body's stream of JSON values, WatchRequest
 * decoding as etcd 3.4.23's gateway decodes it (messages observed with curl), the protobuf sizes
 * (checked against protobufjs's encoding of the same messages) and the lines a response becomes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdError } from '../../engine/errors.js';
import { EventType, type Event } from '../../engine/mvcc/rpc.js';
import type { FilterType, WatchResponse } from '../../engine/watch/watch-types.js';
import { etcdService } from '../../net/grpc/protos.js';
import { messageTooLarge, streamErrorChunk, streamRequestErrorReply } from '../../net/http/gateway/gateway-errors.js';
import { GoJsonStream, type GoJsonValue, parseGoJsonStream } from '../../net/http/gateway/go-json.js';
import { decodeWatchRequest, type WatchRequestUnion } from '../../net/http/gateway/watch-decode.js';
import { encodeWatchResponseLines } from '../../net/http/gateway/watch-encode.js';
import { eventFieldBytes, watchRequestBytes, watchResponseBaseBytes } from '../../net/http/gateway/watch-proto-size.js';

const LIMIT = 2 * 1024 * 1024;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const b64 = (text: string): string => Buffer.from(text).toString('base64');

function decode(body: string): WatchRequestUnion {
  const value = parseGoJsonStream(bytes(body));
  assert.ok(value !== undefined);
  return decodeWatchRequest(value, LIMIT);
}

/** Every value a stream yields when the body arrives in the given pieces. */
function readAll(pieces: readonly string[]): Array<GoJsonValue | 'more' | 'end'> {
  const stream = new GoJsonStream();
  const out: Array<GoJsonValue | 'more' | 'end'> = [];
  pieces.forEach((piece, index) => {
    stream.push(bytes(piece));
    const ended = index === pieces.length - 1;
    for (;;) {
      const next = stream.next(ended);
      out.push(next);
      if (next === 'more' || next === 'end') break;
    }
  });
  return out;
}

const raw = (value: GoJsonValue | 'more' | 'end'): string =>
  (typeof value === 'string' ? value : new TextDecoder().decode(value.raw));

test('the body is read as a stream of values, whatever pieces it arrives in', () => {
  const body = ' {"create_request":{"key":"YQ==","filters":["NO}PUT\\"]"]}}\n{"progress_request":{}} [1,{"a":"]"}] 17 ';
  const whole = readAll([body]).map(raw);
  assert.deepEqual(whole, [
    '{"create_request":{"key":"YQ==","filters":["NO}PUT\\"]"]}}', '{"progress_request":{}}', '[1,{"a":"]"}]', '17', 'end',
  ]);
  for (let cut = 1; cut < body.length; cut++) {
    const values = readAll([body.slice(0, cut), body.slice(cut)]).filter((value) => value !== 'more').map(raw);
    assert.deepEqual(values, whole, `cut at ${cut}`);
  }
});

test('escaped quotes and backslashes end strings where Go ends them, in many small values and whatever the pieces', () => {
  const values = ['{"a":"x\\\\"}', '"\\"\\"\\\\\\""', '{"k":"}\\\\","v":"\\\\\\"]"}', '["\\\\",""]', '{"ID":"1"}'];
  const body = values.join(' ').repeat(3);
  const whole = readAll([body]).map(raw);
  assert.deepEqual(whole, [...values, ...values, ...values, 'end']);
  for (let cut = 1; cut < body.length; cut++) {
    assert.deepEqual(readAll([body.slice(0, cut), body.slice(cut)]).filter((value) => value !== 'more').map(raw), whole, `cut at ${cut}`);
  }
  assert.deepEqual(readAll([...body]).filter((value) => value !== 'more').map(raw), whole, 'byte by byte');
});

test('a number at the end of what arrived waits for the next byte; the end of the body completes it', () => {
  assert.deepEqual(readAll(['12', '3 ', '{}']).map(raw), ['more', '123', 'more', '{}', 'end']);
  assert.deepEqual(readAll(['12']).map(raw), ['12', 'end']);
});

test('a body that ends inside a value is "unexpected EOF"; a syntax error is Go\'s message', () => {
  const stream = new GoJsonStream();
  stream.push(bytes('{"create_request":{"key":"YQ=="'));
  assert.equal(stream.next(false), 'more');
  assert.throws(() => stream.next(true), { name: 'GoJsonSyntaxError', message: 'unexpected EOF' });
  const bad = new GoJsonStream();
  bad.push(bytes('{"a" 1}'));
  assert.throws(() => bad.next(false), { message: "invalid character '1' after object key" });
  const later = new GoJsonStream();
  later.push(bytes('{} x'));
  assert.equal(raw(later.next(false)), '{}');
  assert.throws(() => later.next(false), { message: "invalid character 'x' looking for beginning of value" });
});

test('create requests decode with proto or lowerCamel names, filters by name or number', () => {
  assert.deepEqual(decode(`{"create_request":{"key":"${b64('a')}","range_end":"${b64('b')}","start_revision":"5","prev_kv":true,` +
    '"filters":["NOPUT",1,null],"progress_notify":true,"watch_id":"7","fragment":true,"unknown":1}}'), {
    kind: 'create',
    request: {
      key: bytes('a'), range_end: bytes('b'), start_revision: 5, prev_kv: true, filters: [0, 1, 0],
      progress_notify: true, watch_id: 7, fragment: true,
    },
  });
  assert.deepEqual(decode('{"createRequest":{"startRevision":7,"prevKv":true,"prev_kv":false}}'),
    { kind: 'create', request: { key: new Uint8Array(0), start_revision: 7, prev_kv: true } });
  assert.deepEqual(decode('{"cancel_request":{"watch_id":"3"}}'), { kind: 'cancel', watchId: 3 });
  assert.deepEqual(decode('{"cancel_request":{}}'), { kind: 'cancel', watchId: 0 });
  assert.deepEqual(decode('{"progress_request":{"x":1}}'), { kind: 'progress' });
  for (const body of ['{}', '{"foo":1}', 'null', '{"create_request":null}']) assert.deepEqual(decode(body), { kind: 'none' }, body);
  // Several members of the oneof: the last in proto order stays (etcd picks one at random).
  assert.deepEqual(decode('{"create_request":{"key":"YQ=="},"progress_request":{}}'), { kind: 'progress' });
});

test('malformed requests fail with the messages etcd 3.4.23 answers', () => {
  const observed: ReadonlyArray<readonly [string, string]> = [
    ['{"create_request":{"key":1}}', 'json: cannot unmarshal number into Go value of type []uint8'],
    ['[]', 'json: cannot unmarshal array into Go value of type map[string]json.RawMessage'],
    ['"x"', 'json: cannot unmarshal string into Go value of type map[string]json.RawMessage'],
    ['{"create_request":"x"}', 'json: cannot unmarshal string into Go value of type map[string]json.RawMessage'],
    ['{"create_request":{"key":"!!"}}', 'illegal base64 data at input byte 0'],
    ['{"create_request":{"filters":["BAD"]}}', 'unknown value "BAD" for enum etcdserverpb.WatchCreateRequest_FilterType'],
    ['{"create_request":{"filters":"NOPUT"}}', 'invalid target "slice" for enum etcdserverpb.WatchCreateRequest_FilterType'],
    ['{"create_request":{"filters":[true]}}', 'json: cannot unmarshal bool into Go value of type etcdserverpb.WatchCreateRequest_FilterType'],
    ['{"create_request":{"filters":[1.5]}}', 'json: cannot unmarshal number 1.5 into Go value of type etcdserverpb.WatchCreateRequest_FilterType'],
    ['{"create_request":{"filters":{}}}', 'json: cannot unmarshal object into Go value of type []json.RawMessage'],
    ['{"cancel_request":{"watch_id":"x"}}', "invalid character 'x' looking for beginning of value"],
  ];
  for (const [body, message] of observed) {
    assert.throws(() => decode(body), (error: Error) => {
      assert.deepEqual(streamRequestErrorReply(error), {
        status: 500, contentType: 'application/json', body: JSON.stringify({ error: message, message, code: 2 }),
      }, body);
      return true;
    });
  }
});

test('a request over the receive limit fails as gRPC refuses it: etcd\'s "(2200010 vs. 2097152)" for a 2,200,000-byte key', () => {
  const key = Buffer.alloc(2_200_000, 'k').toString('base64');
  assert.throws(() => decode(`{"create_request":{"key":"${key}"}}`), (error: unknown) => {
    assert.ok(error instanceof EtcdError);
    assert.equal(streamErrorChunk(error), '{"error":{"grpc_code":8,"http_code":429,'
      + '"message":"grpc: received message larger than max (2200010 vs. 2097152)","http_status":"Too Many Requests"}}');
    return true;
  });
  assert.deepEqual(messageTooLarge(2097153, 2097152).message, 'grpc: received message larger than max (2097153 vs. 2097152)');
});

test('request sizes are the protobuf encoding\'s', () => {
  const watch = etcdService('Watch')['Watch']!;
  const cases: Array<readonly [WatchRequestUnion, object]> = [
    [{ kind: 'none' }, {}],
    [{ kind: 'progress' }, { progress_request: {} }],
    [{ kind: 'cancel', watchId: 0 }, { cancel_request: {} }],
    [{ kind: 'cancel', watchId: 300 }, { cancel_request: { watch_id: '300' } }],
    [{ kind: 'create', request: { key: new Uint8Array(0) } }, { create_request: {} }],
    [{ kind: 'create', request: { key: bytes('k'.repeat(200)), range_end: bytes('z'), start_revision: 1 << 20, progress_notify: true,
      filters: [0, 1, 7 as FilterType], prev_kv: true, watch_id: -7, fragment: true } },
    { create_request: { key: Buffer.from('k'.repeat(200)), range_end: Buffer.from('z'), start_revision: String(1 << 20), progress_notify: true,
      filters: [0, 1, 7], prev_kv: true, watch_id: '-7', fragment: true } }],
  ];
  for (const [request, proto] of cases) {
    assert.equal(watchRequestBytes(request), watch.requestSerialize(proto).length, JSON.stringify(proto));
  }
});

const HEADER = { cluster_id: 2 ** 52 + 3, member_id: 99, revision: 300, raft_term: 2 };
const HEADER_JSON = `{"cluster_id":"${2 ** 52 + 3}","member_id":"99","revision":"300","raft_term":"2"}`;

function event(key: string, rev: number, valueBytes: number, type = EventType.PUT): Event {
  const kv = { key: bytes(key), create_revision: type === EventType.PUT ? 5 : 0, mod_revision: rev, version: type === EventType.PUT ? 2 : 0,
    value: type === EventType.PUT ? new Uint8Array(valueBytes).fill(0x61) : new Uint8Array(0), lease: 0 };
  return { type, kv, prev_kv: { key: bytes(key), create_revision: 5, mod_revision: 5, version: 1, value: bytes('old'), lease: 0 } };
}

function response(events: Event[], extra: Partial<WatchResponse> = {}): WatchResponse {
  return { revision: 300, watch_id: 0, events, prev_kv: false, ...extra };
}

/** protobufjs writes a proto3 zero it is given; gogoproto (etcd) never writes one: give it none. */
function withoutZeros<T extends object>(message: T): Partial<T> {
  return Object.fromEntries(Object.entries(message).filter(([, value]) =>
    value !== 0 && !(value instanceof Uint8Array && value.length === 0))) as Partial<T>;
}

test('response and event sizes are the protobuf encoding\'s', () => {
  const watch = etcdService('Watch')['Watch']!;
  const events = [event('a', 6, 10), event('b', 7, 200), event('a', 8, 0, EventType.DELETE)];
  for (const prevKv of [false, true]) {
    const fields = { header: HEADER, watch_id: 7, created: true, canceled: true, compact_revision: 4, cancel_reason: 'why ✓', fragment: true };
    const proto = watch.responseSerialize({
      ...fields, header: { ...HEADER, cluster_id: String(HEADER.cluster_id) }, compact_revision: '4', watch_id: '7',
      events: events.map((e) => withoutZeros({ type: e.type, kv: withoutZeros(e.kv), ...(prevKv ? { prev_kv: withoutZeros(e.prev_kv!) } : {}) })),
    });
    const computed = watchResponseBaseBytes(fields) + events.reduce((sum, e) => sum + eventFieldBytes(e, prevKv), 0);
    assert.equal(computed, proto.length, `prev_kv ${prevKv}`);
  }
});

test('a response is one line {"result":...} and "\\n", zero fields left out, DELETE by name, prev_kv only when asked', () => {
  const events = [event('a', 6, 1), event('a', 8, 0, EventType.DELETE)];
  const kvA = `{"key":"YQ==","create_revision":"5","mod_revision":"6","version":"2","value":"YQ=="}`;
  const prev = '{"key":"YQ==","create_revision":"5","mod_revision":"5","version":"1","value":"b2xk"}';
  assert.deepEqual(encodeWatchResponseLines(response(events), HEADER), [
    `{"result":{"header":${HEADER_JSON},"events":[{"kv":${kvA}},{"type":"DELETE","kv":{"key":"YQ==","mod_revision":"8"}}]}}\n`,
  ]);
  assert.deepEqual(encodeWatchResponseLines(response(events, { prev_kv: true, watch_id: 3 }), HEADER), [
    `{"result":{"header":${HEADER_JSON},"watch_id":"3","events":[{"kv":${kvA},"prev_kv":${prev}},` +
    `{"type":"DELETE","kv":{"key":"YQ==","mod_revision":"8"},"prev_kv":${prev}}]}}\n`,
  ]);
  assert.deepEqual(encodeWatchResponseLines(response([], { watch_id: -1, created: true, canceled: true, cancel_reason: 'mvcc: watcher range is empty' }), HEADER), [
    `{"result":{"header":${HEADER_JSON},"watch_id":"-1","created":true,"canceled":true,"cancel_reason":"mvcc: watcher range is empty"}}\n`,
  ]);
  assert.deepEqual(encodeWatchResponseLines(response([], { revision: 0, canceled: true, compact_revision: 6 }), { ...HEADER, revision: 0 }), [
    `{"result":{"header":{"cluster_id":"${2 ** 52 + 3}","member_id":"99","raft_term":"2"},"canceled":true,"compact_revision":"6"}}\n`,
  ]);
});

test('fragments: parts take events while under the bound (at least one each), all but the last marked, as etcd\'s sendFragments', () => {
  const events = Array.from({ length: 7 }, (_, i) => event(`k${i}`, 10 + i, 1000 + 300 * i));
  const sizes = events.map((e) => eventFieldBytes(e, false));
  const base = watchResponseBaseBytes({ header: HEADER, watch_id: 0, fragment: true });
  const whole = watchResponseBaseBytes({ header: HEADER, watch_id: 0, fragment: false }) + sizes.reduce((a, b) => a + b, 0);
  assert.equal(encodeWatchResponseLines(response(events), HEADER, whole + 1).length, 1, 'under the bound: whole');
  assert.equal(encodeWatchResponseLines(response(events), HEADER).length, 1, 'no fragments asked: whole');
  const bound = base + sizes[0]! + sizes[1]! + 1;
  const lines = encodeWatchResponseLines(response(events), HEADER, bound);
  const parts = lines.map((line) => JSON.parse(line) as { result: { fragment?: boolean; events: { kv: { mod_revision: string } }[] } });
  assert.deepEqual(parts.map((part) => part.result.events.map((e) => Number(e.kv.mod_revision))), [[10, 11], [12], [13], [14], [15], [16]]);
  assert.deepEqual(parts.map((part) => part.result.fragment === true), [true, true, true, true, true, false]);
  assert.ok(lines.slice(0, -1).every((line) => line.includes(`"header":${HEADER_JSON},"fragment":true,"events"`)));
  // A bound the first two events reach exactly: the second goes to the next part.
  const exact = encodeWatchResponseLines(response(events), HEADER, base + sizes[0]! + sizes[1]!);
  assert.equal((JSON.parse(exact[0]!) as { result: { events: unknown[] } }).result.events.length, 1);
  // One event, however large, is never split.
  assert.equal(encodeWatchResponseLines(response([events[6]!]), HEADER, 10).length, 1);
});
