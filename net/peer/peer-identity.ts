/**
 * Who an inbound peer connection speaks for: the one place the transport decides it. Without peer
 * TLS, a connection is a member when its Hello names our cluster (token and id), is addressed to
 * us, and comes from a current member's id, from the host that member is known at. Peer TLS with
 * client certificates (issue #15) will derive the member from the certificate here instead, and
 * the rest of the transport is unchanged: it only ever sees the authenticated member id.
 *
 * A joining member's membership query is the one connection made before the member knows its id:
 * it is authenticated by the peer URLs MemberAdd recorded for it instead (authenticateJoiner).
 */
import { isIP, isIPv4 } from 'node:net';
import type { Hello } from './frame-codec.js';
import type { PeerAddress } from './peer-sender.js';
import { addressOfUrl } from './peer-url.js';
import type { RefusalReason } from './peer-stats.js';

/** What the receiving member knows to check a Hello against. */
export interface PeerMembership {
  cluster: string;
  clusterId: number;
  localId: number;
  /** True for a current member (voter or learner) of the cluster. */
  isMember(id: number): boolean;
  /** True for a member removed from the cluster (it is told so rather than just refused). */
  isRemoved(id: number): boolean;
  /** Where member `id` is known to be (its peer URL), when known. */
  addressOf(id: number): PeerAddress | undefined;
}

/** The member a connection authenticated as, or why it was refused. */
export type PeerAuthentication = { memberId: number } | { refused: RefusalReason; detail: string };

/** Authenticates the sender of an inbound connection by its Hello and the address it came from. */
export function authenticatePeer(hello: Hello, remoteAddress: string | undefined, membership: PeerMembership): PeerAuthentication {
  if (hello.cluster !== membership.cluster) return { refused: 'wrong_cluster', detail: `cluster token ${JSON.stringify(hello.cluster)}` };
  if (hello.clusterId !== membership.clusterId) return { refused: 'wrong_cluster', detail: `cluster id ${hello.clusterId.toString(16)}` };
  const from = hello.from;
  if (hello.to !== membership.localId || from <= 0 || from === membership.localId) {
    return { refused: 'wrong_member', detail: `hello from ${from.toString(16)} to ${hello.to.toString(16)}` };
  }
  if (membership.isRemoved(from)) return { refused: 'removed', detail: `removed member ${from.toString(16)}` };
  if (!membership.isMember(from)) return { refused: 'not_a_member', detail: `${from.toString(16)} is not a member` };
  const known = membership.addressOf(from);
  if (known !== undefined && !sameHost(known.host, remoteAddress)) {
    const detail = `member ${from.toString(16)} is known at ${known.host}, not ${remoteAddress ?? 'an unknown address'}`;
    return { refused: 'wrong_address', detail };
  }
  return { memberId: from };
}

/** What the receiving member knows to check a membership query against. */
export interface PeerUrlMembership {
  cluster: string;
  /** True when `url` is a current member's peer URL. */
  isMemberPeerUrl(url: string): boolean;
}

/**
 * Authenticates a joining member's membership query by the peer URLs it names: our cluster token,
 * one of them a current member's (MemberAdd put it there), and the connection from that URL's host.
 * Returns the URL it authenticated by, or why it was refused.
 */
export function authenticateJoiner(hello: Hello, remoteAddress: string | undefined,
  membership: PeerUrlMembership): { peerUrl: string } | { refused: RefusalReason; detail: string } {
  if (hello.cluster !== membership.cluster) return { refused: 'wrong_cluster', detail: `cluster token ${JSON.stringify(hello.cluster)}` };
  const named = hello.peerUrls ?? [];
  const urls = named.filter((url) => membership.isMemberPeerUrl(url));
  if (urls.length === 0) return { refused: 'not_a_member', detail: `membership query from peer URLs [${named.join(', ')}]` };
  const peerUrl = urls.find((url) => sameHost(hostOf(url), remoteAddress));
  if (peerUrl === undefined) {
    return { refused: 'wrong_address', detail: `membership query as ${urls.join(', ')} from ${remoteAddress ?? 'an unknown address'}` };
  }
  return { peerUrl };
}

/** The host of a peer URL; a URL that does not parse has none. */
function hostOf(url: string): string {
  try {
    return addressOfUrl(url).host;
  } catch {
    return '';
  }
}

/**
 * True when a connection from `remote` may come from a member known at `known`. Only an IP address
 * is compared: a host name would need a DNS lookup on every accept, and an unspecified address
 * (0.0.0.0, ::) says nothing about where the member dials from. Loopback addresses are one host.
 */
function sameHost(known: string, remote: string | undefined): boolean {
  if (known === '') return false;
  if (isIP(known) === 0 || known === '0.0.0.0' || known === '::') return true;
  if (remote === undefined) return false;
  const knownIp = unmapped(known);
  const remoteIp = unmapped(remote);
  return knownIp === remoteIp || (isLoopback(knownIp) && isLoopback(remoteIp));
}

/** An IPv4 address a dual-stack socket reports as IPv4-mapped IPv6 (::ffff:a.b.c.d), as IPv4. */
function unmapped(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && isIPv4(lower.slice(7)) ? lower.slice(7) : lower;
}

function isLoopback(address: string): boolean {
  return address === '::1' || (isIPv4(address) && address.startsWith('127.'));
}
