/**
 * Transcript files: blocks of
 *
 *     # optional comment lines
 *     command line
 *     ----
 *     expected output (no blank lines; "ok" when a command prints nothing)
 *     <blank line>
 *
 * runTranscript executes each command on one Harness and returns the file as it should read with
 * the actual output, so a test compares it with the file and REWRITE=1 writes it back.
 */
import { Harness } from './harness.js';

export const OUTPUT_SEPARATOR = '----';

interface Block {
  comments: string[];
  command: string;
}

function parseBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const comments: string[] = [];
    while (i < lines.length && (lines[i]!.startsWith('#') || lines[i]!.trim() === '')) {
      if (lines[i]!.startsWith('#')) comments.push(lines[i]!);
      i++;
    }
    if (i >= lines.length) break;
    const command = lines[i++]!;
    if (lines[i] !== OUTPUT_SEPARATOR) throw new Error(`line ${i + 1}: expected ${OUTPUT_SEPARATOR} after "${command}"`);
    i++;
    while (i < lines.length && lines[i]!.trim() !== '') i++;
    blocks.push({ comments, command });
  }
  return blocks;
}

/** Runs every command of a transcript and returns the file text with the actual outputs. */
export function runTranscript(text: string): string {
  const harness = new Harness();
  const parts: string[] = [];
  for (const block of parseBlocks(text)) {
    const output = harness.run(block.command);
    parts.push([...block.comments, block.command, OUTPUT_SEPARATOR, ...(output.length > 0 ? output : ['ok'])].join('\n'));
  }
  return parts.join('\n\n') + '\n';
}
