/**
 * URL lists as etcd reads them: comma-separated, each trimmed, parsed the way Go's url.Parse
 * splits a URL, then held to etcd's rules (scheme http/https/unix/unixs, a "host:port" address, no
 * path). Error texts are etcd's, so a bad flag reads the same under cairn.
 */
import { isIP } from 'node:net';
import { goQuote } from './go-values.js';

/** The schemes a cairn (and etcd) URL may use. */
export type UrlProtocol = 'http' | 'https' | 'unix' | 'unixs';

/** One address to listen on, taken from a listen URL. */
export interface ListenAddress {
  protocol: UrlProtocol;
  /** Host name or IP, without IPv6 brackets. */
  host: string;
  port: number;
  /** The URL as given (trimmed). */
  url: string;
}

const PROTOCOLS: ReadonlySet<string> = new Set(['http', 'https', 'unix', 'unixs']);
const SCHEME_PATTERN = /^([A-Za-z][A-Za-z0-9+.-]*):/;
/** Characters Go's url.Parse accepts in a host (letters, digits, sub-delims, brackets, colon). */
const HOST_CHAR_PATTERN = /[A-Za-z0-9\-._~!$&'()*+,;=[\]:%]/;
const PORT_PATTERN = /^\d*$/;

interface UrlParts {
  scheme: string;
  host: string;
  path: string;
}

/** Go's url.Parse, reduced to what etcd's checks look at; returns Go's error text on failure. */
function splitUrl(text: string): UrlParts | string {
  const scheme = SCHEME_PATTERN.exec(text);
  if (scheme === null) return { scheme: '', host: '', path: text };
  const rest = text.slice(scheme[0].length);
  if (!rest.startsWith('//')) return { scheme: scheme[1]!.toLowerCase(), host: '', path: '' };
  const afterSlashes = rest.slice(2);
  const authorityEnd = afterSlashes.search(/[/?#]/);
  const authority = authorityEnd < 0 ? afterSlashes : afterSlashes.slice(0, authorityEnd);
  const tail = authorityEnd < 0 ? '' : afterSlashes.slice(authorityEnd);
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  const portAt = host.startsWith('[') ? host.indexOf(']:') + 1 : host.lastIndexOf(':');
  if (portAt > 0 && !PORT_PATTERN.test(host.slice(portAt + 1))) {
    return `parse ${goQuote(text)}: invalid port ${goQuote(host.slice(portAt))} after host`;
  }
  for (const char of host) {
    if (!HOST_CHAR_PATTERN.test(char)) return `parse ${goQuote(text)}: invalid character ${goQuote(char)} in host name`;
  }
  const path = tail.split(/[?#]/)[0]!;
  return { scheme: scheme[1]!.toLowerCase(), host, path };
}

/** Go's net.SplitHostPort, reduced to success or failure. */
function splitHostPort(host: string): { host: string; port: string } | null {
  if (host.startsWith('[')) {
    const close = host.indexOf(']:');
    return close < 0 ? null : { host: host.slice(1, close), port: host.slice(close + 2) };
  }
  const colon = host.lastIndexOf(':');
  if (colon < 0 || host.indexOf(':') !== colon) return null;
  return { host: host.slice(0, colon), port: host.slice(colon + 1) };
}

/** Checks one URL by etcd's rules; returns it as a ListenAddress, or etcd's error text. */
export function parseUrl(raw: string): ListenAddress | string {
  const text = raw.trim();
  const parts = splitUrl(text);
  if (typeof parts === 'string') return parts;
  if (!PROTOCOLS.has(parts.scheme)) return `URL scheme must be http, https, unix, or unixs: ${text}`;
  const address = splitHostPort(parts.host);
  if (address === null) return `URL address does not have the form "host:port": ${text}`;
  if (parts.path !== '') return `URL must not contain a path: ${text}`;
  return { protocol: parts.scheme as UrlProtocol, host: address.host, port: Number(address.port), url: text };
}

/** Parses a comma-separated URL list; returns the addresses, or etcd's error text for the first bad one. */
export function parseUrlList(text: string): ListenAddress[] | string {
  const addresses: ListenAddress[] = [];
  // etcd reads an empty flag as an empty list (while "," is two empty, invalid URLs).
  if (text === '') return addresses;
  for (const item of text.split(',')) {
    const address = parseUrl(item);
    if (typeof address === 'string') return address;
    addresses.push(address);
  }
  return addresses;
}

/**
 * etcd binds listeners to IP addresses only (plus "localhost"), so a host name in a listen URL is
 * refused before anything is opened; unix sockets have no IP to check.
 */
export function isBindableAddress(address: ListenAddress): boolean {
  if (address.protocol === 'unix' || address.protocol === 'unixs') return true;
  return address.host === 'localhost' || isIP(address.host) !== 0;
}
