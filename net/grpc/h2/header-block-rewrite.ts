/**
 * Rewrites, in an HPACK header block, the :authority and host fields nghttp2 would refuse
 * (authority.ts), leaving every other byte as the client wrote it.
 *
 * A rewritten field keeps its representation: one the client added to its dynamic table is added
 * to nghttp2's too, with the rewritten value, so a later reference to it by index names the
 * rewritten value. The two tables then differ only in the sizes of such entries, which are smaller
 * on nghttp2's side: it evicts no entry before the client's encoder does, and every index the
 * client uses still names the same entry.
 */
import { acceptedAuthorityOf, isAcceptedAuthority } from './authority.js';
import { encodeInteger, encodeString, type DecodedField, type HpackDecoder } from './hpack-decoder.js';

const AUTHORITY_FIELDS = new Set([':authority', 'host']);

/** The value to send in place of a field's, or null when it goes on as it is. */
export function authorityReplacement(field: { name: string; value: string }): string | null {
  if (!AUTHORITY_FIELDS.has(field.name) || isAcceptedAuthority(field.value)) return null;
  return acceptedAuthorityOf(field.value);
}

/** Whether a decoded block holds a field that would be rewritten. */
export function needsRewrite(fields: readonly DecodedField[]): boolean {
  return fields.some((field) => field.representation !== 'indexed' && authorityReplacement(field) !== null);
}

/**
 * Decodes `block` with `decoder` (which must see every block of the connection) and returns it
 * with the refused authorities replaced; the same buffer when nothing was replaced.
 */
export function rewriteHeaderBlock(decoder: HpackDecoder, block: Buffer): Buffer {
  const fields = decoder.decode(block);
  const parts: Buffer[] = [];
  let copiedUpTo = 0;
  for (const field of fields) {
    if (field.representation === 'indexed') continue;
    const replacement = authorityReplacement(field);
    if (replacement === null) continue;
    parts.push(block.subarray(copiedUpTo, field.start), literalField(field, replacement));
    copiedUpTo = field.end;
  }
  if (parts.length === 0) return block;
  parts.push(block.subarray(copiedUpTo));
  return Buffer.concat(parts);
}

/** A literal field of `field`'s representation and name, with `value`, not Huffman-coded. */
function literalField(field: DecodedField, value: string): Buffer {
  const [flags, prefixBits] = field.representation === 'incremental' ? [0x40, 6]
    : field.representation === 'never-indexed' ? [0x10, 4] : [0x00, 4];
  const name = field.nameIndex > 0
    ? Buffer.from(encodeInteger(field.nameIndex, prefixBits, flags))
    : Buffer.concat([Buffer.from([flags]), encodeString(field.name)]);
  return Buffer.concat([name, encodeString(value)]);
}
