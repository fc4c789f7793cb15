/**
 * Runs every transcript in tests/raft/transcripts/ (read from the source tree) and compares the
 * trace with the golden output. REWRITE=1 regenerates the files; review the diff before keeping it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runTranscript } from './transcript/transcript-file.js';

const TRANSCRIPTS_DIR = fileURLToPath(new URL('../../../tests/raft/transcripts/', import.meta.url));
const files = readdirSync(TRANSCRIPTS_DIR).filter((f) => f.endsWith('.txt')).sort();

test('the transcript directory holds transcripts', () => {
  assert.ok(files.length > 0, `no transcripts in ${TRANSCRIPTS_DIR}`);
});

for (const file of files) {
  test(`transcript ${file}`, () => {
    const path = TRANSCRIPTS_DIR + file;
    const expected = readFileSync(path, 'utf8');
    const actual = runTranscript(expected);
    if (process.env['REWRITE'] === '1') {
      writeFileSync(path, actual);
      return;
    }
    assert.equal(actual, expected);
  });
}
