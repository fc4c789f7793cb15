import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoBool, parseGoDuration, parseGoInt64, parseGoUint } from '../../bin/flags/go-values.js';

test('uints take Go base-0 literals and stop at 2^64-1', () => {
  assert.equal(parseGoUint('100'), 100n);
  assert.equal(parseGoUint('0x1F'), 31n);
  assert.equal(parseGoUint('0o17'), 15n);
  assert.equal(parseGoUint('017'), 15n);
  assert.equal(parseGoUint('0b101'), 5n);
  assert.equal(parseGoUint('1_000'), 1000n);
  assert.equal(parseGoUint('0x_ff'), 255n);
  assert.equal(parseGoUint('0'), 0n);
  assert.equal(parseGoUint('18446744073709551615'), 18446744073709551615n);
  assert.equal(parseGoUint('18446744073709551616'), 'value out of range');
  for (const bad of ['', '-1', '+1', '1e2', '1.0', '08', '1__0', '1_', '_1', '0x', 'abc', ' 1']) {
    assert.equal(parseGoUint(bad), 'parse error', bad);
  }
});

test('int64s take a sign and stop at the int64 bounds', () => {
  assert.equal(parseGoInt64('-1'), -1n);
  assert.equal(parseGoInt64('+5'), 5n);
  assert.equal(parseGoInt64('-0x10'), -16n);
  assert.equal(parseGoInt64('9223372036854775807'), 9223372036854775807n);
  assert.equal(parseGoInt64('-9223372036854775808'), -9223372036854775808n);
  assert.equal(parseGoInt64('9223372036854775808'), 'value out of range');
  assert.equal(parseGoInt64('--1'), 'parse error');
});

test('bools take exactly the spellings strconv.ParseBool takes', () => {
  for (const yes of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseGoBool(yes), true, yes);
  for (const no of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseGoBool(no), false, no);
  for (const bad of ['', 'maybe', 'yes', 'tRUE']) assert.equal(parseGoBool(bad), 'parse error', bad);
});

test('durations follow time.ParseDuration, errors included', () => {
  assert.equal(parseGoDuration('1h30m'), 5_400e9);
  assert.equal(parseGoDuration('1.5h'), 5_400e9);
  assert.equal(parseGoDuration('.5s'), 0.5e9);
  assert.equal(parseGoDuration('300ms'), 300e6);
  assert.equal(parseGoDuration('2us'), 2000);
  assert.equal(parseGoDuration('2µs'), 2000);
  assert.equal(parseGoDuration('-1m'), -60e9);
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(parseGoDuration('abc'), 'time: invalid duration "abc"');
  assert.equal(parseGoDuration(''), 'time: invalid duration ""');
  assert.equal(parseGoDuration('.s'), 'time: invalid duration ".s"');
  assert.equal(parseGoDuration('1.5'), 'time: missing unit in duration "1.5"');
  assert.equal(parseGoDuration('1h30x'), 'time: unknown unit "x" in duration "1h30x"');
});
