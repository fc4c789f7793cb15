/**
 * etcd's cross-flag checks, with its wording: timer bounds, compaction settings, the initial
 * cluster and this member's place in it, listen addresses, TLS needed by https URLs.
 * Each check returns null when the configuration passes it, or etcd's error text.
 */
import { goQuote, parseGoDuration } from './go-values.js';
import { isBindableAddress, parseUrl, type ListenAddress } from './urls.js';

/** etcd refuses an election timeout above 50 s: Raft would take minutes to notice a dead leader. */
export const ELECTION_TIMEOUT_MS_MAX = 50_000;
/** A follower must miss several heartbeats before campaigning, or a slow packet starts elections. */
const ELECTION_TO_HEARTBEAT_RATIO_MIN = 5n;
const MS_PER_HOUR = 3_600_000;
const NS_PER_MS = 1_000_000;

/** The values etcd accepts for --auto-compaction-mode. */
export const COMPACTION_MODES = ['periodic', 'revision'] as const;
/** One of COMPACTION_MODES. */
export type CompactionMode = (typeof COMPACTION_MODES)[number];

/** How the member compacts its history on its own. */
export type AutoCompaction =
  | { mode: 'off' }
  | { mode: 'periodic'; retentionMs: number }
  | { mode: 'revision'; retentionRevisions: number };

/** An --auto-compaction-mode etcd knows, as etcd words the check. */
export function checkCompactionMode(mode: string): string | null {
  return (COMPACTION_MODES as readonly string[]).includes(mode) ? null : `unknown auto-compaction-mode ${goQuote(mode)}`;
}

/** The heartbeat/election checks, in etcd's order; values are Go uints, hence bigint. */
export function checkTimers(heartbeatIntervalMs: bigint, electionTimeoutMs: bigint): string | null {
  if (heartbeatIntervalMs === 0n) return '--heartbeat-interval must be >0 (set to 0ms)';
  if (electionTimeoutMs === 0n) return '--election-timeout must be >0 (set to 0ms)';
  if (ELECTION_TO_HEARTBEAT_RATIO_MIN * heartbeatIntervalMs > electionTimeoutMs) {
    return `--election-timeout[${electionTimeoutMs}ms] should be at least as 5 times as --heartbeat-interval[${heartbeatIntervalMs}ms]`;
  }
  if (electionTimeoutMs > BigInt(ELECTION_TIMEOUT_MS_MAX)) {
    return `--election-timeout[${electionTimeoutMs}ms] is too long, and should be set less than ${ELECTION_TIMEOUT_MS_MAX}ms`;
  }
  return null;
}

/** The first listen address that is not an IP (or localhost), as etcd words it. */
export function checkBindable(addresses: readonly ListenAddress[]): string | null {
  const bad = addresses.find((address) => !isBindableAddress(address));
  return bad === undefined ? null : `expected IP in URL for binding (${bad.url})`;
}

/**
 * --auto-compaction-retention: a whole number is hours (periodic) or revisions (revision); in
 * periodic mode a Go duration (`30m`, `1h30m`) works too. 0 turns auto compaction off. etcd also
 * takes a duration in revision mode and counts its nanoseconds as revisions; cairn refuses that.
 */
export function parseCompactionRetention(mode: CompactionMode, text: string): AutoCompaction | string {
  const prefix = 'error parsing CompactionRetention: ';
  if (/^\+?\d+$/.test(text)) {
    const count = Number(text);
    if (count === 0) return { mode: 'off' };
    return mode === 'periodic' ? { mode, retentionMs: count * MS_PER_HOUR } : { mode, retentionRevisions: count };
  }
  const durationNs = parseGoDuration(text);
  if (typeof durationNs === 'string') return prefix + durationNs;
  if (mode === 'revision') return `${prefix}revision mode needs a whole number of revisions, not ${goQuote(text)}`;
  return durationNs <= 0 ? { mode: 'off' } : { mode, retentionMs: durationNs / NS_PER_MS };
}

/**
 * --initial-cluster as etcd reads it: `name=url` pairs split on commas (empty pairs skipped, a
 * pair without `=` is a name with an empty URL), a name may repeat to list several URLs.
 */
export function parseInitialCluster(text: string): Map<string, string[]> | string {
  const cluster = new Map<string, string[]>();
  for (const pair of text.split(',')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = equals < 0 ? pair : pair.slice(0, equals);
    const url = equals < 0 ? '' : pair.slice(equals + 1);
    const address = parseUrl(url);
    if (typeof address === 'string') return `error setting up initial cluster: ${address}`;
    cluster.set(name, [...(cluster.get(name) ?? []), address.url]);
  }
  return cluster;
}

/** Go's %q of a string slice: ["a" "b"]. */
function quoteList(items: readonly string[]): string {
  return `[${items.map(goQuote).join(' ')}]`;
}

/**
 * This member's entry in --initial-cluster must list exactly its --initial-advertise-peer-urls.
 * etcd resolves host names before comparing; cairn compares the URLs as written.
 */
export function checkAdvertisedPeers(name: string, cluster: ReadonlyMap<string, readonly string[]>, advertised: readonly string[]): string | null {
  const listed = [...(cluster.get(name) ?? [])].sort();
  const advertisedSorted = [...advertised].sort();
  const missing = listed.filter((url) => !advertisedSorted.includes(url));
  if (missing.length > 0) {
    const reason = listed.length !== advertisedSorted.length
      ? `len(${quoteList(advertisedSorted)}) != len(${quoteList(listed)})`
      : firstDifference(advertisedSorted, listed);
    return `--initial-cluster has ${missing.map((url) => `${name}=${url}`).join(',')} but missing from ` +
      `--initial-advertise-peer-urls=${advertisedSorted.join(',')} (${reason})`;
  }
  const extra = advertisedSorted.filter((url) => !listed.includes(url));
  if (extra.length > 0) {
    // etcd shows the entry the cluster list would need for this member.
    const wanted = advertisedSorted.map((url) => `${name}=${url}`).join(',');
    return `--initial-advertise-peer-urls has ${extra.join(',')} but missing from --initial-cluster=${wanted}`;
  }
  return null;
}

function firstDifference(advertised: readonly string[], listed: readonly string[]): string {
  const index = advertised.findIndex((url, i) => url !== listed[i]);
  return `resolved urls: ${goQuote(advertised[index]!)} != ${goQuote(listed[index]!)}`;
}

/** https listeners need a certificate: a cert/key pair or auto-tls. */
export function checkClientTls(addresses: readonly ListenAddress[], hasCertificate: boolean): string | null {
  if (hasCertificate) return null;
  const secure = addresses.find((address) => address.protocol === 'https' || address.protocol === 'unixs');
  return secure === undefined ? null : `TLS key/cert (--cert-file, --key-file) must be provided for client url ${secure.url} with HTTPS scheme`;
}

/** The peer listener's twin of checkClientTls, in etcd's peer wording. */
export function checkPeerTls(addresses: readonly ListenAddress[], hasCertificate: boolean): string | null {
  if (hasCertificate) return null;
  const secure = addresses.find((address) => address.protocol === 'https' || address.protocol === 'unixs');
  return secure === undefined ? null : `cannot listen on TLS for ${secure.host}:${secure.port}: KeyFile and CertFile are not presented`;
}
