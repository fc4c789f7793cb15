/**
 * etcdserverpb.ResponseHeader, the one type every answer's header has (KV, Watch, Lease, Cluster,
 * Maintenance; on gRPC, the JSON gateway and the WebSocket protocol), and its encodings. The server
 * builds it in one place (KvServer.header); the transports only encode it.
 *
 *   ResponseHeader: 1 cluster_id (uint64) | 2 member_id (uint64) | 3 revision (int64) | 4 raft_term (uint64)
 *
 * cairn's cluster and member ids are 53-bit numbers (engine/node/member-id.ts); the ids may be
 * bigints to hold etcd's own (random uint64s) exactly, as the tests that compare with etcd's
 * answers give them.
 */
import { int64Json, jsonObject } from './jsonpb-write.js';
import { varintFieldBytes, type Int64 } from './protobuf-size.js';
import { ProtobufWriter } from './protobuf-writer.js';

export interface ResponseHeader {
  cluster_id: Int64;
  member_id: Int64;
  /** The store revision the answer saw or made; 0 (left out) in the Cluster service's answers. */
  revision: number;
  raft_term: number;
}

/** A response with its full header. */
export type WithHeader<T> = Omit<T, 'header'> & { header: ResponseHeader };

const FIELD = { cluster_id: 1, member_id: 2, revision: 3, raft_term: 4 } as const;

/** Bytes of the encoded header (not counting the field that embeds it). */
export function responseHeaderBytes(header: ResponseHeader): number {
  return varintFieldBytes(FIELD.cluster_id, header.cluster_id) + varintFieldBytes(FIELD.member_id, header.member_id) +
    varintFieldBytes(FIELD.revision, header.revision) + varintFieldBytes(FIELD.raft_term, header.raft_term);
}

/** Writes the header's fields (its bytes, responseHeaderBytes of them). */
export function writeResponseHeader(writer: ProtobufWriter, header: ResponseHeader): void {
  writer.varint(FIELD.cluster_id, header.cluster_id);
  writer.varint(FIELD.member_id, header.member_id);
  writer.varint(FIELD.revision, header.revision);
  writer.varint(FIELD.raft_term, header.raft_term);
}

/** The header as protobuf bytes. */
export function encodeResponseHeader(header: ResponseHeader): Buffer {
  const writer = new ProtobufWriter(responseHeaderBytes(header));
  writeResponseHeader(writer, header);
  return writer.finish();
}

/**
 * The header as etcd's gateway writes it (jsonpb): ids as decimal strings, a field at 0 left out.
 * A txn op's header holds only the revision the op saw, and a nested txn's none ("{}"), as etcd's
 * write txn leaves them: those are given partly.
 */
export function responseHeaderJson(header: Partial<ResponseHeader>): string {
  return jsonObject([
    ['cluster_id', int64Json(header.cluster_id)],
    ['member_id', int64Json(header.member_id)],
    ['revision', int64Json(header.revision)],
    ['raft_term', int64Json(header.raft_term)],
  ]);
}
