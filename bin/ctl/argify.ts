/**
 * etcdctl's argify: how `watch -i` splits an input line into words. Bare words, "double-quoted
 * strings" (read with Go's %q, escapes included) and 'single-quoted strings'. etcdctl 3.4 strips
 * a single-quoted word as `word[1 : len(words)-1]`, with the number of words where the word's
 * length belongs; cairnctl keeps that slicing, and the panic it ends in when out of bounds.
 */
import { CtlError, EXIT_INVALID_INPUT, GoPanic } from './exit.js';
import { readGoQuoted } from './go-format.js';

/**
 * argify's pattern with Go's classes spelled out: RE2's \s is [\t\n\f\r ] and its `.` is any
 * character but a newline (JavaScript's differ on Unicode spaces and line separators).
 */
const WORD = /"(?:[^"\\]|\\[^\n])*"|'[^']*'|[^'"\t\n\f\r ][^\t\n\f\r ]*[^'"\t\n\f\r ]?/g;

/** Go's `text[low:high]` on the bytes of `text`, panicking as Go does when out of bounds. */
function goSlice(text: string, low: number, high: number): string {
  const bytes = Buffer.from(text);
  if (high > bytes.length) throw new GoPanic(`runtime error: slice bounds out of range [:${high}] with length ${bytes.length}`);
  if (low > high) throw new GoPanic(`runtime error: slice bounds out of range [${low}:${high}]`);
  return bytes.subarray(low, high).toString();
}

/** The words of one input line, as etcdctl's argify returns them. */
export function argify(line: string): string[] {
  const words = line.match(WORD) ?? [];
  return words.map((word) => {
    if (word.startsWith("'")) return goSlice(word, 1, words.length - 1);
    if (!word.startsWith('"')) return word;
    const quoted = readGoQuoted(word);
    if (quoted === undefined) throw new CtlError(EXIT_INVALID_INPUT, 'invalid syntax');
    return quoted.value.toString();
  });
}
