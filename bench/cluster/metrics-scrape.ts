/**
 * Reads a Prometheus text exposition (cairn's or etcd's /metrics) into name{labels} -> value, and
 * picks out the write-path figures the orchestrator samples. etcd has no count of WAL entries, so
 * for both servers "entries" is the committed index (etcd_server_proposals_committed_total), and
 * cairn additionally reports its WAL's own count.
 */

/** Series (name with its label text, as printed) -> value. */
export function parseExposition(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    series.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return series;
}

export interface WritePathCounters {
  /** WAL fdatasyncs since the member started. */
  fsyncs: number;
  /** The member's commit index. */
  committed: number;
  /** Raft entries the WAL made durable (cairn only). */
  walEntries: number | null;
  isLeader: boolean;
}

export function writePathCounters(series: ReadonlyMap<string, number>): WritePathCounters {
  // etcd times every fsync; cairn counts them. Either way the count is the number of fsyncs.
  const fsyncs = series.get('cairn_wal_fsyncs_total') ?? series.get('etcd_disk_wal_fsync_duration_seconds_count') ?? 0;
  return {
    fsyncs,
    committed: series.get('etcd_server_proposals_committed_total') ?? 0,
    walEntries: series.get('cairn_wal_entries_total') ?? null,
    isLeader: series.get('etcd_server_is_leader') === 1,
  };
}

/** Fetches and reads one member's /metrics; null when it does not answer. */
export async function scrapeWritePath(url: string): Promise<WritePathCounters | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(900) });
    return writePathCounters(parseExposition(await response.text()));
  } catch {
    return null;
  }
}
