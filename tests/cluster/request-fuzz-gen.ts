/**
 * Seeded random etcd requests for the request fuzzer (request-fuzz.test.ts): Put, Range,
 * DeleteRange, Txn (with compares, nested txns), Compact, and lease grant/revoke/time-to-live, as
 * gRPC request objects (@grpc/proto-loader's shape: bytes as Buffers, int64 as strings). Key and
 * value lengths sit at and around every limit: 0, 1, LMDB's 1,978-byte key limit (which etcd does
 * not have), 32 KiB, just under and over --max-request-bytes (1.5 MiB), and over gRPC's receive
 * limit (2 MiB). Keys are often reused, so requests hit what earlier ones wrote.
 */
export { seededRandom } from '../seeded-random.js';

/** One request and the gRPC method that takes it. */
export interface FuzzRequest {
  service: 'KV' | 'Lease';
  method: 'Put' | 'Range' | 'DeleteRange' | 'Txn' | 'Compact' | 'LeaseGrant' | 'LeaseRevoke' | 'LeaseTimeToLive';
  request: Record<string, unknown>;
}

const MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
const GRPC_RECEIVE_BYTES = MAX_REQUEST_BYTES + 512 * 1024;
/** Lengths at and around every limit, with ordinary ones weighted in. */
const KEY_LENGTHS = [0, 1, 1, 8, 8, 8, 16, 1970, 1971, 1975, 1978, 1979, 1980, 32 * 1024, MAX_REQUEST_BYTES - 64, MAX_REQUEST_BYTES + 1, GRPC_RECEIVE_BYTES + 1];
const VALUE_LENGTHS = [0, 0, 1, 8, 256, 256, 1978, 32 * 1024, MAX_REQUEST_BYTES - 2100, MAX_REQUEST_BYTES + 1];
/** Lease ids the fuzzer grants and attaches: a few, so puts and revokes meet them. */
const LEASE_IDS = ['101', '102', '103', '-7'];

export class RequestFuzzer {
  private readonly keys: Buffer[] = [];
  /** The newest revision a response reported: compactions and ranges aim at or below it. */
  revision = 1;

  constructor(private readonly random: () => number) {}

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private chance(p: number): boolean {
    return this.random() < p;
  }

  /** A key: often one written before, else a new one of a length from KEY_LENGTHS. */
  private key(): Buffer {
    if (this.keys.length > 0 && this.chance(0.5)) return this.pick(this.keys);
    const length = this.pick(KEY_LENGTHS);
    // A short distinct head, then filler: keys of one length differ early, so ranges cross them.
    const head = Buffer.from(`f${Math.floor(this.random() * 64).toString(16)}/`);
    const key = Buffer.alloc(length, 'k');
    head.copy(key, 0, 0, Math.min(head.length, length));
    if (length > 0 && length < 64 * 1024) this.keys.push(key);
    return key;
  }

  private value(): Buffer {
    return Buffer.alloc(this.pick(VALUE_LENGTHS), 'v');
  }

  /**
   * A range end: none (one key), a prefix end, "\0" (everything after), or an inverted one. None
   * is left out of the request, as Go's clients leave it: etcd 3.4 reads a range_end that is sent
   * but empty as "\0" (gogo-protobuf decodes it as a non-nil empty slice), cairn as no range_end.
   */
  private rangeEnd(key: Buffer): Buffer | undefined {
    const roll = this.random();
    if (roll < 0.4) return undefined;
    if (roll < 0.6) return Buffer.from([0]);
    if (roll < 0.9) return Buffer.concat([key.subarray(0, Math.min(key.length, 3)), Buffer.from([0xff])]);
    return Buffer.from('a');
  }

  private put(): Record<string, unknown> {
    const request: Record<string, unknown> = { key: this.key(), value: this.value() };
    if (this.chance(0.3)) request.lease = this.pick(LEASE_IDS);
    if (this.chance(0.3)) request.prev_kv = true;
    if (this.chance(0.08)) { request.ignore_value = true; request.value = Buffer.alloc(0); }
    if (this.chance(0.08)) { request.ignore_lease = true; delete request.lease; }
    return request;
  }

