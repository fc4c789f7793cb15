/**
 * The read storm's client process, forked by run-readstorm.ts so that receiving ~55 MB answers
 * never delays the parent's /health probes. Each client has its own gRPC channel (its own TCP
 * connection) to the leader: range clients loop a full-keyspace linearizable Range, answers taken
 * as raw bytes and only counted (range-response-scan.ts); HashKV clients loop HashKV at the
 * current revision and keep the hashes (with no writes during the storm, every answer must agree).
 * A failed call's client waits RETRY_AFTER_ERROR_MS before its next one.
 *
 *   parent -> {type: 'plan', plan}              child -> {type: 'ready'} once every channel is connected
 *   parent -> {type: 'single-range'}            child -> {type: 'single-range-done', call}: one Range alone
 *   parent -> {type: 'storm', durationMs}       child -> {type: 'progress', ranges, hashKvs} ~1/s, then
 *                                               {type: 'result', result} once the calls in flight at the end have finished
 */
import * as grpc from '@grpc/grpc-js';
import { etcdService } from '../../net/grpc/protos.js';
import { serveParent, tellParent } from '../common/child-ipc.js';
import { KEY_PREFIX, KEY_RANGE_END } from './key-loader.js';
import { scanRangeResponse } from './range-response-scan.js';

/** One call of the storm may take this long before it counts as failed: far beyond any healthy answer. */
export const CALL_DEADLINE_MS = 60_000;
const CONNECT_TIMEOUT_MS = 10_000;
const RETRY_AFTER_ERROR_MS = 100;
const PROGRESS_INTERVAL_MS = 1000;

export interface StormPlan {
  /** The leader's gRPC host:port. */
  target: string;
  rangeClients: number;
  hashKvClients: number;
  /** Keys a full range must return. */
  keys: number;
}

export type ParentMessage =
  | { type: 'plan'; plan: StormPlan }
  | { type: 'single-range' }
  | { type: 'storm'; durationMs: number };

/** One Range: how long it took and what came back (kvs -1 when it failed). */
export interface RangeCall {
  latencyMs: number;
  kvs: number;
  bytes: number;
  error: string | null;
}

export interface StormResult {
  rangeLatenciesMs: number[];
  /** Ranges answered with other than every key (should be 0). */
  rangesIncomplete: number;
  rangeBytes: number;
  rangeErrors: number;
  rangeFirstError: string | null;
  hashKvLatenciesMs: number[];
  hashKvErrors: number;
  hashKvFirstError: string | null;
  /** Distinct hash values answered (1 when every HashKV agreed). */
  hashKvDistinctHashes: number;
  /** From the storm's start to its last call's answer. */
  wallSeconds: number;
  /** This process's CPU over that time. */
  cpuSeconds: number;
}

export type StormMessage =
  | { type: 'ready' }
  | { type: 'single-range-done'; call: RangeCall }
  | { type: 'progress'; ranges: number; hashKvs: number }
  | { type: 'result'; result: StormResult }
  | { type: 'failed'; message: string };

const RANGE = etcdService('KV')['Range']!;
const HASH_KV = etcdService('Maintenance')['HashKV']!;
const RANGE_REQUEST = { key: Buffer.from(KEY_PREFIX), range_end: Buffer.from(KEY_RANGE_END) };

async function connect(target: string): Promise<grpc.Client> {
  const client = new grpc.Client(target, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
    // A full-keyspace answer is tens of MB; grpc-js refuses more than 4 MB by default.
    'grpc.max_receive_message_length': -1,
  });
  await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + CONNECT_TIMEOUT_MS,
    (error) => (error ? reject(new Error(`cannot connect to ${target}: ${error.message}`)) : resolve())));
  return client;
}

function range(client: grpc.Client, keys: number): Promise<RangeCall> {
  const startMs = performance.now();
  return new Promise((resolve) => {
    client.makeUnaryRequest(RANGE.path, RANGE.requestSerialize as (r: object) => Buffer, (bytes: Buffer) => bytes, RANGE_REQUEST,
      { deadline: Date.now() + CALL_DEADLINE_MS }, (error, bytes) => {
        const latencyMs = performance.now() - startMs;
        if (error !== null || bytes === undefined) {
          resolve({ latencyMs, kvs: -1, bytes: 0, error: error?.details || error?.message || 'no answer' });
          return;
        }
        const { kvs } = scanRangeResponse(bytes);
        resolve({ latencyMs, kvs, bytes: bytes.length, error: kvs === keys ? null : `range answered ${kvs} keys of ${keys}` });
      });
  });
}

