import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../bin/flags/parse-args.js';

function valuesOf(argv: string[]): Map<string, unknown> {
  const result = parseArgs(argv);
  assert.equal(result.kind, 'values', JSON.stringify(result));
  if (result.kind !== 'values') throw new Error('unreachable');
  return result.values;
}

test('one or two dashes, with = or a separate argument, all set the flag', () => {
  for (const argv of [['-name', 'a'], ['--name', 'a'], ['-name=a'], ['--name=a']]) {
    assert.equal(valuesOf(argv).get('name'), 'a', argv.join(' '));
  }
});

test('a value may itself start with a dash or contain =', () => {
  assert.equal(valuesOf(['--name', '-x']).get('name'), '-x');
  assert.equal(valuesOf(['--initial-cluster=a=http://h:1']).get('initial-cluster'), 'a=http://h:1');
  assert.equal(valuesOf(['--name=']).get('name'), '');
});

test('a bool flag alone means true and takes its value only after =', () => {
  assert.equal(valuesOf(['--auto-tls']).get('auto-tls'), true);
  assert.equal(valuesOf(['--auto-tls=false']).get('auto-tls'), false);
  const result = parseArgs(['--auto-tls', 'false']);
  assert.deepEqual(result, { kind: 'values', values: new Map([['auto-tls', true]]), rest: ['false'] });
});

test('the last of a repeated flag wins', () => {
  assert.equal(valuesOf(['--name', 'a', '--name', 'b']).get('name'), 'b');
});

test('-- and the first non-flag argument end the flags', () => {
  assert.deepEqual(parseArgs(['--name', 'a', '--', '--name', 'b']), { kind: 'values', values: new Map([['name', 'a']]), rest: ['--name', 'b'] });
  assert.deepEqual(parseArgs(['--name', 'a', 'x', '--name', 'b']), { kind: 'values', values: new Map([['name', 'a']]), rest: ['x', '--name', 'b'] });
  assert.deepEqual(parseArgs(['--']), { kind: 'values', values: new Map(), rest: [] });
});

test('help stops parsing wherever it appears before an error', () => {
  assert.deepEqual(parseArgs(['--name', 'a', '-h', '--foo']), { kind: 'help' });
  assert.deepEqual(parseArgs(['--foo', '-h']), { kind: 'error', message: 'flag provided but not defined: -foo' });
});

test('bad syntax, as Go names it', () => {
  for (const arg of ['---x', '-=x', '--=x']) {
    assert.deepEqual(parseArgs([arg]), { kind: 'error', message: `bad flag syntax: ${arg}` });
  }
});