  private range(): Record<string, unknown> {
    const key = this.key();
    const request: Record<string, unknown> = { key };
    const rangeEnd = this.rangeEnd(key);
    if (rangeEnd !== undefined) request.range_end = rangeEnd;
    if (this.chance(0.3)) request.limit = String(Math.floor(this.random() * 5));
    if (this.chance(0.2)) request.revision = String(Math.max(0, this.revision - Math.floor(this.random() * 20)));
    if (this.chance(0.2)) { request.sort_order = Math.floor(this.random() * 3); request.sort_target = Math.floor(this.random() * 5); }
    if (this.chance(0.2)) request.keys_only = true;
    if (this.chance(0.1)) request.count_only = true;
    if (this.chance(0.1)) request.min_mod_revision = String(Math.floor(this.random() * this.revision));
    return request;
  }

  private deleteRange(): Record<string, unknown> {
    const key = this.key();
    const request: Record<string, unknown> = { key, prev_kv: this.chance(0.5) };
    const rangeEnd = this.rangeEnd(key);
    if (rangeEnd !== undefined) request.range_end = rangeEnd;
    return request;
  }

  private compare(): Record<string, unknown> {
    const target = Math.floor(this.random() * 5);
    const compare: Record<string, unknown> = { key: this.key(), target, result: Math.floor(this.random() * 4) };
    if (target === 0) compare.version = String(Math.floor(this.random() * 3));
    else if (target === 1) compare.create_revision = String(Math.floor(this.random() * this.revision));
    else if (target === 2) compare.mod_revision = String(Math.floor(this.random() * this.revision));
    else if (target === 3) compare.value = this.chance(0.5) ? Buffer.alloc(0) : this.value();
    else compare.lease = this.pick(LEASE_IDS);
    if (this.chance(0.15)) compare.range_end = Buffer.from([0]);
    return compare;
  }

  private ops(depth: number): Record<string, unknown>[] {
    return Array.from({ length: Math.floor(this.random() * 4) }, () => {
      const roll = this.random();
      if (roll < 0.4) return { request_put: this.put() };
      if (roll < 0.65) return { request_range: this.range() };
      if (roll < 0.85) return { request_delete_range: this.deleteRange() };
      return depth < 2 ? { request_txn: this.txn(depth + 1) } : { request_range: this.range() };
    });
  }

  private txn(depth = 0): Record<string, unknown> {
    return {
      compare: Array.from({ length: Math.floor(this.random() * 3) }, () => this.compare()),
      success: this.ops(depth),
      failure: this.ops(depth),
    };
  }

  /** The next request. */
  next(): FuzzRequest {
    const roll = this.random();
    if (roll < 0.3) return { service: 'KV', method: 'Put', request: this.put() };
    if (roll < 0.45) return { service: 'KV', method: 'Range', request: this.range() };
    if (roll < 0.55) return { service: 'KV', method: 'DeleteRange', request: this.deleteRange() };
    if (roll < 0.75) return { service: 'KV', method: 'Txn', request: this.txn() };
    if (roll < 0.78) return { service: 'KV', method: 'Compact', request: { revision: String(Math.floor(this.random() * this.revision)) } };
    if (roll < 0.88) return { service: 'Lease', method: 'LeaseGrant', request: { ID: this.pick(LEASE_IDS), TTL: String(300 + Math.floor(this.random() * 300)) } };
    if (roll < 0.94) return { service: 'Lease', method: 'LeaseRevoke', request: { ID: this.pick(LEASE_IDS) } };
    return { service: 'Lease', method: 'LeaseTimeToLive', request: { ID: this.pick(LEASE_IDS), keys: this.chance(0.5) } };
  }
}