function hashKv(client: grpc.Client): Promise<{ latencyMs: number; hash: number | null; error: string | null }> {
  const startMs = performance.now();
  return new Promise((resolve) => {
    client.makeUnaryRequest(HASH_KV.path, HASH_KV.requestSerialize as (r: object) => Buffer,
      HASH_KV.responseDeserialize as (bytes: Buffer) => { hash: number }, { revision: '0' }, { deadline: Date.now() + CALL_DEADLINE_MS },
      (error, response) => {
        const latencyMs = performance.now() - startMs;
        if (error !== null || response === undefined) resolve({ latencyMs, hash: null, error: error?.details || error?.message || 'no answer' });
        else resolve({ latencyMs, hash: response.hash, error: null });
      });
  });
}

const tell = (message: StormMessage): void => tellParent(message);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class StormProcess {
  private plan: StormPlan | null = null;
  private rangeClients: grpc.Client[] = [];
  private hashKvClients: grpc.Client[] = [];

  async handle(message: ParentMessage): Promise<void> {
    switch (message.type) {
      case 'plan': {
        const plan = this.plan = message.plan;
        // At least one range channel: the single range runs on it even with --range-clients 0.
        this.rangeClients = await Promise.all(Array.from({ length: Math.max(1, plan.rangeClients) }, () => connect(plan.target)));
        this.hashKvClients = await Promise.all(Array.from({ length: plan.hashKvClients }, () => connect(plan.target)));
        tell({ type: 'ready' });
        return;
      }
      case 'single-range':
        tell({ type: 'single-range-done', call: await range(this.rangeClients[0]!, this.plan!.keys) });
        return;
      case 'storm':
        tell({ type: 'result', result: await this.storm(message.durationMs) });
        return;
    }
  }

  close(): void {
    for (const client of [...this.rangeClients, ...this.hashKvClients]) client.close();
  }

  private async storm(durationMs: number): Promise<StormResult> {
    const plan = this.plan!;
    const result: StormResult = {
      rangeLatenciesMs: [], rangesIncomplete: 0, rangeBytes: 0, rangeErrors: 0, rangeFirstError: null,
      hashKvLatenciesMs: [], hashKvErrors: 0, hashKvFirstError: null, hashKvDistinctHashes: 0, wallSeconds: 0, cpuSeconds: 0,
    };
    const hashes = new Set<number>();
    const startMs = performance.now();
    const cpuAtStart = process.cpuUsage();
    const endMs = startMs + durationMs;
    const progress = setInterval(() => tell({ type: 'progress', ranges: result.rangeLatenciesMs.length, hashKvs: result.hashKvLatenciesMs.length }),
      PROGRESS_INTERVAL_MS);
    const rangeLoop = async (client: grpc.Client): Promise<void> => {
      while (performance.now() < endMs) {
        const call = await range(client, plan.keys);
        if (call.kvs >= 0) {
          result.rangeLatenciesMs.push(call.latencyMs);
          result.rangeBytes += call.bytes;
          if (call.error !== null) result.rangesIncomplete++;
        } else {
          result.rangeErrors++;
        }
        if (call.error !== null) {
          result.rangeFirstError ??= call.error;
          await sleep(RETRY_AFTER_ERROR_MS);
        }
      }
    };
    const hashKvLoop = async (client: grpc.Client): Promise<void> => {
      while (performance.now() < endMs) {
        const call = await hashKv(client);
        if (call.hash === null) {
          result.hashKvErrors++;
          result.hashKvFirstError ??= call.error;
          await sleep(RETRY_AFTER_ERROR_MS);
        } else {
          result.hashKvLatenciesMs.push(call.latencyMs);
          hashes.add(call.hash);
        }
      }
    };
    await Promise.all([...this.rangeClients.slice(0, plan.rangeClients).map(rangeLoop), ...this.hashKvClients.map(hashKvLoop)]);
    clearInterval(progress);
    const cpu = process.cpuUsage(cpuAtStart);
    return { ...result, hashKvDistinctHashes: hashes.size, wallSeconds: (performance.now() - startMs) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  }
}

const storm = new StormProcess();
serveParent<ParentMessage>((message) => storm.handle(message), () => storm.close());
