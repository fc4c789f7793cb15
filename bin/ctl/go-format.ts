/**
 * The handful of Go standard-library formats etcdctl's output and error texts are made of:
 * strconv (ParseInt, ParseBool, Quote, Unquote), time.Duration (parse and String) and
 * go-humanize's Bytes. Written from their documented behaviour so cairnctl's texts match.
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const NS_PER_UNIT: Record<string, number> = {
  ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9,
};
const HUMANIZE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
const SIMPLE_ESCAPES: Record<string, string> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\', '"': '\\"',
};
const UNESCAPES: Record<string, number> = {
  a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, "'": 39, '"': 34,
};

/** Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** One code point as strconv.Quote writes it. */
function quoteChar(char: string): string {
  const code = char.codePointAt(0)!;
  if (SIMPLE_ESCAPES[char] !== undefined) return SIMPLE_ESCAPES[char];
  if (PRINTABLE.test(char)) return char;
  if (code < 0x80) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

/** Go's strconv.Quote: a double-quoted string with Go escapes. */
export function goQuote(text: string): string {
  let quoted = '"';
  for (const char of text) quoted += quoteChar(char);
  return quoted + '"';
}

/** The length of the well-formed UTF-8 sequence at `at`, or 0 if the byte there starts none. */
function utf8SequenceLength(data: Buffer, at: number): number {
  const lead = data[at]!;
  const length = lead < 0x80 ? 1 : lead < 0xc2 ? 0 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : lead < 0xf5 ? 4 : 0;
  if (length === 0 || at + length > data.length) return 0;
  for (let next = at + 1; next < at + length; next++) if ((data[next]! & 0xc0) !== 0x80) return 0;
  // Overlong, surrogate and beyond-U+10FFFF forms decode to U+FFFD; Go escapes their bytes.
  const isReplacementChar = length === 3 && data[at] === 0xef && data[at + 1] === 0xbf && data[at + 2] === 0xbd;
  return data.subarray(at, at + length).toString().includes('\ufffd') && !isReplacementChar ? 0 : length;
}

/** Go's %q of a byte string: strconv.Quote, with bytes that are not UTF-8 as \x escapes. */
export function goQuoteBytes(data: Buffer): string {
  let quoted = '"';
  for (let at = 0; at < data.length;) {
    const length = utf8SequenceLength(data, at);
    if (length === 0) {
      quoted += `\\x${data[at]!.toString(16).padStart(2, '0')}`;
      at += 1;
    } else {
      quoted += quoteChar(data.subarray(at, at + length).toString());
      at += length;
    }
  }
  return quoted + '"';
}

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

/** time.ParseDuration, in milliseconds, with Go's error texts. */
export function parseGoDurationMs(text: string): number {
  const invalid = new Error(`time: invalid duration ${goQuote(text)}`);
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw invalid;
  let totalNs = 0;
  while (rest !== '') {
    const number = /^([0-9]*)(\.[0-9]*)?/.exec(rest)![0];
    if (number === '' || number === '.') throw invalid;
    rest = rest.slice(number.length);
    const unit = /^[^0-9.]*/.exec(rest)![0];
    if (unit === '') throw new Error(`time: missing unit in duration ${goQuote(text)}`);
    const scale = NS_PER_UNIT[unit];
    if (scale === undefined) throw new Error(`time: unknown unit ${goQuote(unit)} in duration ${goQuote(text)}`);
    totalNs += Number(number) * scale;
    rest = rest.slice(unit.length);
  }
  return (sign * totalNs) / 1e6;
}

/** `value` / 10^digits as a decimal with trailing fractional zeros dropped (Go's fmtFrac). */
function withFraction(value: number, digits: number): string {
  const scale = 10 ** digits;
  const fraction = String(value % scale).padStart(digits, '0').replace(/0+$/, '');
  return String(Math.floor(value / scale)) + (fraction === '' ? '' : `.${fraction}`);
}

/** time.Duration.String for a duration in nanoseconds: "2.474392ms", "1.001034463s", "1m30s". */
export function formatGoDuration(durationNs: number): string {
  const ns = Math.round(Math.abs(durationNs));
  const sign = durationNs < 0 ? '-' : '';
  if (ns === 0) return '0s';
  if (ns < 1e3) return `${sign}${ns}ns`;
  if (ns < 1e6) return `${sign}${withFraction(ns, 3)}µs`;
  if (ns < 1e9) return `${sign}${withFraction(ns, 6)}ms`;
  const wholeSeconds = Math.floor(ns / 1e9);
  const seconds = `${withFraction((wholeSeconds % 60) * 1e9 + (ns % 1e9), 9)}s`;
  const hours = Math.floor(wholeSeconds / 3600);
  const minutes = Math.floor((wholeSeconds % 3600) / 60);
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return sign + seconds;
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
