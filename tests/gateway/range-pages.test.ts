/**
 * The gateway's Range writes the JSON the apply worker wrote, page by page: on the client port
 * (node's http) and on an HTTP port of its own (uWS), a range of many pages is sent chunked and
 * reads back byte for byte as the gateway writes the whole response; one of a page is one body
 * with its length; and a client that stops reading and goes away drops the read, so a compaction
 * it held back goes on.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { RangeRequest } from '../../engine/mvcc/rpc.js';
import { encodeRangeResponse } from '../../net/http/gateway/kv-encode.js';
import type { RunningMember } from '../node/cluster-harness.js';
import { startGatewayMember, type GatewayMember } from './gateway-member.js';

/** 2,000 values of 4 KiB: about 11 MB of JSON, 42 pages, more than loopback socket buffers hold. */
const KEYS = 2000;
const VALUE_BYTES = 4096;

let gateway: GatewayMember;
let running: RunningMember;

function keyName(i: number): string {
  return `big/${String(i).padStart(5, '0')}`;
}

function b64(text: string): string {
  return Buffer.from(text).toString('base64');
}

before(async () => {
  gateway = await startGatewayMember();
  running = gateway.running;
  for (let i = 0; i < KEYS; i += 100) {
    const success = Array.from({ length: 100 }, (_, j) => ({
      request_put: { key: Buffer.from(keyName(i + j)), value: Buffer.alloc(VALUE_BYTES, 97 + ((i + j) % 26)) },
    }));
    await running.kv.txn({ success });
  }
});

after(async () => {
  await gateway.close();
});

/** POSTs a body; resolves with the status, the headers and the whole body. */
function post(port: number, path: string, body: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('latin1') }));
      res.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

const cases: { name: string; json: string; request: RangeRequest; paged: boolean }[] = [
  { name: 'every key', json: JSON.stringify({ key: b64('big/'), range_end: b64('big0') }), request: { key: Buffer.from('big/'), range_end: Buffer.from('big0') }, paged: true },
  {
    name: 'keys only, limited', json: JSON.stringify({ key: b64('big/'), range_end: b64('big0'), keys_only: true, limit: 1500 }),
    request: { key: Buffer.from('big/'), range_end: Buffer.from('big0'), keys_only: true, limit: 1500 }, paged: false,
  },
  {
    name: 'sorted by value, descending', json: JSON.stringify({ key: b64('big/'), range_end: b64('big0'), sort_target: 'VALUE', sort_order: 'DESCEND' }),
    request: { key: Buffer.from('big/'), range_end: Buffer.from('big0'), sort_target: 4, sort_order: 2 }, paged: true,
  },
];

for (const transport of ['client port (node http)', 'HTTP port of its own (uWS)'] as const) {
  test(`on the ${transport} a range of many pages is sent chunked, byte for byte the gateway's JSON`, { timeout: 60_000 }, async () => {
    const port = transport.startsWith('client') ? gateway.listener.port : gateway.app.port;
    for (const { name, json, request, paged } of cases) {
      const answer = await post(port, '/v3/kv/range', json);
      assert.equal(answer.status, 200, name);
      assert.equal(answer.headers['transfer-encoding'] === 'chunked', paged, `${name}: sent in pages, or whole`);
      assert.equal(answer.body, encodeRangeResponse(await running.kv.range(request)), name);
    }
    const one = await post(port, '/v3/kv/range', JSON.stringify({ key: b64(keyName(7)) }));
    assert.equal(one.headers['content-length'], String(Buffer.byteLength(one.body)), 'one page: one body with its length');
    assert.equal(one.body, encodeRangeResponse(await running.kv.range({ key: Buffer.from(keyName(7)) })));
    const none = await post(port, '/v3/kv/range', JSON.stringify({ key: b64('nothing') }));
    assert.equal(none.body, encodeRangeResponse(await running.kv.range({ key: Buffer.from('nothing') })));
  });
}

test('a gateway client that stops reading a paged range holds compaction back only until it goes away', { timeout: 60_000 }, async () => {
  const request = http.request({ host: '127.0.0.1', port: gateway.listener.port, path: '/v3/kv/range', method: 'POST', agent: false });
  const responded = new Promise<http.IncomingMessage>((resolve) => request.once('response', resolve));
  request.end(JSON.stringify({ key: b64('big/'), range_end: b64('big0') }));
  const response = await responded;
  response.pause();
  response.socket.pause();
  const revision = running.member.applier.revision;
  await running.kv.put({ key: Buffer.from(keyName(0)), value: Buffer.from('rewritten') });
  let compacted = false;
  const compaction = running.kv.compact({ revision: revision + 1, physical: true }).then(() => { compacted = true; });
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(compacted, false, 'the compaction waits for the range reading below it');
  request.destroy();
  await compaction;
  assert.equal(running.member.applier.pagedReadsOpen, 0);
});
