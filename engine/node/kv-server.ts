/**
 * etcd's KV service on one member: the single request/response model every transport (gRPC, the
 * JSON gateway, the WebSocket protocol) adapts. Requests are checked here, before Raft, as etcd
 * checks them in its API layer, so a bad request costs no log entry and changes nothing.
 *
 * - Writes (Put, DeleteRange, Txn, Compact) go through Raft and answer when applied here. A put
 *   naming a lease that does not exist fails when it applies (the apply worker checks, against
 *   the replicated lease table), so a follower that has not yet applied a grant refuses nothing.
 * - Linearizable ranges wait for a ReadIndex round and this member's apply, then read LMDB on
 *   this thread; serializable ranges read LMDB at once. Reads never wait for the writer.
 * - A member that stopped (or failed) answers nothing, not even from LMDB: "server stopped".
 */
import type { ApplyResult } from '../mvcc/applier.js';
import type {
  CompactionRequest, CompactionResponse, DeleteRangeRequest, DeleteRangeResponse, HashKVRequest, HashKVResponse,
  PutRequest, PutResponse, RangeRequest, RangeResponse, TxnRequest, TxnResponse,
} from '../mvcc/rpc.js';
import type { MvccReader, Revisioned } from '../mvcc/store.js';
import { checkDeleteRangeRequest, checkPutRequest, checkRangeRequest, checkTxnRequest, MAX_TXN_OPS_DEFAULT } from '../mvcc/validate.js';
import type { Member } from './member.js';

/** etcdserverpb.ResponseHeader. */
export interface ResponseHeader {
  cluster_id: number;
  member_id: number;
  revision: number;
  raft_term: number;
}

/** A response with its full header (a top-level response: the op header of txn ops does not apply). */
export type WithHeader<T> = Omit<T, 'header'> & { header: ResponseHeader };

export class KvServer {
  constructor(
    private readonly member: Member,
    private readonly reader: MvccReader,
    private readonly maxTxnOps = MAX_TXN_OPS_DEFAULT,
  ) {}

  /** The header of a response that saw (or produced) store revision `revision`. */
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
    const read = (): Revisioned<RangeResponse> => this.reader.range(request);
    if (request.serializable === true) this.member.checkServing();
    const { response, revision } = request.serializable === true ? read() : await this.member.readIndex(read);
    return { ...response, header: this.header(revision) };
  }

  async put(request: PutRequest): Promise<WithHeader<PutResponse>> {
    checkPutRequest(request);
    return this.withHeader<PutResponse>(await this.member.propose({ put: request }));
  }

  async deleteRange(request: DeleteRangeRequest): Promise<WithHeader<DeleteRangeResponse>> {
    checkDeleteRangeRequest(request);
    return this.withHeader<DeleteRangeResponse>(await this.member.propose({ delete_range: request }));
  }

  async txn(request: TxnRequest): Promise<WithHeader<TxnResponse>> {
    checkTxnRequest(request, this.maxTxnOps);
    return this.withHeader<TxnResponse>(await this.member.propose({ txn: request }));
  }

  async compact(request: CompactionRequest): Promise<WithHeader<CompactionResponse>> {
    return this.withHeader<CompactionResponse>(await this.member.propose({ compaction: request }));
  }

  /** HashKV of this member's store (Maintenance.HashKV): local, as etcd serves it. */
  hashKV(request: HashKVRequest): WithHeader<HashKVResponse> {
    this.member.checkServing();
    const { response, revision } = this.reader.hashKV(request);
    return { ...response, header: this.header(revision) };
  }

  private withHeader<T>(result: ApplyResult): WithHeader<T> {
    return { ...(result.response as T), header: this.header(result.revision) };
  }
}
