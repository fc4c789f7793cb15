/** etcd's KV service over gRPC: a thin adapter of KvServer. */
import { encodeRangeTail } from '../../engine/mvcc/range-encode.js';
import type { KvServer } from '../../engine/node/kv-server.js';
import { compactionRequestFrom, deleteRangeRequestFrom, putRequestFrom, rangeRequestFrom, txnRequestFrom } from './kv-convert.js';
import { encodeResponseHeader, varintBytes, writeVarint } from './proto-writer.js';
import { EncodedMessage, type UnaryHandler } from './raw/unary-call.js';

/** RangeResponse field 1 (header), length-delimited. */
const HEADER_TAG = (1 << 3) | 2;

/**
 * A Range answered with the pages the apply worker encoded: the header and the closing `more` and
 * `count` are the only parts encoded here, so a large range costs the main thread no decode and
 * no re-encode of its keys, and its memory a page or two.
 */
async function range(kv: KvServer, request: Parameters<typeof rangeRequestFrom>[0]): Promise<EncodedMessage> {
  const { header, pages } = await kv.rangeInPages(rangeRequestFrom(request));
  const encoded = encodeResponseHeader(header);
  const field = Buffer.allocUnsafe(1 + varintBytes(encoded.length));
  field[0] = HEADER_TAG;
  writeVarint(field, 1, encoded.length);
  const { kvs_bytes: bytes, more, count } = pages.head;
  return new EncodedMessage([field, encoded], { source: pages, bytes }, encodeRangeTail(more, count));
}

export function kvService(kv: KvServer): Record<string, UnaryHandler> {
  return {
    Range: (request: Parameters<typeof rangeRequestFrom>[0]) => range(kv, request),
    Put: (request: Parameters<typeof putRequestFrom>[0]) => kv.put(putRequestFrom(request)),
    DeleteRange: (request: Parameters<typeof deleteRangeRequestFrom>[0]) => kv.deleteRange(deleteRangeRequestFrom(request)),
    Txn: (request: Parameters<typeof txnRequestFrom>[0]) => kv.txn(txnRequestFrom(request)),
    Compact: (request: Parameters<typeof compactionRequestFrom>[0]) => kv.compact(compactionRequestFrom(request)),
  };
}
