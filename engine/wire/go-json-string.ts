/**
 * Go's ways of writing text that the gateway's bodies carry byte for byte: the scanner's quoting of
 * one offending byte, and encoding/json's string escaping (which writes every body the real
 * gateway sends). strconv.Quote itself is go-quote.ts.
 */
import { hex, quoteRune } from './go-quote.js';

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
