/**
 * Settings the flag loader understands (etcd's whole flag set) but the server does not act on yet.
 * cairn refuses them at start instead of accepting and ignoring them: a member asked for TLS must
 * never quietly serve plaintext, and one asked to compact must not quietly keep everything.
 */
import { DEFAULT_QUOTA_BACKEND_BYTES, type ServerConfig, type TlsSettings } from './flags/server-config.js';

function tlsRequested(tls: TlsSettings): boolean {
  return tls.certFile !== '' || tls.keyFile !== '' || tls.trustedCaFile !== '' || tls.clientCertAuth || tls.autoTls;
}

/** The first setting this server cannot honour yet, worded for "error verifying flags", or null. */
export function unsupportedSetting(config: ServerConfig): string | null {
  if (tlsRequested(config.clientTls)) return 'client TLS (--cert-file, --key-file, --trusted-ca-file, --client-cert-auth, --auto-tls) is not supported yet';
  if (tlsRequested(config.peerTls)) return 'peer TLS (--peer-cert-file, --peer-key-file, --peer-trusted-ca-file, --peer-client-cert-auth, --peer-auto-tls) is not supported yet';
  const listeners = [...config.listenClientUrls, ...config.listenClientHttpUrls, ...config.listenPeerUrls];
  const notHttp = listeners.find((address) => address.protocol !== 'http');
  if (notHttp !== undefined) return `${notHttp.url}: only http:// listen URLs are supported yet`;
  for (const [flag, urls] of [['--listen-client-urls', config.listenClientUrls], ['--listen-peer-urls', config.listenPeerUrls]] as const) {
    if (urls.length !== 1) return `${flag} takes exactly one URL for now (got ${urls.length})`;
  }
  if (config.listenClientHttpUrls.length > 1) return `--listen-client-http-urls takes at most one URL for now (got ${config.listenClientHttpUrls.length})`;
  if (config.quotaBackendBytes !== DEFAULT_QUOTA_BACKEND_BYTES) return '--quota-backend-bytes is not supported yet (no space quota or NOSPACE alarm)';
  if (config.autoCompaction.mode !== 'off') return '--auto-compaction-retention is not supported yet (compact with the Compact API)';
  return null;
}
