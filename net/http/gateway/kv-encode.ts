/**
 * KV responses as etcd 3.4's gateway writes them (see jsonpb-write.ts for the field rules).
 *
 * Inside a txn every op response carries a header of its own, holding only the revision the op
 * saw, and a nested txn's header is empty ({}): the engine sets them (engine/mvcc/txn.ts) as
 * etcd's write txn does, and they are written as given.
 */
import { boolJson, int64Json, jsonObject, repeatedJson } from '../../../engine/wire/jsonpb-write.js';
import { keyValueJson } from '../../../engine/wire/keyvalue-json.js';
import type {
  DeleteRangeResponse, PutResponse, RangeResponse, ResponseOp, TxnResponse,
} from '../../../engine/mvcc/rpc.js';
import { responseHeaderJson, type ResponseHeader, type WithHeader } from '../../../engine/wire/response-header.js';

/** mvccpb.KeyValue. */
export const encodeKeyValue = keyValueJson;

function rangeBody(header: string, response: RangeResponse): string {
  return jsonObject([
    ['header', header],
    ['kvs', repeatedJson(response.kvs.map(encodeKeyValue))],
    ['more', boolJson(response.more)],
    ['count', int64Json(response.count)],
  ]);
}

function putBody(header: string, response: PutResponse): string {
  return jsonObject([['header', header], ['prev_kv', response.prev_kv && encodeKeyValue(response.prev_kv)]]);
}

function deleteRangeBody(header: string, response: DeleteRangeResponse): string {
  return jsonObject([
    ['header', header],
    ['deleted', int64Json(response.deleted)],
    ['prev_kvs', repeatedJson(response.prev_kvs.map(encodeKeyValue))],
  ]);
}

/** One op response of a txn, with the header the engine gave it (only the revision the op saw). */
function opJson(op: ResponseOp): string {
  if (op.response_range !== undefined) {
    return jsonObject([['response_range', rangeBody(responseHeaderJson(op.response_range.header ?? {}), op.response_range)]]);
  }
  if (op.response_put !== undefined) return jsonObject([['response_put', putBody(responseHeaderJson(op.response_put.header ?? {}), op.response_put)]]);
  if (op.response_delete_range !== undefined) {
    return jsonObject([['response_delete_range', deleteRangeBody(responseHeaderJson(op.response_delete_range.header ?? {}), op.response_delete_range)]]);
  }
  if (op.response_txn !== undefined) return jsonObject([['response_txn', txnBody(responseHeaderJson(op.response_txn.header ?? {}), op.response_txn)]]);
  return '{}';
}

function txnBody(header: string, response: TxnResponse): string {
  return jsonObject([
    ['header', header],
    ['succeeded', boolJson(response.succeeded)],
    ['responses', repeatedJson(response.responses.map(opJson))],
  ]);
}

/** POST /v3/kv/range. */
export function encodeRangeResponse(response: WithHeader<RangeResponse>): string {
  return rangeBody(responseHeaderJson(response.header), response);
}

/**
 * A RangeResponse around kvs written elsewhere (the apply worker's JSON pages, range-pages.ts):
 * what comes before the first kv and after the last. With no kvs the field is left out, so the
 * head is the whole response.
 */
export function rangeResponseAround(header: ResponseHeader, more: boolean, count: number, kvs: number): { head: string; tail: string } {
  const hole = '\u0000';
  const whole = jsonObject([
    ['header', responseHeaderJson(header)],
    ['kvs', kvs > 0 ? hole : undefined],
    ['more', boolJson(more)],
    ['count', int64Json(count)],
  ]);
  if (kvs === 0) return { head: whole, tail: '' };
  const at = whole.indexOf(hole);
  return { head: `${whole.slice(0, at)}[`, tail: `]${whole.slice(at + hole.length)}` };
}

/** POST /v3/kv/put. */
export function encodePutResponse(response: WithHeader<PutResponse>): string {
  return putBody(responseHeaderJson(response.header), response);
}

/** POST /v3/kv/deleterange. */
export function encodeDeleteRangeResponse(response: WithHeader<DeleteRangeResponse>): string {
  return deleteRangeBody(responseHeaderJson(response.header), response);
}

/** POST /v3/kv/txn. */
export function encodeTxnResponse(response: WithHeader<TxnResponse>): string {
  return txnBody(responseHeaderJson(response.header), response);
}

/** POST /v3/kv/compaction: only the header (CompactionResponse has no other field). */
export function encodeCompactionResponse(response: { header: ResponseHeader }): string {
  return jsonObject([['header', responseHeaderJson(response.header)]]);
}
