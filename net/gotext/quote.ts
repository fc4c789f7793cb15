/**
 * Go's strconv.Quote, as etcd's messages and etcdctl's output print strings with %q: double
 * quotes, Go escapes, and (for byte strings) \x escapes for bytes that are not UTF-8. Shared by
 * the server's flag errors and cairnctl.
 */

const SIMPLE_ESCAPES: Record<string, string> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\', '"': '\\"',
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
