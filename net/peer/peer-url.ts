/** Peer URLs (http://host:port) as the transport dials them. */
import type { PeerAddress } from './peer-sender.js';

/** host:port of a URL such as http://127.0.0.1:2380 (IPv6 brackets removed). */
export function addressOfUrl(url: string): PeerAddress {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port) };
}
