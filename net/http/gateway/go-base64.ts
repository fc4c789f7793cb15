/**
 * Base64 as etcd's gateway reads bytes fields: Go's base64.StdEncoding (encoding/json's choice for
 * []byte). Only the standard alphabet; padding required; CR and LF skipped anywhere; non-zero
 * trailing bits accepted (the encoding is not Strict). The URL-safe alphabet is refused: real
 * etcd 3.4 answers "_-8=" with "illegal base64 data at input byte 0". A failure names the byte
 * offset Go's decoder reports, because the gateway sends that text to the client.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const PAD = 0x3d;
const CR = 0x0d;
const LF = 0x0a;
const SEXTET_BY_BYTE: Int8Array = (() => {
  const table = new Int8Array(256).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/** Go's base64.CorruptInputError. */
export class Base64Error extends Error {
  override readonly name = 'Base64Error';

  constructor(readonly offset: number) {
    super(`illegal base64 data at input byte ${offset}`);
  }
}

/**
 * Decodes one quantum (up to four sextets) from `index`, appending its bytes to `out`; returns the
 * index after it. Mirrors the order of Go's checks so the reported offset is the same.
 */
function decodeQuantum(input: Uint8Array, index: number, out: number[]): number {
  const sextets = [0, 0, 0, 0];
  let count = 0;
  let position = index;
  while (count < 4) {
    if (position === input.length) {
      if (count === 0) return position;
      // Unpadded input ends here: Go reports where this quantum's sextets began.
      throw new Base64Error(position - count);
    }
    const byte = input[position++]!;
    const sextet = SEXTET_BY_BYTE[byte]!;
    if (sextet >= 0) {
      sextets[count++] = sextet;
      continue;
    }
    if (byte === LF || byte === CR) continue;
    if (byte !== PAD || count < 2) throw new Base64Error(position - 1);
    if (count === 2) {
      while (input[position] === LF || input[position] === CR) position++;
      if (position === input.length) throw new Base64Error(input.length);
      if (input[position] !== PAD) throw new Base64Error(position - 1);
      position++;
    }
    while (input[position] === LF || input[position] === CR) position++;
    if (position < input.length) throw new Base64Error(position);
    break;
  }
  const bits = (sextets[0]! << 18) | (sextets[1]! << 12) | (sextets[2]! << 6) | sextets[3]!;
  out.push((bits >> 16) & 0xff);
  if (count >= 3) out.push((bits >> 8) & 0xff);
  if (count === 4) out.push(bits & 0xff);
  return position;
}

/** Canonical standard base64: whole quanta of the alphabet, padding only at the end. */
const CANONICAL = /^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes standard, padded base64 (the bytes of a JSON string) or throws Go's error. */
export function decodeGoBase64(input: Uint8Array): Uint8Array {
  // The common case, canonical input, decodes natively (Node, like Go here, ignores trailing bits);
  // anything else takes the quantum-by-quantum path that reproduces Go's checks and offsets.
  if (input.length % 4 === 0) {
    const text = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
    if (CANONICAL.test(text)) return new Uint8Array(Buffer.from(text, 'base64'));
  }
  const out: number[] = [];
  let position = 0;
  while (position < input.length) position = decodeQuantum(input, position, out);
  return Uint8Array.from(out);
}
