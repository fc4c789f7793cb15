/**
 * The key ranges etcdctl's --prefix and --from-key ask for (clientv3's WithPrefix/WithFromKey):
 * a prefix range ends at the prefix with its last byte below 0xff incremented; a range end of
 * "\0" means "every key from here on"; an empty key with either flag starts at "\0".
 */

const ALL_KEYS_FROM = Buffer.from([0]);

/** The end of the range of keys starting with `prefix`. */
function prefixEnd(prefix: Buffer): Buffer {
  for (let at = prefix.length - 1; at >= 0; at--) {
    if (prefix[at]! < 0xff) {
      const end = Buffer.from(prefix.subarray(0, at + 1));
      end[at] = end[at]! + 1;
      return end;
    }
  }
  return ALL_KEYS_FROM;
}

/** [key, range_end) for a key and etcdctl's range flags. */
export function keyRange(key: Buffer, rangeEnd: Buffer | undefined, prefix: boolean,
  fromKey: boolean): { key: Buffer; range_end: Buffer } {
  if (prefix) return key.length === 0 ? { key: ALL_KEYS_FROM, range_end: ALL_KEYS_FROM } : { key, range_end: prefixEnd(key) };
  if (fromKey) return { key: key.length === 0 ? ALL_KEYS_FROM : key, range_end: ALL_KEYS_FROM };
  return { key, range_end: rangeEnd ?? Buffer.alloc(0) };
}
