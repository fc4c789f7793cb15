/**
 * Request decoding as etcd 3.4's gateway does it (grpc-gateway v1 with golang/protobuf's jsonpb),
 * driven by a small schema per message. What jsonpb does, and so what we do:
 * - field names: the proto name (range_end) or its lowerCamel JSON name (rangeEnd); when both are
 *   present the lowerCamel one wins and the other is never looked at;
 * - fields are decoded in proto declaration order, then the oneof members, so the first error
 *   reported is the first bad field in that order, not in the document;
 * - unknown fields are ignored (the gateway sets AllowUnknownFields);
 * - null leaves a field unset;
 * - bytes: a standard base64 string (or, as encoding/json allows, an array of numbers 0..255);
 * - int64: a JSON number or a quoted one; the quotes are stripped and the inside re-parsed as JSON,
 *   so "x" fails with a syntax error and "1.5" with "cannot unmarshal number 1.5" (an `exact`
 *   field comes back as a bigint, for a caller that must not round it);
 * - enums: the upstream UPPER_CASE name (raw, not unescaped) or any int32 number, known or not;
 *   a repeated enum is an array of those (null elements are 0), and a bare string in its place
 *   fails as jsonpb's enum path does ("invalid target \"slice\"" when the name is known).
 */
import { decodeGoBase64 } from './go-base64.js';
import { type GoJsonValue, parseGoJsonDocument } from './go-json.js';
import { goQuoteBytes } from '../../../engine/wire/go-quote.js';

/** A decoding failure with jsonpb's message; the gateway answers it with INVALID_ARGUMENT. */
export class JsonpbError extends Error {
  override readonly name = 'JsonpbError';
}

/** How one field's JSON value is read. */
export type FieldKind =
  | { type: 'bytes' }
  | { type: 'int64'; exact?: true }
  | { type: 'uint64' }
  | { type: 'bool' }
  | { type: 'strings' }
  | { type: 'enum'; goType: string; values: Readonly<Record<string, number>> }
  | { type: 'enums'; goType: string; values: Readonly<Record<string, number>> }
  | { type: 'message'; schema: () => MessageSchema }
  | { type: 'repeated'; schema: () => MessageSchema };

/** One proto field: its proto (snake_case) name and kind. */
export interface FieldSpec {
  name: string;
  kind: FieldKind;
}

/** A message's regular fields and oneof members, each in proto declaration order. */
export interface MessageSchema {
  fields: readonly FieldSpec[];
  oneof: readonly FieldSpec[];
}

/** A decoded message: proto field names to values; unset fields are absent. */
export type DecodedMessage = Record<string, unknown>;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INTEGER = /^-?[0-9]+$/;

