/**
 * A JSON parser that fails exactly as Go's encoding/json does, because etcd's gateway sends Go's
 * syntax error text to the client. It keeps every value's raw text (jsonpb works on raw messages:
 * it strips the quotes of a quoted int64 and re-parses the inside, and names a bad number by its
 * literal text) and unquotes strings to bytes as Go does (invalid UTF-8: one U+FFFD per byte).
 *
 * Two entry points mirror Go's two readers: `parseGoJsonStream` (json.Decoder: the first value of
 * a body, the rest ignored) and `parseGoJsonDocument` (json.Unmarshal: one value and nothing else).
 */
import { decodeRune } from '../../../engine/wire/go-quote.js';
import { goQuoteChar } from '../../../engine/wire/go-json-string.js';

/** A parsed JSON value with its raw text. */
export type GoJsonValue =
  | { kind: 'object'; raw: Uint8Array; fields: Map<string, GoJsonValue> }
  | { kind: 'array'; raw: Uint8Array; items: GoJsonValue[] }
  | { kind: 'string'; raw: Uint8Array; bytes: Uint8Array }
  | { kind: 'number'; raw: Uint8Array; text: string }
  | { kind: 'bool'; raw: Uint8Array; value: boolean }
  | { kind: 'null'; raw: Uint8Array };

/** A syntax error carrying Go's message. */
export class GoJsonSyntaxError extends Error {
  override readonly name = 'GoJsonSyntaxError';
}

/** Thrown inside the parser when the input ends in the middle of a value. */
class EndOfInput extends Error {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/**
 * Go allows 10,000 nested arrays and objects; this recursive parser (and the recursive message
 * decoder after it) would exhaust Node's stack first, so bodies nested deeper than this fail with
 * Go's depth error sooner. No etcd request nests anywhere near this deep.
 */
const NESTING_DEPTH_MAX = 1_000;
const UTF8 = new TextEncoder();
const ESCAPED: Readonly<Record<number, number>> = {
  0x22: 0x22, 0x5c: 0x5c, 0x2f: 0x2f, 0x62: 0x08, 0x66: 0x0c, 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09,
};

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

class Parser {
  position = 0;
  private depth = 0;

  constructor(readonly input: Uint8Array) {}

  /** The byte at the cursor; the end of input is an EndOfInput, as a Go scanner waiting for more. */
  private peek(): number {
    const byte = this.input[this.position];
    if (byte === undefined) throw new EndOfInput();
    return byte;
  }

  private fail(byte: number, context: string): never {
    throw new GoJsonSyntaxError(`invalid character ${goQuoteChar(byte)} ${context}`);
  }

  skipSpace(): void {
    while (isSpace(this.input[this.position])) this.position++;
  }

  value(): GoJsonValue {
    this.skipSpace();
    const start = this.position;
    const byte = this.peek();
    if (byte === 0x7b || byte === 0x5b) {
      if (++this.depth > NESTING_DEPTH_MAX) this.fail(byte, 'exceeded max depth');
      const value = byte === 0x7b ? this.object(start) : this.array(start);
      this.depth--;
      return value;
    }
    if (byte === QUOTE) return { kind: 'string', bytes: this.string(), raw: this.input.subarray(start, this.position) };
    if (byte === 0x2d || isDigit(byte)) return { kind: 'number', text: this.number(), raw: this.input.subarray(start, this.position) };
    if (byte === 0x74) return { kind: 'bool', value: this.literal('true'), raw: this.input.subarray(start, this.position) };
    if (byte === 0x66) return { kind: 'bool', value: !this.literal('false'), raw: this.input.subarray(start, this.position) };
    if (byte === 0x6e) {
      this.literal('null');
      return { kind: 'null', raw: this.input.subarray(start, this.position) };
    }
    return this.fail(byte, 'looking for beginning of value');
  }

