import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FLAG_TABLE, HELP_GROUPS } from '../../bin/flags/flag-table.js';
import { helpText } from '../../bin/flags/help.js';

test('help lists every flag once, with its default, over a one-line description', () => {
  const lines = helpText().split('\n');
  for (const spec of FLAG_TABLE) {
    const line = `  --${spec.name} '${spec.helpDefault ?? spec.defaultValue}'`;
    const at = lines.indexOf(line);
    assert.ok(at >= 0, `--${spec.name} is listed`);
    assert.equal(lines.lastIndexOf(line), at, `--${spec.name} is listed once`);
    assert.equal(lines[at + 1], `    ${spec.description}`);
  }
});

test('help shows etcd\'s defaults where cairn keeps them and cairn\'s where it differs', () => {
  const text = helpText();
  for (const line of ["--heartbeat-interval '100'", "--election-timeout '1000'", "--snapshot-count '100000'",
    "--max-request-bytes '1572864'", "--initial-cluster 'default=http://localhost:2380'",
    "--data-dir '${name}.cairn'", "--listen-client-http-urls ''"]) {
    assert.ok(text.includes(`  ${line}\n`), line);
  }
});

test('help groups flags under etcd\'s section titles, in order', () => {
  const text = helpText();
  const positions = HELP_GROUPS.map((group) => text.indexOf(`\n${group}:\n`));
  assert.ok(positions.every((position) => position > 0));
  assert.deepEqual([...positions].sort((a, b) => a - b), positions);
  assert.ok(text.startsWith('Usage:\n'));
});

test('flag names are unique and every description is one line', () => {
  assert.equal(new Set(FLAG_TABLE.map((spec) => spec.name)).size, FLAG_TABLE.length);
  for (const spec of FLAG_TABLE) assert.ok(spec.description.length > 0 && !spec.description.includes('\n'), spec.name);
});
