/**
 * HPACK's Huffman code (RFC 7541, Appendix B), decoding only: gRPC clients send most header values
 * Huffman-coded, and the authority gate (authority-gate.ts) must read them.
 *
 * The code is canonical (codes of one length are consecutive, in symbol order, and each length
 * continues where the shorter one ended), so the 257 code lengths define it entirely; the codes
 * are rebuilt from them at load, and decoding walks lengths with the first code of each.
 */

/** Code length in bits of symbols 0..255 and EOS (256), one base-36 digit each. */
const CODE_LENGTHS =
  'dnsssssssoussussssssssusssssssss6aacd68baa8b8666555666666678f6cad67777777777777777777777878djde6f' +
  '56565666577666567655677777fbedskmkkmmmnmnnnnnonoomnonnnnlmnmnnomlkmmnnlnmmolmnnllmlnmnnkmmmnmmnqq' +
  'kjmnmpqqqrrqopjlqrrqrollqqsrrrkoklmllnmmppooqnqrqqrrrrrsrrrrrqu';

const EOS = 256;
const LENGTH_MAX = 30;

/** Symbols in code order, and for each length its first code and where its symbols start. */
const { symbolsInCodeOrder, firstCode, firstIndex, countOfLength } = buildCanonicalCode();

function buildCanonicalCode(): { symbolsInCodeOrder: number[]; firstCode: number[]; firstIndex: number[]; countOfLength: number[] } {
  const lengths = [...CODE_LENGTHS].map((digit) => parseInt(digit, 36));
  if (lengths.length !== EOS + 1) throw new Error('hpack-huffman: the code length table must have 257 entries');
  const symbolsInCodeOrder = [...lengths.keys()].sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const countOfLength = new Array<number>(LENGTH_MAX + 1).fill(0);
  for (const length of lengths) countOfLength[length]!++;
  const firstCode = new Array<number>(LENGTH_MAX + 1).fill(0);
  const firstIndex = new Array<number>(LENGTH_MAX + 1).fill(0);
  let code = 0;
  let index = 0;
  for (let length = 1; length <= LENGTH_MAX; length++) {
    firstCode[length] = code;
    firstIndex[length] = index;
    code = (code + countOfLength[length]!) * 2;
    index += countOfLength[length]!;
  }
  return { symbolsInCodeOrder, firstCode, firstIndex, countOfLength };
}

/** A Huffman-coded string that RFC 7541 (5.2) says to treat as a decoding error. */
export class HuffmanDecodingError extends Error {}

/** Decodes a Huffman-coded string's bytes. */
export function decodeHuffman(input: Uint8Array): Buffer {
  const output: number[] = [];
  let code = 0;
  let length = 0;
  /** Whether every bit of the current, unfinished code is 1 (the only padding allowed). */
  let allOnes = true;
  for (const byte of input) {
    for (let bit = 7; bit >= 0; bit--) {
      const value = (byte >> bit) & 1;
      code = code * 2 + value;
      length++;
      allOnes &&= value === 1;
      if (length > LENGTH_MAX) throw new HuffmanDecodingError('hpack: Huffman code longer than 30 bits');
      const offset = code - firstCode[length]!;
      if (offset < 0 || offset >= countOfLength[length]!) continue;
      const symbol = symbolsInCodeOrder[firstIndex[length]! + offset]!;
      if (symbol === EOS) throw new HuffmanDecodingError('hpack: EOS in a Huffman-coded string');
      output.push(symbol);
      code = 0;
      length = 0;
      allOnes = true;
    }
  }
  // What is left must be a prefix of EOS (all ones), shorter than a byte.
  if (length > 7 || !allOnes) throw new HuffmanDecodingError('hpack: invalid Huffman padding');
  return Buffer.from(output);
}
