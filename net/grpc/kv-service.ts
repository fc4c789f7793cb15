/** etcd's KV service over gRPC: a thin adapter of KvServer. */
import type { KvServer } from '../../engine/node/kv-server.js';
import { compactionRequestFrom, deleteRangeRequestFrom, putRequestFrom, rangeRequestFrom, txnRequestFrom } from './kv-convert.js';
import type { UnaryHandler } from './raw/unary-call.js';

export function kvService(kv: KvServer): Record<string, UnaryHandler> {
  return {
    Range: (request: Parameters<typeof rangeRequestFrom>[0]) => kv.range(rangeRequestFrom(request)),
    Put: (request: Parameters<typeof putRequestFrom>[0]) => kv.put(putRequestFrom(request)),
    DeleteRange: (request: Parameters<typeof deleteRangeRequestFrom>[0]) => kv.deleteRange(deleteRangeRequestFrom(request)),
    Txn: (request: Parameters<typeof txnRequestFrom>[0]) => kv.txn(txnRequestFrom(request)),
    Compact: (request: Parameters<typeof compactionRequestFrom>[0]) => kv.compact(compactionRequestFrom(request)),
  };
}