/** The lowerCamel JSON name protoc derives from a proto field name. */
export function jsonName(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

function typeError(value: GoJsonValue, goType: string): JsonpbError {
  return new JsonpbError(`json: cannot unmarshal ${value.kind} into Go value of type ${goType}`);
}

function numberError(text: string, goType: string): JsonpbError {
  return new JsonpbError(`json: cannot unmarshal number ${text} into Go value of type ${goType}`);
}

/** A JSON number as Go's strconv.ParseInt reads it, within [min, max]. */
function parseBigInteger(text: string, min: bigint, max: bigint, goType: string): bigint {
  if (!INTEGER.test(text)) throw numberError(text, goType);
  const value = BigInt(text);
  if (value < min || value > max) throw numberError(text, goType);
  return value;
}

function parseInteger(text: string, min: bigint, max: bigint, goType: string): number {
  return Number(parseBigInteger(text, min, max, goType));
}

function decodeBytes(value: GoJsonValue): Uint8Array | undefined {
  switch (value.kind) {
    case 'null': return undefined;
    case 'string': return decodeGoBase64(value.bytes);
    case 'array': return Uint8Array.from(value.items, (item) => {
      if (item.kind === 'null') return 0;
      if (item.kind !== 'number') throw typeError(item, 'uint8');
      return parseInteger(item.text, 0n, 255n, 'uint8');
    });
    default: throw typeError(value, '[]uint8');
  }
}

function decodeInt64(value: GoJsonValue): bigint {
  const isQuoted = value.kind === 'string';
  const inner = isQuoted ? parseGoJsonDocument(value.raw.subarray(1, value.raw.length - 1)) : value;
  if (inner.kind === 'null') return 0n;
  if (inner.kind !== 'number') throw typeError(inner, 'int64');
  return parseBigInteger(inner.text, INT64_MIN, INT64_MAX, 'int64');
}

/** uint64 ids: as int64, in [0, 2^64-1]; a value beyond 2^53 comes back rounded (it names no cairn member). */
function decodeUint64(value: GoJsonValue): number {
  const isQuoted = value.kind === 'string';
  const inner = isQuoted ? parseGoJsonDocument(value.raw.subarray(1, value.raw.length - 1)) : value;
  if (inner.kind === 'null') return 0;
  if (inner.kind !== 'number') throw typeError(inner, 'uint64');
  return parseInteger(inner.text, 0n, UINT64_MAX, 'uint64');
}

/** repeated string: jsonpb reads the array as raw messages, then each element as a Go string. */
function decodeStrings(value: GoJsonValue): string[] | undefined {
  if (value.kind === 'null') return undefined;
  if (value.kind !== 'array') throw typeError(value, '[]json.RawMessage');
  return value.items.map((item) => {
    if (item.kind === 'null') return '';
    if (item.kind !== 'string') throw typeError(item, 'string');
    return Buffer.from(item.bytes).toString('utf8');
  });
}

function decodeBool(value: GoJsonValue): boolean {
  if (value.kind === 'null') return false;
  if (value.kind !== 'bool') throw typeError(value, 'bool');
  return value.value;
}

function decodeEnum(value: GoJsonValue, goType: string, values: Readonly<Record<string, number>>): number {
  if (value.kind === 'string') {
    const name = value.raw.subarray(1, value.raw.length - 1);
    const number = values[Buffer.from(name).toString('latin1')];
    if (number === undefined) throw new JsonpbError(`unknown value ${goQuoteBytes(name)} for enum ${goType}`);
    return number;
  }
  if (value.kind === 'null') return 0;
  if (value.kind !== 'number') throw typeError(value, goType);
  return parseInteger(value.text, BigInt(INT32_MIN), BigInt(INT32_MAX), goType);
}

/** repeated enum: jsonpb tries a string as one enum name before it looks at the field's kind. */
function decodeEnums(value: GoJsonValue, goType: string, values: Readonly<Record<string, number>>): number[] | undefined {
  if (value.kind === 'null') return undefined;
  if (value.kind === 'string') {
    decodeEnum(value, goType, values);
    throw new JsonpbError(`invalid target "slice" for enum ${goType}`);
  }
  if (value.kind !== 'array') throw typeError(value, '[]json.RawMessage');
  return value.items.map((item) => decodeEnum(item, goType, values));
}

function decodeField(value: GoJsonValue, kind: FieldKind): unknown {
  switch (kind.type) {
    case 'bytes': return decodeBytes(value);
    case 'int64': {
      const decoded = decodeInt64(value);
      return kind.exact === true ? decoded : Number(decoded);
    }
    case 'uint64': return decodeUint64(value);
    case 'bool': return decodeBool(value);
    case 'strings': return decodeStrings(value);
    case 'enum': return decodeEnum(value, kind.goType, kind.values);
    case 'enums': return decodeEnums(value, kind.goType, kind.values);
    case 'message': return value.kind === 'null' ? undefined : decodeMessage(value, kind.schema());
    case 'repeated': {
      if (value.kind === 'null') return undefined;
      if (value.kind !== 'array') throw typeError(value, '[]json.RawMessage');
      const schema = kind.schema();
      // Go would keep a nil element; an empty message is the closest value our types can hold.
      return value.items.map((item) => (item.kind === 'null' ? {} : decodeMessage(item, schema)));
    }
  }
}

/** Takes a field's value out of the object by proto name or JSON name; the JSON name wins. */
function consume(fields: Map<string, GoJsonValue>, protoName: string): GoJsonValue | undefined {
  const camel = jsonName(protoName);
  const byProtoName = fields.get(protoName);
  const byCamel = fields.get(camel);
  fields.delete(protoName);
  fields.delete(camel);
  return byCamel ?? byProtoName;
}

/**
 * Decodes a message from a parsed JSON value (undefined: an empty body). Throws JsonpbError,
 * GoJsonSyntaxError or Base64Error with the message etcd's gateway gives.
 */
export function decodeMessage(value: GoJsonValue | undefined, schema: MessageSchema): DecodedMessage {
  const message: DecodedMessage = {};
  if (value === undefined || value.kind === 'null') return message;
  if (value.kind !== 'object') throw typeError(value, 'map[string]json.RawMessage');
  const remaining = new Map(value.fields);
  for (const field of schema.fields) {
    const raw = consume(remaining, field.name);
    if (raw === undefined) continue;
    const decoded = decodeField(raw, field.kind);
    if (decoded !== undefined) message[field.name] = decoded;
  }
  // A oneof holds one member: when a body names several, the last decoded stays. (Go's choice is
  // random: jsonpb walks the members in map order.)
  let oneofSet: string | undefined;
  for (const field of schema.oneof) {
    const raw = consume(remaining, field.name);
    if (raw === undefined) continue;
    const decoded = decodeField(raw, field.kind);
    if (decoded === undefined) continue;
    if (oneofSet !== undefined) delete message[oneofSet];
    message[field.name] = decoded;
    oneofSet = field.name;
  }
  return message;
}
