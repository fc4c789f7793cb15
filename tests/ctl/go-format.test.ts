/**
 * The Go formats cairnctl reproduces, checked against values Go itself prints (time.Duration's
 * String, go-humanize's Bytes, strconv's errors, fmt's %q reading) where the side-by-side tests
 * cannot compare them (durations differ from run to run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatGoDuration, goQuote, goQuoteBytes, humanizeBytes, parseGoDurationMs, parseGoInt, readGoQuoted,
} from '../../bin/ctl/go-format.js';

test('durations print as Go prints them', () => {
  const cases: [number, string][] = [
    [0, '0s'], [999, '999ns'], [1500, '1.5µs'], [2_474_392, '2.474392ms'], [2_000_000, '2ms'],
    [1_001_034_463, '1.001034463s'], [5e9, '5s'], [90e9, '1m30s'], [3600e9, '1h0m0s'], [3_723_500_000_000, '1h2m3.5s'],
  ];
  for (const [ns, text] of cases) assert.equal(formatGoDuration(ns), text, String(ns));
});

test('durations parse as Go parses them, with Go\'s errors', () => {
  assert.equal(parseGoDurationMs('5s'), 5000);
  assert.equal(parseGoDurationMs('1m30s'), 90_000);
  assert.equal(parseGoDurationMs('1.5s'), 1500);
  assert.equal(parseGoDurationMs('250ms'), 250);
  assert.equal(parseGoDurationMs('0'), 0);
  assert.throws(() => parseGoDurationMs('5'), { message: 'time: missing unit in duration "5"' });
  assert.throws(() => parseGoDurationMs('x'), { message: 'time: invalid duration "x"' });
  assert.throws(() => parseGoDurationMs('2y'), { message: 'time: unknown unit "y" in duration "2y"' });
});

test('sizes print as go-humanize prints them', () => {
  const cases: [number, string][] = [[0, '0 B'], [9, '9 B'], [10, '10 B'], [999, '999 B'], [1000, '1.0 kB'],
    [69_632, '70 kB'], [1_500_000, '1.5 MB'], [2_147_483_648, '2.1 GB']];
  for (const [size, text] of cases) assert.equal(humanizeBytes(size), text, String(size));
});

test('integers parse as strconv.ParseInt parses them, with its errors', () => {
  assert.equal(parseGoInt('-12', 10), -12n);
  assert.equal(parseGoInt('1234abc', 16), 0x1234abcn);
  assert.equal(parseGoInt('9223372036854775807', 10), 2n ** 63n - 1n);
  assert.throws(() => parseGoInt('9223372036854775808', 10),
    { message: 'strconv.ParseInt: parsing "9223372036854775808": value out of range' });
  assert.throws(() => parseGoInt('zz', 16), { message: 'strconv.ParseInt: parsing "zz": invalid syntax' });
  assert.throws(() => parseGoInt('0x10', 16), { message: 'strconv.ParseInt: parsing "0x10": invalid syntax' });
});

test('quoted strings read and write with Go\'s escapes', () => {
  assert.deepEqual(readGoQuoted('"a\\tb\\x41\\u00e9\\101" rest'), { value: Buffer.from('a\tbA\u00e9A'), rest: ' rest' });
  assert.deepEqual(readGoQuoted('`raw \\n` x'), { value: Buffer.from('raw \\n'), rest: ' x' });
  assert.equal(readGoQuoted('"unterminated'), undefined);
  assert.equal(readGoQuoted('"bad \\q"'), undefined);
  assert.equal(goQuote('a"b\\c\n\x01é'), '"a\\"b\\\\c\\n\\x01é"');
  assert.equal(goQuoteBytes(Buffer.from([0x76, 0xff, 0xc3, 0xe2, 0x80, 0xa8, 0xef, 0xbf, 0xbd])), '"v\\xff\\xc3\\u2028\ufffd"');
});
