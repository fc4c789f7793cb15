/**
 * The handful of Go standard-library formats etcdctl's output and error texts are made of:
 * strconv (ParseInt, ParseBool, Quote, Unquote), time.Duration (parse and String) and
 * go-humanize's Bytes. Written from their documented behaviour so cairnctl's texts match.
 */

import { parseGoDuration } from '../../engine/wire/go-duration.js';
import { goQuote } from '../../engine/wire/go-quote.js';

export { formatGoDuration } from '../../engine/wire/go-duration.js';
export { goQuote, goQuoteBytes } from '../../engine/wire/go-quote.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const HUMANIZE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
const UNESCAPES: Record<string, number> = {
  a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, "'": 39, '"': 34,
};






/** strconv.ParseInt(text, base, 64), with Go's error text; the value as a bigint (int64 is exact). */
export function parseGoInt(text: string, base: 10 | 16): bigint {
  const digits = base === 10 ? /^[+-]?[0-9]+$/ : /^[+-]?[0-9a-fA-F]+$/;
  if (!digits.test(text)) throw new Error(`strconv.ParseInt: parsing ${goQuote(text)}: invalid syntax`);
  const negative = text.startsWith('-');
  const magnitude = BigInt((base === 16 ? '0x' : '') + text.replace(/^[+-]/, ''));
  const value = negative ? -magnitude : magnitude;
  if (value < INT64_MIN || value > INT64_MAX) throw new Error(`strconv.ParseInt: parsing ${goQuote(text)}: value out of range`);
  return value;
}

/** strconv.ParseBool, with Go's error text. */
export function parseGoBool(text: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw new Error(`strconv.ParseBool: parsing ${goQuote(text)}: invalid syntax`);
}




/** go-humanize's Bytes: SI units, one decimal below 10 ("70 kB", "1.5 MB", "9 B"). */
export function humanizeBytes(size: number): string {
  if (size < 10) return `${size} B`;
  const exponent = Math.floor(Math.log(size) / Math.log(1000));
  const value = Math.floor((size / 1000 ** exponent) * 10 + 0.5) / 10;
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ${HUMANIZE_UNITS[exponent]}`;
}

/**
 * Reads one Go quoted string ("..." with escapes, or `...` raw) at the start of `text`, as fmt's
 * %q verb does. Returns the bytes and the text after the closing quote, or undefined when `text`
 * does not start with a well-formed quoted string.
 */
export function readGoQuoted(text: string): { value: Buffer; rest: string } | undefined {
  if (text.startsWith('`')) {
    const end = text.indexOf('`', 1);
    return end < 0 ? undefined : { value: Buffer.from(text.slice(1, end)), rest: text.slice(end + 1) };
  }
  if (!text.startsWith('"')) return undefined;
  const bytes: number[] = [];
  for (let at = 1; at < text.length;) {
    const char = text[at]!;
    if (char === '"') return { value: Buffer.from(bytes), rest: text.slice(at + 1) };
    if (char === '\n') return undefined;
    if (char !== '\\') {
      const codePoint = text.codePointAt(at)!;
      const literal = String.fromCodePoint(codePoint);
      bytes.push(...Buffer.from(literal));
      at += literal.length;
      continue;
    }
    const escape = readEscape(text, at + 1);
    if (escape === undefined) return undefined;
    bytes.push(...escape.bytes);
    at = escape.next;
  }
  return undefined;
}

/** One escape sequence after a backslash at `at`: its bytes and where the string continues. */
function readEscape(text: string, at: number): { bytes: number[]; next: number } | undefined {
  const char = text[at];
  if (char === undefined) return undefined;
  if (UNESCAPES[char] !== undefined) return { bytes: [UNESCAPES[char]], next: at + 1 };
  const hexDigits = char === 'x' ? 2 : char === 'u' ? 4 : char === 'U' ? 8 : 0;
  if (hexDigits > 0) {
    const digits = text.slice(at + 1, at + 1 + hexDigits);
    if (!new RegExp(`^[0-9a-fA-F]{${hexDigits}}$`).test(digits)) return undefined;
    const value = parseInt(digits, 16);
    if (char === 'x') return { bytes: [value], next: at + 1 + hexDigits };
    if (value > 0x10ffff || (value >= 0xd800 && value < 0xe000)) return undefined;
    return { bytes: [...Buffer.from(String.fromCodePoint(value))], next: at + 1 + hexDigits };
  }
  const octal = text.slice(at, at + 3);
  if (/^[0-7]{3}$/.test(octal) && parseInt(octal, 8) < 256) return { bytes: [parseInt(octal, 8)], next: at + 3 };
  return undefined;
}

/** time.ParseDuration in milliseconds; throws Go's error text. */
export function parseGoDurationMs(text: string): number {
  const durationNs = parseGoDuration(text);
  if (typeof durationNs === 'string') throw new Error(durationNs);
  return durationNs / 1e6;
}
