/**
 * Counts what a RangeResponse holds straight from its protobuf bytes, without decoding it into
 * objects: a full-keyspace answer is ~55 MB (100k keys of 512 B), and decoding several of them a
 * second would make the storm's client process compete with the members for the machine's two
 * cores. Only the top level is walked; each KeyValue is skipped by its length.
 *
 *   RangeResponse: 1 header | 2 kvs (repeated KeyValue) | 3 more | 4 count
 */

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

export interface RangeResponseCounts {
  /** KeyValues in this answer. */
  kvs: number;
  /** The count field: keys in the range (not limited by the request's limit). */
  count: number;
  more: boolean;
}

export function scanRangeResponse(bytes: Uint8Array): RangeResponseCounts {
  const counts: RangeResponseCounts = { kvs: 0, count: 0, more: false };
  let position = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    let byte;
    do {
      byte = bytes[position++]!;
      value += (byte & 0x7f) * scale;
      scale *= 0x80;
    } while (byte >= 0x80 && position < bytes.length);
    return value;
  };
  while (position < bytes.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    switch (tag & 7) {
      case WIRE_VARINT: {
        const value = varint();
        if (field === 3) counts.more = value !== 0;
        else if (field === 4) counts.count = value;
        break;
      }
      case WIRE_BYTES: {
        // The length is read first: `position += varint()` would add it to the position before the read.
        const length = varint();
        position += length;
        if (field === 2) counts.kvs++;
        break;
      }
      case WIRE_FIXED64: position += 8; break;
      case WIRE_FIXED32: position += 4; break;
      default: throw new Error(`RangeResponse: unsupported wire type ${tag & 7}`);
    }
  }
  return counts;
}
