/** etcd's KV service over gRPC: decodes, calls the EtcdServer, and hands its answer to the encoder. */
import { encodeRangeTail } from '../../engine/mvcc/range-encode.js';
import type { EtcdServer } from '../../engine/server/etcd-server.js';
import { compactionRequestFrom, deleteRangeRequestFrom, putRequestFrom, rangeRequestFrom, txnRequestFrom } from './kv-convert.js';
import { messageFieldBytes } from '../../engine/wire/protobuf-size.js';
import { ProtobufWriter } from '../../engine/wire/protobuf-writer.js';
import { responseHeaderBytes, writeResponseHeader, type ResponseHeader } from '../../engine/wire/response-header.js';
import { EncodedMessage, type UnaryHandler } from './raw/unary-call.js';

/** RangeResponse field 1. */
const HEADER_FIELD = 1;

/** RangeResponse's header field (tag, length, the header), which goes before the kvs pages. */
export function rangeHeaderField(header: ResponseHeader): Buffer {
  const headerBytes = responseHeaderBytes(header);
  const writer = new ProtobufWriter(messageFieldBytes(HEADER_FIELD, headerBytes));
  writer.messageHead(HEADER_FIELD, headerBytes);
  writeResponseHeader(writer, header);
  return writer.finish();
}

/**
 * A Range answered with the pages the apply worker encoded: the header and the closing `more` and
 * `count` are the only parts encoded here, so a large range costs the main thread no decode and
 * no re-encode of its keys, and its memory a page or two.
 */
async function range(server: EtcdServer, request: Parameters<typeof rangeRequestFrom>[0]): Promise<EncodedMessage> {
  const { header, pages } = await server.rangeInPages(rangeRequestFrom(request));
  const { kvs_bytes: bytes, more, count } = pages.head;
  return new EncodedMessage([rangeHeaderField(header)], { source: pages, bytes }, encodeRangeTail(more, count));
}

export function kvService(server: EtcdServer): Record<string, UnaryHandler> {
  return {
    Range: (request: Parameters<typeof rangeRequestFrom>[0]) => range(server, request),
    Put: (request: Parameters<typeof putRequestFrom>[0]) => server.put(putRequestFrom(request)),
    DeleteRange: (request: Parameters<typeof deleteRangeRequestFrom>[0]) => server.deleteRange(deleteRangeRequestFrom(request)),
    Txn: (request: Parameters<typeof txnRequestFrom>[0]) => server.txn(txnRequestFrom(request)),
    Compact: (request: Parameters<typeof compactionRequestFrom>[0]) => server.compact(compactionRequestFrom(request)),
  };
}
