/**
 * Samples every member once a second while a step runs: CPU (% of one core) and RSS from procfs,
 * fsyncs/s and entries per fsync from /metrics, and which member leads. Rates come from the
 * difference with the previous sample, so the first sample of each member only sets the baseline.
 */
import type { BenchMember } from './bench-cluster.js';
import { scrapeWritePath, type WritePathCounters } from './metrics-scrape.js';
import { readProcUsage, type ProcUsage } from './proc-stat.js';

export const SAMPLE_INTERVAL_MS = 1000;

export interface MemberSample {
  /** Seconds since the sampler started. */
  t: number;
  member: string;
  leader: boolean;
  cpu_percent: number;
  rss_bytes: number;
  fsyncs_per_sec: number;
  /** Committed entries (cairn: WAL entries) per fsync over the last interval; null without fsyncs. */
  entries_per_fsync: number | null;
}

interface Previous {
  atMs: number;
  usage: ProcUsage;
  counters: WritePathCounters;
}

/** One member's sample from two consecutive readings (pure, for tests). */
export function sampleBetween(member: string, t: number, previous: Previous, now: Previous): MemberSample {
  const seconds = (now.atMs - previous.atMs) / 1000;
  const fsyncs = now.counters.fsyncs - previous.counters.fsyncs;
  const entries = now.counters.walEntries !== null && previous.counters.walEntries !== null
    ? now.counters.walEntries - previous.counters.walEntries
    : now.counters.committed - previous.counters.committed;
  return {
    t,
    member,
    leader: now.counters.isLeader,
    cpu_percent: seconds > 0 ? ((now.usage.cpuSeconds - previous.usage.cpuSeconds) / seconds) * 100 : 0,
    rss_bytes: now.usage.rssBytes,
    fsyncs_per_sec: seconds > 0 ? fsyncs / seconds : 0,
    entries_per_fsync: fsyncs > 0 ? entries / fsyncs : null,
  };
}

export class MemberSampler {
  readonly samples: MemberSample[] = [];
  private readonly previous = new Map<string, Previous>();
  private readonly timer: NodeJS.Timeout;
  private readonly startMs = Date.now();
  private sampling: Promise<void> = Promise.resolve();

  constructor(private readonly members: readonly BenchMember[]) {
    this.timer = setInterval(() => { this.sampling = this.sampleAll(); }, SAMPLE_INTERVAL_MS);
    this.sampling = this.sampleAll();
  }

  async stop(): Promise<MemberSample[]> {
    clearInterval(this.timer);
    await this.sampling;
    return this.samples;
  }

  private async sampleAll(): Promise<void> {
    await Promise.all(this.members.map(async (member) => {
      const pid = member.process.pid;
      const usage = pid === undefined ? null : readProcUsage(pid);
      const counters = await scrapeWritePath(member.metricsUrl);
      if (usage === null || counters === null) return;
      const now: Previous = { atMs: Date.now(), usage, counters };
      const previous = this.previous.get(member.name);
      this.previous.set(member.name, now);
      if (previous !== undefined) {
        this.samples.push(sampleBetween(member.name, Math.round((now.atMs - this.startMs) / 100) / 10, previous, now));
      }
    }));
  }
}