  private object(start: number): GoJsonValue {
    const fields = new Map<string, GoJsonValue>();
    this.position++;
    this.skipSpace();
    if (this.peek() === 0x7d) {
      this.position++;
      return { kind: 'object', fields, raw: this.input.subarray(start, this.position) };
    }
    for (;;) {
      this.skipSpace();
      if (this.peek() !== QUOTE) this.fail(this.peek(), 'looking for beginning of object key string');
      const key = new TextDecoder().decode(this.string());
      this.skipSpace();
      if (this.peek() !== 0x3a) this.fail(this.peek(), 'after object key');
      this.position++;
      // A repeated key keeps its last value, as Go's map decoding does.
      fields.set(key, this.value());
      this.skipSpace();
      const next = this.peek();
      this.position++;
      if (next === 0x7d) return { kind: 'object', fields, raw: this.input.subarray(start, this.position) };
      if (next !== 0x2c) this.fail(next, 'after object key:value pair');
    }
  }

  private array(start: number): GoJsonValue {
    const items: GoJsonValue[] = [];
    this.position++;
    this.skipSpace();
    if (this.peek() === 0x5d) {
      this.position++;
      return { kind: 'array', items, raw: this.input.subarray(start, this.position) };
    }
    for (;;) {
      items.push(this.value());
      this.skipSpace();
      const next = this.peek();
      this.position++;
      if (next === 0x5d) return { kind: 'array', items, raw: this.input.subarray(start, this.position) };
      if (next !== 0x2c) this.fail(next, 'after array element');
    }
  }

  /** Reads a quoted string and returns its unquoted bytes. */
  private string(): Uint8Array {
    this.position++;
    // Plain printable ASCII up to the closing quote (base64, most keys) is its own bytes.
    for (let index = this.position; index < this.input.length; index++) {
      const byte = this.input[index]!;
      if (byte === QUOTE) {
        const bytes = this.input.slice(this.position, index);
        this.position = index + 1;
        return bytes;
      }
      if (byte < 0x20 || byte === BACKSLASH || byte >= 0x80) break;
    }
    const out: number[] = [];
    for (;;) {
      const byte = this.peek();
      if (byte === QUOTE) {
        this.position++;
        return Uint8Array.from(out);
      }
      if (byte < 0x20) this.fail(byte, 'in string literal');
      if (byte === BACKSLASH) {
        this.position++;
        this.escape(out);
      } else if (byte < 0x80) {
        out.push(byte);
        this.position++;
      } else {
        const { codePoint, size } = decodeRune(this.input, this.position);
        const bytes = codePoint === undefined ? UTF8.encode('\ufffd') : this.input.subarray(this.position, this.position + size);
        out.push(...bytes);
        this.position += size;
      }
    }
  }

  private escape(out: number[]): void {
    const byte = this.peek();
    this.position++;
    const simple = ESCAPED[byte];
    if (simple !== undefined) {
      out.push(simple);
      return;
    }
    if (byte !== 0x75) this.fail(byte, 'in string escape code');
    let unit = this.hex4();
    // A surrogate pair joins into one code point; any other surrogate becomes U+FFFD, as in Go.
    if (unit >= 0xd800 && unit < 0xdc00 && this.input[this.position] === BACKSLASH && this.input[this.position + 1] === 0x75) {
      const save = this.position;
      this.position += 2;
      const low = this.hex4();
      if (low >= 0xdc00 && low < 0xe000) unit = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
      else this.position = save;
    }
    const isLoneSurrogate = unit >= 0xd800 && unit < 0xe000;
    out.push(...UTF8.encode(isLoneSurrogate ? '\ufffd' : String.fromCodePoint(unit)));
  }

  private hex4(): number {
    let unit = 0;
    for (let i = 0; i < 4; i++) {
      const byte = this.peek();
      const digit = hexValue(byte);
      if (digit < 0) this.fail(byte, 'in \\u hexadecimal character escape');
      unit = unit * 16 + digit;
      this.position++;
    }
    return unit;
  }

