/** etcd's KV service over gRPC: a thin adapter of KvServer. */
import type * as grpc from '@grpc/grpc-js';
import type { KvServer } from '../../engine/node/kv-server.js';
import { compactionRequestFrom, deleteRangeRequestFrom, putRequestFrom, rangeRequestFrom, txnRequestFrom } from './kv-convert.js';
import { unary } from './unary.js';

export function kvService(kv: KvServer): grpc.UntypedServiceImplementation {
  return {
    Range: unary((request: Parameters<typeof rangeRequestFrom>[0]) => kv.range(rangeRequestFrom(request))),
    Put: unary((request: Parameters<typeof putRequestFrom>[0]) => kv.put(putRequestFrom(request))),
    DeleteRange: unary((request: Parameters<typeof deleteRangeRequestFrom>[0]) => kv.deleteRange(deleteRangeRequestFrom(request))),
    Txn: unary((request: Parameters<typeof txnRequestFrom>[0]) => kv.txn(txnRequestFrom(request))),
    Compact: unary((request: Parameters<typeof compactionRequestFrom>[0]) => kv.compact(compactionRequestFrom(request))),
  };
}
