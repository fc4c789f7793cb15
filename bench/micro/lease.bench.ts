/**
 * The keep-alive's hot paths, all on the main thread beside Raft, so their cost per call bounds
 * how many keep-alives and leases one member can carry:
 * - the lessor on the leader: a keep-alive's renew, and the periodic expiry and checkpoint check,
 *   over 10,000 live leases;
 * - the raw LeaseKeepAlive stream's wire work: reading gRPC messages out of DATA chunks, decoding
 *   a request, encoding a batch of answers with one shared header;
 * - a forwarded batch's peer frame, encoded and decoded.
 */
import { Bench } from 'tinybench';
import { Lessor } from '../../engine/lease/lessor.js';
import { etcdService } from '../../net/grpc/protos.js';
import { encodeResponseHeader } from '../../engine/wire/response-header.js';
import { GrpcMessageReader } from '../../net/grpc/raw/grpc-wire.js';
import { decodeKeepAliveRequest, encodeKeepAliveAnswers } from '../../net/grpc/raw/keepalive-codec.js';
import { encodeFrame, FrameDecoder, PLAIN_PACKR } from '../../net/peer/frame-codec.js';
import { figuresFromBench, writeMicroReport } from './report.js';

const LEASES = 10_000;
const lessor = new Lessor({ minTtlSeconds: 2, extendMs: 1000, checkIntervalMs: 500 });
let now = 0;
lessor.promote(now);
for (let id = 1; id <= LEASES; id++) lessor.onApplied(id, { granted: { ID: id, TTL: 3600 } }, now);
let next = 0;

/** Lease ids as a member assigns them: 8-byte varints. */
const BATCH = 10;
const ids = Array.from({ length: BATCH }, (_, i) => 0x694d_7f3a_1b20 + i);
const ttls = ids.map(() => 60);
const header = encodeResponseHeader({ cluster_id: 0x1c3f_5a7b_9d2e, member_id: 0x4e6f_8a1c_3b5d, revision: 1_234_567, raft_term: 12 });
const keepAliveRequest = etcdService('Lease').LeaseKeepAlive!.requestSerialize({ ID: String(ids[0]) });
const framedRequests = Buffer.concat(ids.map((id) => {
  const body = etcdService('Lease').LeaseKeepAlive!.requestSerialize({ ID: String(id) });
  return Buffer.concat([Buffer.from([0, 0, 0, 0, body.length]), body]);
}));
const reader = new GrpcMessageReader(1 << 20, 'identity');
const forwardDecoder = new FrameDecoder(1 << 24);

const bench = new Bench({ time: 1000 });
bench
  .add('renew one of 10,000 leases (a keep-alive on the leader)', () => {
    next = (next % LEASES) + 1;
    lessor.renew(next, now);
  })
  .add('expiry + checkpoint check over 10,000 leases (every 500 ms)', () => {
    now += 500;
    lessor.check(now);
  })
  .add('LeaseKeepAliveRequest decode (hand-written)', () => {
    decodeKeepAliveRequest(keepAliveRequest);
  })
  .add(`gRPC messages read out of one DATA chunk of ${BATCH} keep-alives, and decoded`, () => {
    for (const message of reader.push(framedRequests)) decodeKeepAliveRequest(message);
  })
  .add(`${BATCH} LeaseKeepAliveResponses encoded and framed, one shared header (one write)`, () => {
    encodeKeepAliveAnswers(header, ids, ttls);
  })
  .add(`a forwarded batch of ${BATCH} keep-alives: request frame encoded + decoded (plain msgpack)`, () => {
    forwardDecoder.push(encodeFrame({ id: 7, body: { keep_alives: ids } }, PLAIN_PACKR));
  });
await bench.run();
writeMicroReport('lease', figuresFromBench(bench, 'calls/s'), [
  `${LEASES} leases of 1 hour on a leader's lessor; nothing expires during the run.`,
  'Wire figures are per call: divide by the batch size for the cost per keep-alive.',
]);
