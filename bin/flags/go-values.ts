/**
 * Go's value syntax as etcd's flags accept it: strconv.ParseUint/ParseInt with base 0 (0x, 0o,
 * 0b and leading-0 octal prefixes, `_` between digits), strconv.ParseBool, time.ParseDuration.
 * Errors are the texts Go's flag package appends after the colon: "parse error" and
 * "value out of range" for numbers, and time's own messages for durations.
 */

import { goQuote } from '../../engine/wire/go-quote.js';

export { parseGoDuration } from '../../engine/wire/go-duration.js';
export { goQuote };

/** Go's error text for a number that is not a number. */
export const PARSE_ERROR = 'parse error';
/** Go's error text for a number that does not fit its type. */
export const RANGE_ERROR = 'value out of range';

const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

const PREFIX_RADIX: Readonly<Record<string, number>> = { '0x': 16, '0o': 8, '0b': 2 };
const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz';

/** The magnitude of an unsigned Go integer literal, or PARSE_ERROR. */
function parseMagnitude(text: string): bigint | typeof PARSE_ERROR {
  let body = text.toLowerCase();
  let radix = 10;
  const prefix = PREFIX_RADIX[body.slice(0, 2)];
  if (prefix !== undefined) {
    radix = prefix;
    body = body.slice(2);
    // Go allows one underscore right after a base prefix: 0x_ff.
    if (body.startsWith('_')) body = body.slice(1);
  } else if (body.length > 1 && body.startsWith('0')) {
    radix = 8;
    body = body.slice(1);
    if (body.startsWith('_')) body = body.slice(1);
  }
  if (body === '' || body.startsWith('_') || body.endsWith('_') || body.includes('__')) return PARSE_ERROR;
  let value = 0n;
  for (const char of body) {
    if (char === '_') continue;
    const digit = DIGITS.indexOf(char);
    if (digit < 0 || digit >= radix) return PARSE_ERROR;
    value = value * BigInt(radix) + BigInt(digit);
  }
  return value;
}

/** strconv.ParseUint(text, 0, 64): a bigint, or Go's error text. */
export function parseGoUint(text: string): bigint | string {
  const value = parseMagnitude(text);
  if (value === PARSE_ERROR) return PARSE_ERROR;
  return value > UINT64_MAX ? RANGE_ERROR : value;
}

/** strconv.ParseInt(text, 0, 64): a bigint, or Go's error text. */
export function parseGoInt64(text: string): bigint | string {
  const negative = text.startsWith('-');
  const unsigned = text.startsWith('-') || text.startsWith('+') ? text.slice(1) : text;
  const magnitude = parseMagnitude(unsigned);
  if (magnitude === PARSE_ERROR) return PARSE_ERROR;
  const value = negative ? -magnitude : magnitude;
  return value > INT64_MAX || value < INT64_MIN ? RANGE_ERROR : value;
}

const UINT32_MAX = (1n << 32n) - 1n;

/**
 * etcd's Uint32Value (--max-concurrent-streams): strconv.ParseUint(text, 0, 32), whose error
 * reaches the user whole, not cut to its last words as the flag package's own types are.
 */
export function parseGoUint32(text: string): bigint | string {
  const value = parseMagnitude(text);
  if (value === PARSE_ERROR) return `strconv.ParseUint: parsing ${goQuote(text)}: invalid syntax`;
  return value > UINT32_MAX ? `strconv.ParseUint: parsing ${goQuote(text)}: value out of range` : value;
}

const TRUE_TEXTS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_TEXTS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** strconv.ParseBool: a boolean, or Go's error text. */
export function parseGoBool(text: string): boolean | string {
  if (TRUE_TEXTS.has(text)) return true;
  if (FALSE_TEXTS.has(text)) return false;
  return PARSE_ERROR;
}
