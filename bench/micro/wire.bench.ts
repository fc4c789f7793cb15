/**
 * The protobuf writing every answer pays, on the thread that writes it: an mvccpb.KeyValue (every
 * put's stored row, every range's and watch's kvs; the apply worker), a ResponseHeader and the
 * RangeResponse header field in front of a range's pages (every Range; the main thread), one
 * WatchResponse with a fresh event framed for the stream, a batch of keep-alive answers, and the
 * varints themselves: sized, then written, for a mix of the values etcd's messages carry (small
 * counts, revisions, 52-bit member and lease ids). protobufjs writing the same KeyValue is the
 * yardstick (what a grpc-js service without these encoders pays).
 */
import { Bench } from 'tinybench';
import { encodeKeyValue } from '../../engine/mvcc/kv-codec.js';
import { encodeRangeTail } from '../../engine/mvcc/range-encode.js';
import type { KeyValue } from '../../engine/mvcc/rpc.js';
import { rangeHeaderField } from '../../net/grpc/kv-service.js';
import { etcdService } from '../../net/grpc/protos.js';
import { varintBytes } from '../../engine/wire/protobuf-size.js';
import { writeVarint } from '../../engine/wire/protobuf-writer.js';
import { encodeResponseHeader, type ResponseHeader } from '../../engine/wire/response-header.js';
import { encodeKeepAliveAnswers } from '../../net/grpc/raw/keepalive-codec.js';
import { encodeWatchResponse } from '../../net/grpc/watch-encode.js';
import { figuresFromBench, writeMicroReport } from './report.js';

const KV: KeyValue = {
  key: Buffer.from('key00042'), create_revision: 1_234_001, mod_revision: 1_234_567, version: 3,
  value: Buffer.alloc(256, 'v'), lease: 0x694d_7f3a_1b20,
};
const HEADER: ResponseHeader = { cluster_id: 0x1c3f_5a7b_9d2e, member_id: 0x4e6f_8a1c_3b5d, revision: 1_234_567, raft_term: 12 };
/** The values etcd's messages carry, in the proportions a put's answer has them. */
const VALUES = [0, 1, 3, 12, 256, 1_234_567, 0x1c3f_5a7b_9d2e, 0x694d_7f3a_1b20];
const VARINT_OUT = Buffer.alloc(VALUES.length * 10);
const BATCH = 10;
const LEASE_IDS = Array.from({ length: BATCH }, (_, i) => 0x694d_7f3a_1b20 + i);
const TTLS = LEASE_IDS.map(() => 60);
const HEADER_BYTES = encodeResponseHeader(HEADER);

const rangeSerialize = etcdService('KV')['Range']!.responseSerialize as (response: object) => Buffer;

let revision = HEADER.revision;
const bench = new Bench({ time: 1000 });
bench
  .add(`${VALUES.length} varints sized and written`, () => {
    let offset = 0;
    for (const value of VALUES) if (varintBytes(value) > 0) offset = writeVarint(VARINT_OUT, offset, value);
  })
  .add('mvccpb.KeyValue encoded (8-byte key, 256-byte value, a lease)', () => {
    encodeKeyValue(KV);
  })
  .add('protobufjs (grpc-js\'s serializer): a RangeResponse of that KeyValue and a header', () => {
    rangeSerialize({ header: HEADER, kvs: [KV], count: 1 });
  })
  .add('ResponseHeader encoded', () => {
    encodeResponseHeader({ ...HEADER, revision: ++revision });
  })
  .add('a RangeResponse around its pages: header field and the more/count tail', () => {
    rangeHeaderField({ ...HEADER, revision: ++revision });
    encodeRangeTail(false, 1);
  })
  .add('WatchResponse with one fresh event, framed for the stream', () => {
    revision++;
    const event = { type: 0, kv: { ...KV, mod_revision: revision } };
    encodeWatchResponse({ watch_id: 7, events: [event], revision, prev_kv: false }, { ...HEADER, revision }, undefined, true);
  })
  .add(`${BATCH} LeaseKeepAliveResponses encoded and framed, one shared header`, () => {
    encodeKeepAliveAnswers(HEADER_BYTES, LEASE_IDS, TTLS);
  });
await bench.run();
writeMicroReport('wire', figuresFromBench(bench, 'calls/s'), [
  'Ids are 52-bit (as engine/node/member-id.ts makes them), revisions about 1.2 million.',
]);
