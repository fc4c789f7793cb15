/**
 * The :authority (and host) values node's HTTP/2 server refuses and etcd's accepts. nghttp2, under
 * node's http2, resets a stream whose :authority holds a character outside RFC 3986's authority
 * (PROTOCOL_ERROR) before node sees it. etcdctl 3.4 dials each endpoint of its per-endpoint
 * commands (endpoint status, hashkv, defrag, snapshot, move-leader) as
 * `passthrough:///http://127.0.0.1:2379`, so grpc-go sends the whole URL as :authority; Go's
 * HTTP/2 server, and so etcd, take it. cairn passes such a value on as the URL's own authority.
 */

/** Besides letters and digits, what nghttp2 accepts in :authority (measured against node 20's). */
const AUTHORITY_SYMBOLS = new Set("!$%&'()*+,-.:;=@[]_~");

/** Whether nghttp2 takes `value` as :authority or host. */
export function isAcceptedAuthority(value: string): boolean {
  for (const character of value) {
    if (!(/[A-Za-z0-9]/.test(character) || AUTHORITY_SYMBOLS.has(character))) return false;
  }
  return true;
}

/**
 * What to pass on in place of an :authority nghttp2 would refuse: the authority of a URL
 * (`http://127.0.0.1:2379/` -> `127.0.0.1:2379`), when that is accepted; null otherwise (the value
 * goes on unchanged and the stream is refused as before).
 */
export function acceptedAuthorityOf(value: string): string | null {
  const match = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(value);
  if (match === null) return null;
  const authority = match[1]!;
  return authority !== '' && isAcceptedAuthority(authority) ? authority : null;
}