  /** A number ends at the first byte that cannot continue it; the caller judges that byte. */
  private number(): string {
    const start = this.position;
    if (this.peek() === 0x2d) {
      this.position++;
      if (!isDigit(this.peek())) this.fail(this.peek(), 'in numeric literal');
    }
    if (this.peek() === 0x30) this.position++;
    else while (isDigit(this.input[this.position])) this.position++;
    if (this.input[this.position] === 0x2e) {
      this.position++;
      if (!isDigit(this.peek())) this.fail(this.peek(), 'after decimal point in numeric literal');
      while (isDigit(this.input[this.position])) this.position++;
    }
    const exponent = this.input[this.position];
    if (exponent === 0x65 || exponent === 0x45) {
      this.position++;
      if (this.peek() === 0x2b || this.peek() === 0x2d) this.position++;
      if (!isDigit(this.peek())) this.fail(this.peek(), 'in exponent of numeric literal');
      while (isDigit(this.input[this.position])) this.position++;
    }
    return new TextDecoder().decode(this.input.subarray(start, this.position));
  }

  private literal(word: 'true' | 'false' | 'null'): boolean {
    this.position++;
    for (let i = 1; i < word.length; i++) {
      const byte = this.peek();
      if (byte !== word.charCodeAt(i)) this.fail(byte, `in literal ${word} (expecting '${word[i]}')`);
      this.position++;
    }
    return word === 'true';
  }
}

/**
 * The first JSON value of a request body, as grpc-gateway's json.Decoder reads it: bytes after it
 * are never looked at. undefined for a body of only whitespace (Go's io.EOF, which the gateway
 * treats as an empty request); a body that ends inside a value is "unexpected EOF".
 */
export function parseGoJsonStream(body: Uint8Array): GoJsonValue | undefined {
  const parser = new Parser(body);
  parser.skipSpace();
  if (parser.position === body.length) return undefined;
  try {
    return parser.value();
  } catch (error) {
    // A number at the very end is complete (the parser never waits past its last digit), so
    // running out of input always means the value was cut short.
    if (error instanceof EndOfInput) throw new GoJsonSyntaxError('unexpected EOF');
    throw error;
  }
}

/**
 * Exactly one JSON value, as json.Unmarshal (its checkValid pass) requires. At the end of input
 * Go's scanner is fed one space, so "-" fails as `invalid character ' ' in numeric literal`, and
 * only then as "unexpected end of JSON input".
 */
export function parseGoJsonDocument(text: Uint8Array): GoJsonValue {
  const padded = Uint8Array.from([...text, 0x20]);
  const parser = new Parser(padded);
  let value: GoJsonValue;
  try {
    value = parser.value();
  } catch (error) {
    if (error instanceof EndOfInput) throw new GoJsonSyntaxError('unexpected end of JSON input');
    throw error;
  }
  parser.skipSpace();
  if (parser.position < padded.length) {
    throw new GoJsonSyntaxError(`invalid character ${goQuoteChar(padded[parser.position]!)} after top-level value`);
  }
  return value;
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
/** A stream keeps a buffer up to this size between values; a larger one is let go. */
const KEPT_BUFFER_BYTES_MAX = 64 * 1024;

/**
 * A request body read as a stream of JSON values while it arrives, as grpc-gateway's json.Decoder
 * reads a streaming call's body: `push` the bytes as they come, take values with `next`.
 *
 * A value is parsed once its end has arrived (a scan of each new piece keeps the bracket depth
 * and whether it is inside a string; a number ends at the first byte that cannot continue it), so
 * a value that comes in many pieces is parsed once, not once per piece. A syntax error inside an
 * unfinished value is therefore reported when it ends or the body does, where Go reports it as
 * soon as the bad byte arrives; the message is the same.
 */
export class GoJsonStream {
  private buffer: Uint8Array = new Uint8Array(0);
  private length = 0;
  /** The first byte not yet consumed by a value. */
  private start = 0;
  /** Bytes from `start` the bracket scan has seen, and what it found. */
  private scanned = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;

  /** Bytes received but not yet consumed: at most one unfinished value and whitespace. */
  get bufferedBytes(): number {
    return this.length - this.start;
  }

  /** Appends bytes (copied: uWS neuters its chunks after the callback). */
  push(bytes: Uint8Array): void {
    if (this.start > 0 && this.start === this.length) {
      this.start = this.length = this.scanned = 0;
      // A large request came and went: its buffer need not stay with the connection.
      if (this.buffer.length > KEPT_BUFFER_BYTES_MAX) this.buffer = new Uint8Array(0);
    }
    if (this.length + bytes.length > this.buffer.length) {
      const kept = this.length - this.start;
      const grown = new Uint8Array(Math.max(2 * (kept + bytes.length), 1024));
      grown.set(this.buffer.subarray(this.start, this.length));
      this.buffer = grown;
      this.length = kept;
      this.start = 0;
    }
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /**
   * The next value; 'more' when it has not fully arrived; 'end' when the body ended with nothing
   * but whitespace left (Go's io.EOF). Throws GoJsonSyntaxError as Go's decoder fails (a body that
   * ends inside a value: "unexpected EOF").
   */
  next(ended: boolean): GoJsonValue | 'more' | 'end' {
    while (this.start < this.length && isSpace(this.buffer[this.start])) this.start++;
    if (this.start === this.length) return ended ? 'end' : 'more';
    const first = this.buffer[this.start]!;
    let end = this.length;
    if (first === OPEN_BRACE || first === OPEN_BRACKET || first === QUOTE) {
      const closed = this.scanForClose();
      if (closed === undefined && !ended) return 'more';
      end = closed ?? this.length;
    } else if ((first === 0x2d || isDigit(first)) && !ended && !this.scanForNumberEnd()) {
      return 'more';
    }
    // A copy: the value's raw views must outlive the buffer, which later pushes reuse.
    const parser = new Parser(this.buffer.slice(this.start, end));
    let value: GoJsonValue;
    try {
      value = parser.value();
    } catch (error) {
      if (!(error instanceof EndOfInput)) throw error;
      if (!ended) return 'more';
      throw new GoJsonSyntaxError('unexpected EOF');
    }
    this.start += parser.position;
    this.scanned = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    return value;
  }

  /**
   * Scans the bytes not yet scanned; returns the end (exclusive) of the value once it is closed.
   * Inside strings it jumps from quote to quote (and backslash) with indexOf, so a large base64
   * string costs a memchr, not a loop over its bytes. A backslash is looked for only up to the
   * next quote, and each position found is kept until passed: with many small values buffered
   * (a keep-alive body), a search to the end of the buffer per string would make reading them
   * quadratic.
   */
  private scanForClose(): number | undefined {
    const view = this.buffer.subarray(0, this.length);
    let { depth, inString, escaped } = this;
    let closed: number | undefined;
    /** The next quote at or after `index` (view.length: none); the next backslash before it (else = nextQuote). */
    let nextQuote = -1;
    let nextBackslash = -1;
    let index = this.start + this.scanned;
    while (index < view.length) {
      if (inString) {
        if (escaped) {
          escaped = false;
          index++;
          continue;
        }
        if (nextQuote < index) {
          const quote = view.indexOf(QUOTE, index);
          nextQuote = quote === -1 ? view.length : quote;
        }
        if (nextBackslash < index) {
          const backslash = view.subarray(index, nextQuote).indexOf(BACKSLASH);
          nextBackslash = backslash === -1 ? nextQuote : index + backslash;
        }
        if (nextBackslash < nextQuote) {
          escaped = true;
          index = nextBackslash + 1;
        } else if (nextQuote === view.length) {
          index = view.length;
        } else {
          inString = false;
          index = nextQuote + 1;
          // A string that is the whole value ends with its quote.
          if (depth === 0) {
            closed = index;
            break;
          }
        }
        continue;
      }
      const byte = view[index++]!;
      if (byte === QUOTE) inString = true;
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
      else if ((byte === CLOSE_BRACE || byte === CLOSE_BRACKET) && --depth === 0) {
        closed = index;
        break;
      }
    }
    this.scanned = index - this.start;
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    return closed;
  }

  /** True once a byte that cannot continue the number at `start` has arrived. */
  private scanForNumberEnd(): boolean {
    for (let index = this.start + this.scanned; index < this.length; index++) {
      const byte = this.buffer[index]!;
      if (!isDigit(byte) && byte !== 0x2d && byte !== 0x2b && byte !== 0x2e && (byte | 0x20) !== 0x65) return true;
      this.scanned++;
    }
    return false;
  }
}
