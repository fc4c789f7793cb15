/**
 * An HPACK decoder (RFC 7541) that keeps where each field of a header block was written, so a
 * block can be passed on with one field replaced (header-block-rewrite.ts). It mirrors the
 * client's encoder: its dynamic table holds what the client's holds, so it must see every header
 * block of the connection, in order.
 *
 * Names and values are latin1 strings (HTTP/2 header bytes, one character per byte).
 */
import { decodeHuffman } from './hpack-huffman.js';

/** RFC 7541, Appendix A: index 1..61. */
const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''], ['etag', ''],
  ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''], ['if-modified-since', ''],
  ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''], ['last-modified', ''], ['link', ''],
  ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''], ['proxy-authorization', ''], ['range', ''],
  ['referer', ''], ['refresh', ''], ['retry-after', ''], ['server', ''], ['set-cookie', ''],
  ['strict-transport-security', ''], ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''],
  ['www-authenticate', ''],
];

/** An entry's size in the table: its name and value octets plus 32 (RFC 7541, 4.1). */
const ENTRY_OVERHEAD_BYTES = 32;
/** SETTINGS_HEADER_TABLE_SIZE's initial value, which the client's encoder starts from. */
export const HEADER_TABLE_BYTES_DEFAULT = 4096;

/** How a field was represented (RFC 7541, 6.1 and 6.2). */
export type FieldRepresentation = 'indexed' | 'incremental' | 'without-indexing' | 'never-indexed';

/** One decoded field and the bytes of the block that represented it. */
export interface DecodedField {
  name: string;
  value: string;
  representation: FieldRepresentation;
  /** The block's bytes [start, end) that represent this field. */
  start: number;
  end: number;
  /** For a literal: the index its name came from, 0 when the name was a literal too. */
  nameIndex: number;
}

/** A header block HPACK cannot decode: a connection error for the HTTP/2 peer (COMPRESSION_ERROR). */
export class HpackDecodingError extends Error {}

export class HpackDecoder {
  /** Newest first, as indices 62, 63, ... count. */
  private readonly dynamic: [string, string][] = [];
  private dynamicBytes = 0;
  /** The table's current bound, as the client's last size update set it. */
  private tableBytes = HEADER_TABLE_BYTES_DEFAULT;

  /**
   * `tableBytesMax` bounds the sizes a dynamic table size update may ask for: what the server
   * allows (SETTINGS_HEADER_TABLE_SIZE). The table starts at 4096, HPACK's initial size.
   */
  constructor(private readonly tableBytesMax = HEADER_TABLE_BYTES_DEFAULT) {}

  /** Decodes one complete header block (the fragments of HEADERS and its CONTINUATIONs joined). */
  decode(block: Uint8Array): DecodedField[] {
    const fields: DecodedField[] = [];
    const reader = { block, at: 0 };
    while (reader.at < block.length) {
      const start = reader.at;
      const first = block[start]!;
      if (first & 0x80) {
        const [name, value] = this.entry(readInteger(reader, 7));
        fields.push({ name, value, representation: 'indexed', start, end: reader.at, nameIndex: 0 });
      } else if ((first & 0xe0) === 0x20) {
        this.resize(readInteger(reader, 5));
      } else {
        const incremental = (first & 0xc0) === 0x40;
        const representation: FieldRepresentation = incremental ? 'incremental' : first & 0x10 ? 'never-indexed' : 'without-indexing';
        const nameIndex = readInteger(reader, incremental ? 6 : 4);
        const name = nameIndex === 0 ? readString(reader) : this.entry(nameIndex)[0];
        const value = readString(reader);
        if (incremental) this.insert(name, value);
        fields.push({ name, value, representation, start, end: reader.at, nameIndex });
      }
    }
    return fields;
  }

  private entry(index: number): readonly [string, string] {
    if (index === 0) throw new HpackDecodingError('hpack: index 0');
    if (index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1]!;
    const entry = this.dynamic[index - STATIC_TABLE.length - 1];
    if (entry === undefined) throw new HpackDecodingError(`hpack: index ${index} beyond the table`);
    return entry;
  }

  private insert(name: string, value: string): void {
    this.dynamic.unshift([name, value]);
    this.dynamicBytes += name.length + value.length + ENTRY_OVERHEAD_BYTES;
    this.evict();
  }

  private resize(tableBytes: number): void {
    if (tableBytes > this.tableBytesMax) throw new HpackDecodingError(`hpack: table size ${tableBytes} over ${this.tableBytesMax}`);
    this.tableBytes = tableBytes;
    this.evict();
  }

  /** Drops the oldest entries until the table fits (an entry larger than the table empties it). */
  private evict(): void {
    while (this.dynamicBytes > this.tableBytes) {
      const [name, value] = this.dynamic.pop()!;
      this.dynamicBytes -= name.length + value.length + ENTRY_OVERHEAD_BYTES;
    }
  }
}

interface Reader {
  block: Uint8Array;
  at: number;
}

/** An integer with an N-bit prefix (RFC 7541, 5.1); bounded to 2^28, far above any real use. */
function readInteger(reader: Reader, prefixBits: number): number {
  const prefixMax = (1 << prefixBits) - 1;
  let value = reader.block[reader.at++]! & prefixMax;
  if (value < prefixMax) return value;
  for (let shift = 0; ; shift += 7) {
    if (reader.at >= reader.block.length) throw new HpackDecodingError('hpack: integer cut short');
    if (shift > 21) throw new HpackDecodingError('hpack: integer too large');
    const byte = reader.block[reader.at++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return value;
  }
}

/** A string literal (RFC 7541, 5.2), Huffman-coded or not. */
function readString(reader: Reader): string {
  if (reader.at >= reader.block.length) throw new HpackDecodingError('hpack: string cut short');
  const huffman = (reader.block[reader.at]! & 0x80) !== 0;
  const length = readInteger(reader, 7);
  const end = reader.at + length;
  if (end > reader.block.length) throw new HpackDecodingError('hpack: string cut short');
  const bytes = reader.block.subarray(reader.at, end);
  reader.at = end;
  try {
    return (huffman ? decodeHuffman(bytes) : Buffer.from(bytes)).toString('latin1');
  } catch (error) {
    throw new HpackDecodingError((error as Error).message);
  }
}

/** Writes an integer with an N-bit prefix, the prefix's other bits set to `flags`. */
export function encodeInteger(value: number, prefixBits: number, flags: number): number[] {
  const prefixMax = (1 << prefixBits) - 1;
  if (value < prefixMax) return [flags | value];
  const bytes = [flags | prefixMax];
  let rest = value - prefixMax;
  while (rest >= 128) {
    bytes.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

/** A string literal without Huffman coding. */
export function encodeString(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  return Buffer.concat([Buffer.from(encodeInteger(bytes.length, 7, 0)), bytes]);
}
