/**
 * The fan-out benchmark's writer: a closed loop of `inFlight` gRPC Puts to ONE key, on one
 * connection to one member. Unlike the load generator (bench/load), it needs each answer's
 * revision and the times it was sent and acknowledged, which it hands to `onAck` so the watcher
 * processes can measure each event's lag.
 */
import * as grpc from '@grpc/grpc-js';
import { etcdClient } from '../../net/grpc/protos.js';
import { nowEpochMs } from '../common/cluster-session.js';
import { createLatencyHistogram, recordLatencyMs, summarize, type LatencySummary } from '../load/latency.js';

type PutCallback = (error: grpc.ServiceError | null, response?: { header?: { revision?: string } }) => void;
type KvClient = grpc.Client & { Put(request: object, callback: PutCallback): void };

const CONNECT_TIMEOUT_MS = 10_000;
/** A failed put's slot waits this long before sending again. */
const RETRY_AFTER_ERROR_MS = 10;

export interface WriterResult {
  /** Puts acknowledged over the whole run, and those sent inside the window. */
  putsTotal: number;
  putsInWindow: number;
  errors: number;
  firstError: string | null;
  /** Put latency (sent -> acknowledged) of the window's puts. */
  latency: LatencySummary;
  /** The highest revision acknowledged, and when. */
  lastRevision: number;
  lastAckedMs: number;
  /** The writer's process CPU over the window (the orchestrator's process: the writer is most of it). */
  cpuSeconds: number;
}

export class PutWriter {
  private client: KvClient | null = null;
  private readonly value: Buffer;
  private readonly key: Buffer;

  constructor(private readonly target: string, key: string, valueSize: number, private readonly inFlight: number,
    private readonly onAck: (revision: number, sentMs: number, ackedMs: number) => void) {
    this.key = Buffer.from(key, 'utf8');
    this.value = Buffer.alloc(valueSize, 'v');
  }

  async connect(): Promise<void> {
    const KV = etcdClient('KV');
    const client = new KV(this.target, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }) as unknown as KvClient;
    await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + CONNECT_TIMEOUT_MS,
      (error) => (error ? reject(new Error(`cannot connect to ${this.target}: ${error.message}`)) : resolve())));
    this.client = client;
  }

  /** Puts from startAtMs until measureEndMs, then waits for the last answers. */
  run(startAtMs: number, measureStartMs: number, measureEndMs: number): Promise<WriterResult> {
    const client = this.client!;
    const histogram = createLatencyHistogram();
    const result = { putsTotal: 0, putsInWindow: 0, errors: 0, firstError: null as string | null, lastRevision: 0, lastAckedMs: 0 };
    let outstanding = 0;
    let cpuAtStart: NodeJS.CpuUsage | null = null;
    let finished = false;
    return new Promise((resolve) => {
      // Done once the window is over and its last puts are answered; the CPU counted runs until then.
      const finishIfDone = (): void => {
        if (finished || outstanding > 0 || nowEpochMs() < measureEndMs) return;
        finished = true;
        const used = process.cpuUsage(cpuAtStart ?? undefined);
        resolve({ ...result, latency: summarize(histogram), cpuSeconds: (used.user + used.system) / 1e6 });
      };
      const slot = (): void => {
        const sentMs = nowEpochMs();
        if (sentMs >= measureEndMs) { finishIfDone(); return; }
        const measured = sentMs >= measureStartMs;
        outstanding++;
        client.Put({ key: this.key, value: this.value }, (error, response) => {
          outstanding--;
          const ackedMs = nowEpochMs();
          if (error !== null) {
            result.errors++;
            result.firstError ??= error.details || error.message;
            setTimeout(slot, RETRY_AFTER_ERROR_MS);
            return;
          }
          const revision = Number(response?.header?.revision ?? 0);
          result.putsTotal++;
          if (measured) {
            result.putsInWindow++;
            recordLatencyMs(histogram, ackedMs - sentMs);
          }
          if (revision > result.lastRevision) {
            result.lastRevision = revision;
            result.lastAckedMs = ackedMs;
          }
          this.onAck(revision, sentMs, ackedMs);
          slot();
        });
      };
      setTimeout(() => { for (let i = 0; i < this.inFlight; i++) slot(); }, Math.max(0, startAtMs - nowEpochMs()));
      setTimeout(() => { cpuAtStart = process.cpuUsage(); }, Math.max(0, measureStartMs - nowEpochMs()));
      setTimeout(finishIfDone, Math.max(0, measureEndMs - nowEpochMs()) + 1);
    });
  }

  close(): void {
    this.client?.close();
  }
}
