/**
 * int64/uint64 fields arrive as decimal strings (protos.ts loads longs as String). cairn keeps
 * revisions, versions, ids and limits as JavaScript numbers, exact up to 2^53; a larger value is
 * refused with an InvalidArgument error rather than rounded into a different value.
 */
import { EtcdError, GrpcCode } from '../../engine/errors.js';

/** Parses an int64 field; absent means 0. */
export function int64(value: string | number | undefined | null, field: string): number {
  if (value === undefined || value === null || value === '') return 0;
  const parsed = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(parsed)) {
    throw new EtcdError(GrpcCode.INVALID_ARGUMENT, `cairn: ${field} ${String(value)} is outside the supported range (|n| <= 2^53-1)`);
  }
  return parsed;
}
