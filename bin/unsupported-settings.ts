/**
 * What the server makes of the flags it was given, walking the flag table (bin/flags/flag-table.ts):
 * a flag cairn cannot honour (TLS before #15, the v2 API, discovery, ...) set to anything but its
 * default is refused at start, so a member asked for TLS never quietly serves plaintext and one
 * asked to compact never quietly keeps everything; a no-op flag that was set (bbolt tuning) and
 * etcd's own obsolete flags are warned about. Nothing set is passed over in silence.
 */
import { FLAG_TABLE } from './flags/flag-table.js';
import { defaultValueOf, sameFlagValue, type FlagValue } from './flags/flag-value.js';
import type { ServerConfig } from './flags/server-config.js';

/** The first refusal, worded for "error verifying flags", and the warnings to log at start. */
export interface SettingsReview {
  refusal: string | null;
  warnings: string[];
}

/** Reviews the explicitly set flags (`explicit`) and the listeners of `config`. */
export function reviewSettings(config: ServerConfig, explicit: ReadonlyMap<string, FlagValue>): SettingsReview {
  const warnings: string[] = [];
  let refusal: string | null = null;
  for (const spec of FLAG_TABLE) {
    const value = explicit.get(spec.name);
    if (value === undefined) continue;
    const support = spec.support;
    if (support.status === 'obsolete') {
      warnings.push(`flag "-${spec.name}" is no longer supported - ignoring.`);
    } else if (support.status === 'no-op') {
      if (!sameFlagValue(value, defaultValueOf(spec))) warnings.push(`--${spec.name} has no effect in cairn: ${support.why}`);
    } else if (support.status === 'refused') {
      const accepted = sameFlagValue(value, defaultValueOf(spec)) || support.accepts?.(value) === true;
      if (!accepted) refusal ??= `--${spec.name} is not supported${support.yet ? ' yet' : ''}: ${support.why}`;
    } else if (support.refuse !== undefined) {
      refusal ??= support.refuse(value);
    }
  }
  return { refusal: refusal ?? listenerRefusal(config), warnings };
}

/** The listeners cairn can open today: one plain-HTTP URL per kind (at most one HTTP-only client URL). */
function listenerRefusal(config: ServerConfig): string | null {
  const listeners = [...config.listenClientUrls, ...config.listenClientHttpUrls, ...config.listenPeerUrls, ...config.listenMetricsUrls];
  const notHttp = listeners.find((address) => address.protocol !== 'http');
  if (notHttp !== undefined) return `${notHttp.url}: only http:// listen URLs are supported yet`;
  for (const [flag, urls] of [['--listen-client-urls', config.listenClientUrls], ['--listen-peer-urls', config.listenPeerUrls]] as const) {
    if (urls.length !== 1) return `${flag} takes exactly one URL for now (got ${urls.length})`;
  }
  if (config.listenClientHttpUrls.length > 1) return `--listen-client-http-urls takes at most one URL for now (got ${config.listenClientHttpUrls.length})`;
  return null;
}
