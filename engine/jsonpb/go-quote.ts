/**
 * Go's ways of writing text, which the gateway's error messages carry byte for byte: strconv.Quote
 * (fmt's %q, used by jsonpb's "unknown value" error), the scanner's quoting of one offending byte,
 * and encoding/json's string escaping (which writes every body the real gateway sends).
 */

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  0x07: '\\a', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x0b: '\\v', 0x5c: '\\\\',
};

function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, '0');
}

/** One code point as strconv.Quote writes it inside its double quotes. */
function quoteRune(codePoint: number, quote: number): string {
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

/** strconv.Quote of a byte string: invalid UTF-8 bytes come out as \xNN. */
export function goQuote(bytes: Uint8Array): string {
  let out = '"';
  for (let i = 0; i < bytes.length;) {
    const { codePoint, size } = decodeRune(bytes, i);
    out += codePoint === undefined ? '\\x' + hex(bytes[i]!, 2) : quoteRune(codePoint, 0x22);
    i += size;
  }
  return out + '"';
}

/**
 * encoding/json's scanner names an offending byte like this: the byte read as a code point
 * (so 0xC3 shows as 'Ã'), quoted with single quotes.
 */
export function goQuoteChar(byte: number): string {
  if (byte === 0x27) return "'\\''";
  if (byte === 0x22) return "'\"'";
  return "'" + quoteRune(byte, 0x22) + "'";
}

const JSON_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t',
  '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029',
};

/**
 * A string as encoding/json writes it: HTML-safe (<, >, & escaped), U+2028/2029 escaped, other
 * control characters as \u00XX, lone surrogates replaced by U+FFFD as Go's invalid UTF-8 would be.
 */
export function goJsonString(text: string): string {
  let out = '"';
  for (const char of text) {
    const escape = JSON_ESCAPES[char];
    const code = char.codePointAt(0)!;
    if (escape !== undefined) out += escape;
    else if (code < 0x20) out += '\\u' + hex(code, 4);
    else if (code >= 0xd800 && code <= 0xdfff) out += '\ufffd';
    else out += char;
  }
  return out + '"';
}
