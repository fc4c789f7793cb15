/**
 * etcd's KV service on one member, which every transport (gRPC, the JSON gateway, the WebSocket
 * protocol) reaches through the member's EtcdServer (engine/server/). Requests are checked here, before Raft, as etcd
 * checks them in its API layer, so a bad request costs no log entry and changes nothing.
 *
 * - Writes (Put, DeleteRange, Txn, Compact) go through Raft and answer when applied here. A put
 *   naming a lease that does not exist fails when it applies (the apply worker checks, against
 *   the replicated lease table), so a follower that has not yet applied a grant refuses nothing.
 * - Linearizable ranges wait for a ReadIndex round and this member's apply, then have the apply
 *   worker read them (it holds the key index); serializable ranges go to it at once. No read,
 *   however large, runs on this thread, which drives Raft.
 * - A member that stopped (or failed) answers nothing, not even from its store: "server stopped".
 */
import type { ApplyResult } from '../mvcc/applier.js';
import type { RangePageReader } from '../mvcc/range-page-reader.js';
import type { RangePageFormat } from '../mvcc/range-pages.js';
import type {
  CompactionRequest, CompactionResponse, DeleteRangeRequest, DeleteRangeResponse, HashKVRequest, HashKVResponse,
  PutRequest, PutResponse, RangeRequest, RangeResponse, TxnRequest, TxnResponse,
} from '../mvcc/rpc.js';
import { checkDeleteRangeRequest, checkPutRequest, checkRangeRequest, checkTxnRequest, MAX_TXN_OPS_DEFAULT } from '../mvcc/validate.js';
import type { ResponseHeader, WithHeader } from '../wire/response-header.js';
import type { Member } from './member.js';

/** etcd's isTxnReadonly: every op of both branches is a range (a nested txn is not). */
function isTxnReadOnly(request: TxnRequest): boolean {
  return [...(request.success ?? []), ...(request.failure ?? [])].every((op) => op.request_range !== undefined);
}

/** etcd's isTxnSerializable: every range of both branches is serializable. */
function isTxnSerializable(request: TxnRequest): boolean {
  return [...(request.success ?? []), ...(request.failure ?? [])].every((op) => op.request_range?.serializable === true);
}

export class KvServer {
  constructor(
    private readonly member: Member,
    private readonly maxTxnOps = MAX_TXN_OPS_DEFAULT,
  ) {}

  /**
   * The header of a response that saw (or produced) store revision `revision`: the one builder of
   * every answer's header, whatever the service and the transport (the Cluster service passes 0).
   */
  header(revision: number): ResponseHeader {
    return {
      cluster_id: this.member.options.clusterId,
      member_id: this.member.id,
      revision,
      raft_term: this.member.raftTerm,
    };
  }

  async range(request: RangeRequest): Promise<WithHeader<RangeResponse>> {
    checkRangeRequest(request);
    const { response, revision } = await this.read(request.serializable === true, () => this.member.applier.read({ op: 'range', request }));
    return { ...response, header: this.header(revision) };
  }

  /**
   * Range, answered in pages of its encoded kvs (the apply worker encodes them, a page at a time,
   * as the transport asks for them, in the transport's format): a large range then costs this
   * thread a copy of each page, and memory a page or two, not a decode and an encode of every key.
   */
  async rangeInPages(request: RangeRequest, format: RangePageFormat = 'protobuf'): Promise<{ header: ResponseHeader; pages: RangePageReader }> {
    checkRangeRequest(request);
    const pages = await this.read(request.serializable === true, () => this.member.applier.rangeInPages(request, format));
    return { header: this.header(pages.head.revision), pages };
  }

  async put(request: PutRequest): Promise<WithHeader<PutResponse>> {
    checkPutRequest(request);
    return this.withHeader<PutResponse>(await this.member.propose({ put: request }));
  }

  async deleteRange(request: DeleteRangeRequest): Promise<WithHeader<DeleteRangeResponse>> {
    checkDeleteRangeRequest(request);
    return this.withHeader<DeleteRangeResponse>(await this.member.propose({ delete_range: request }));
  }

  /**
   * A txn of ranges only is a read, as etcd serves it (outside Raft, after a ReadIndex round unless
   * every range is serializable); any other txn goes through Raft.
   */
  async txn(request: TxnRequest): Promise<WithHeader<TxnResponse>> {
    checkTxnRequest(request, this.maxTxnOps);
    if (!isTxnReadOnly(request)) return this.withHeader<TxnResponse>(await this.member.propose({ txn: request }));
    const { response, revision } = await this.read(isTxnSerializable(request), () => this.member.applier.read({ op: 'txn', request }));
    return { ...response, header: this.header(revision) };
  }

  async compact(request: CompactionRequest): Promise<WithHeader<CompactionResponse>> {
    return this.withHeader<CompactionResponse>(await this.member.propose({ compaction: request }));
  }

  /** HashKV of this member's store (Maintenance.HashKV): local, as etcd serves it. */
  async hashKV(request: HashKVRequest): Promise<WithHeader<HashKVResponse>> {
    this.member.checkServing();
    const { response, revision } = await this.member.applier.read({ op: 'hash_kv', request });
    return { ...response, header: this.header(revision) };
  }

  /**
   * A read of the store: at once when serializable (if this member still serves), else once a
   * ReadIndex round confirmed this member has applied everything committed before it.
   */
  private async read<T>(serializable: boolean, read: () => Promise<T>): Promise<T> {
    if (!serializable) return await this.member.readIndex(read);
    this.member.checkServing();
    return await read();
  }

  private withHeader<T>(result: ApplyResult): WithHeader<T> {
    return { ...(result.response as T), header: this.header(result.revision) };
  }
}
