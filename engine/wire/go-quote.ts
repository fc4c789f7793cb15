/**
 * Go's strconv.Quote, as etcd's messages, etcdctl's output and jsonpb's errors print strings with
 * %q: double quotes, Go escapes, and \x escapes for bytes that are not UTF-8 (decoded as Go's
 * utf8.DecodeRune does). Shared by the server's flag errors, cairnctl and the JSON gateway.
 */

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  0x07: '\\a', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x0b: '\\v', 0x5c: '\\\\',
};

export function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, '0');
}

/** One code point as strconv.Quote writes it inside its double quotes. */
export function quoteRune(codePoint: number, quote: number): string {
  if (codePoint === quote) return '\\' + String.fromCodePoint(quote);
  const short = SHORT_ESCAPES[codePoint];
  if (short !== undefined) return short;
  const text = String.fromCodePoint(codePoint);
  if (PRINTABLE.test(text)) return text;
  if (codePoint < 0x20 || codePoint === 0x7f) return '\\x' + hex(codePoint, 2);
  return codePoint < 0x10000 ? '\\u' + hex(codePoint, 4) : '\\U' + hex(codePoint, 8);
}

/**
 * Decodes one UTF-8 sequence at `index` the way Go's utf8.DecodeRune does: an invalid or truncated
 * sequence is one byte long and yields undefined (Go's RuneError).
 */
export function decodeRune(bytes: Uint8Array, index: number): { codePoint: number | undefined; size: number } {
  const first = bytes[index]!;
  if (first < 0x80) return { codePoint: first, size: 1 };
  const size = first >= 0xf0 && first <= 0xf4 ? 4 : first >= 0xe0 ? (first <= 0xef ? 3 : 0) : first >= 0xc2 ? 2 : 0;
  if (size === 0 || index + size > bytes.length) return { codePoint: undefined, size: 1 };
  let codePoint = first & (0xff >> (size + 1));
  for (let i = 1; i < size; i++) {
    const next = bytes[index + i]!;
    if ((next & 0xc0) !== 0x80) return { codePoint: undefined, size: 1 };
    codePoint = (codePoint << 6) | (next & 0x3f);
  }
  const overlong = (size === 3 && codePoint < 0x800) || (size === 4 && codePoint < 0x10000);
  const invalid = overlong || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff);
  return invalid ? { codePoint: undefined, size: 1 } : { codePoint, size };
}

/** Go's %q of a byte string: strconv.Quote, with bytes that are not UTF-8 as \xNN escapes. */
export function goQuoteBytes(bytes: Uint8Array): string {
  let out = '"';
  for (let i = 0; i < bytes.length;) {
    const { codePoint, size } = decodeRune(bytes, i);
    out += codePoint === undefined ? '\\x' + hex(bytes[i]!, 2) : quoteRune(codePoint, 0x22);
    i += size;
  }
  return out + '"';
}

/** Go's strconv.Quote of a string (its UTF-8 bytes). */
export function goQuote(text: string): string {
  return goQuoteBytes(Buffer.from(text, 'utf8'));
}
