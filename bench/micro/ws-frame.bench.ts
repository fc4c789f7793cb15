/**
 * Native WebSocket protocol framing: the cost of encoding + decoding one request frame (a put of
 * an 8-byte key and 256-byte value, the load suite's shape) and one response frame (a range
 * answer with one key-value and its header), with the protocol's codec (msgpackr, plain maps),
 * plus the server's shape check of the decoded put. Ids are 53-bit, as engine/node/member-id.ts makes them.
 */
import { Bench } from 'tinybench';
import { decodeFrame, encodeFrame, type RequestFrame, type ResponseFrame } from '../../net/http/ws/protocol.js';
import { putRequest } from '../../net/http/ws/validate-request.js';
import { figuresFromBench, writeMicroReport } from './report.js';

const key = Buffer.from('key00042');
const value = Buffer.alloc(256, 7);
const request: RequestFrame = { id: 123_456, op: 'put', body: { key, value } };
const response: ResponseFrame = {
  id: 123_456,
  result: {
    header: { cluster_id: 6_841_639_068_965_178, member_id: 4_276_657_743_932_975, revision: 98_765, raft_term: 7 },
    kvs: [{ key, create_revision: 1234, mod_revision: 98_765, version: 12, value, lease: 0 }],
    more: false,
    count: 1,
  },
};
const requestBytes = encodeFrame(request);
const responseBytes = encodeFrame(response);

const bench = new Bench({ time: 1500, warmup: true });
bench.add('request frame (put 8 B key, 256 B value): encode + decode', () => {
  decodeFrame(encodeFrame(request));
});
bench.add('request frame: decode + shape check (server side)', () => {
  putRequest((decodeFrame(requestBytes) as { body: unknown }).body);
});
bench.add('response frame (range, 1 kv + header): encode + decode', () => {
  decodeFrame(encodeFrame(response));
});
await bench.run();
writeMicroReport('ws-frame', figuresFromBench(bench, 'frames/s'), [
  `Encoded size: request ${requestBytes.length} B, response ${responseBytes.length} B (msgpack maps, snake_case field names).`,
  'One request/response round trip costs one request decode + one response encode on the server, and the reverse on the client.',
]);
