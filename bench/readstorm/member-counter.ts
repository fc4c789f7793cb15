/**
 * One counter from every member's /metrics, read so that silence is never taken for zero:
 * scrapeCounters (cluster-session.ts) reads a member that does not answer, or a series it does
 * not export, as 0, and a leader still busy with a storm's reads can miss its 2 s. Here a member
 * is asked again until it answers, for up to SCRAPE_PATIENCE_MS; one that never does, or that
 * lacks the series (etcd_server_heartbeat_send_failures_total is etcd's alone), reads as null.
 */
import type { BenchMember } from '../cluster/bench-cluster.js';
import { parseExposition } from '../cluster/metrics-scrape.js';

const SCRAPE_PATIENCE_MS = 15_000;
const SCRAPE_TIMEOUT_MS = 2000;
const SCRAPE_RETRY_MS = 250;

/** Member name -> the counter's value, or null when unknown. */
export type MemberCounter = Record<string, number | null>;

async function readOne(member: BenchMember, name: string): Promise<number | null> {
  const deadline = Date.now() + SCRAPE_PATIENCE_MS;
  for (;;) {
    const text = await fetch(member.metricsUrl, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) }).then((r) => (r.ok ? r.text() : null), () => null);
    if (text !== null) return parseExposition(text).get(name) ?? null;
    if (Date.now() > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, SCRAPE_RETRY_MS));
  }
}

export async function readMemberCounter(members: readonly BenchMember[], name: string): Promise<MemberCounter> {
  const values = await Promise.all(members.map((member) => readOne(member, name)));
  return Object.fromEntries(members.map((member, i) => [member.name, values[i]!]));
}

/** after - before per member; null where either reading is unknown. */
export function counterDelta(before: MemberCounter, after: MemberCounter): MemberCounter {
  return Object.fromEntries(Object.entries(after).map(([member, value]) => {
    const previous = before[member];
    return [member, value === null || previous === null || previous === undefined ? null : value - previous];
  }));
}

/** True when no member exports the counter. */
export function unexported(counter: MemberCounter): boolean {
  return Object.values(counter).every((value) => value === null);
}
