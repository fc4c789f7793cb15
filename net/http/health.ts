/**
 * Health endpoints on the HTTP port, as etcd serves them:
 * - GET /health (etcd 3.4): {"health":"true"} 200 when the member knows a leader and a
 *   linearizable read completes within the timeout, else {"health":"false"} 503. Bodies and
 *   content type are byte for byte what etcd 3.4.23 answers.
 * - GET /version: {"etcdserver", "etcdcluster"} as etcd, plus "cairn": this package's version.
 * - GET /livez, /readyz (etcd 3.5): 200 "ok" when alive (a serializable read of the local store
 *   works) / ready (a leader is known and a linearizable read works), else 503 naming the failed
 *   check, in etcd's verbose-check wording.
 * Concurrent linearizable checks share one read, so a flood of probes costs one ReadIndex.
 */
import { readFileSync } from 'node:fs';
import { ETCD_API_VERSION } from '../../engine/node/cluster-members.js';
import type { KvServer } from '../../engine/node/kv-server.js';
import type { Member } from '../../engine/node/member.js';
import type { GetRoutes, HttpReply } from './http-routes.js';

/** etcd 3.4 bounds its /health linearizable read by one second. */
export const HEALTH_TIMEOUT_MS_DEFAULT = 1000;
/** The key etcd's health checks read (etcdctl endpoint health reads it too). */
const HEALTH_KEY = new TextEncoder().encode('health');

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as
  { version: string }).version;

/** Registers /health, /version, /livez and /readyz on `app`. */
export function registerHealth(app: GetRoutes, member: Member, kv: KvServer, timeoutMs: number): void {
  const probe = new LinearizableProbe(member, kv, timeoutMs);
  app.get('/health', () => healthReply(probe));
  app.get('/version', () => ({
    status: 200, contentType: 'application/json',
    body: JSON.stringify({ etcdserver: ETCD_API_VERSION, etcdcluster: ETCD_API_VERSION, cairn: PACKAGE_VERSION }),
  }));
  app.get('/livez', async () => checkReply('livez', [['serializable_read', await serializableReadWorks(kv)]]));
  app.get('/readyz', async () => {
    const linearizable = await probe.check();
    return checkReply('readyz', [['serializable_read', await serializableReadWorks(kv)], ['linearizable_read', linearizable]]);
  });
}

/** etcd 3.4's /health answer (also served on --listen-metrics-urls). */
export async function healthReply(probe: LinearizableProbe): Promise<HttpReply> {
  const healthy = await probe.check();
  // etcd writes the body without a content type; Go sniffs it as text/plain.
  return { status: healthy ? 200 : 503, contentType: 'text/plain; charset=utf-8', body: `{"health":"${healthy}"}` };
}

function checkReply(name: string, checks: [string, boolean][]): HttpReply {
  const failed = checks.filter(([, ok]) => !ok).map(([check]) => check);
  if (failed.length === 0) return { status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok' };
  const lines = checks.map(([check, ok]) => (ok ? `[+]${check} ok` : `[-]${check} failed`));
  return { status: 503, contentType: 'text/plain; charset=utf-8', body: `${lines.join('\n')}\n${name} check failed\n` };
}

async function serializableReadWorks(kv: KvServer): Promise<boolean> {
  try {
    await kv.range({ key: HEALTH_KEY, serializable: true, count_only: true });
    return true;
  } catch {
    return false;
  }
}

/** A linearizable read of the health key, bounded by a timeout and shared by concurrent callers. */
export class LinearizableProbe {
  private inFlight: Promise<boolean> | null = null;

  constructor(private readonly member: Member, private readonly kv: KvServer, private readonly timeoutMs: number) {}

  check(): Promise<boolean> {
    // No leader: etcd answers unhealthy at once rather than waiting out an election.
    if (this.member.status().leader === 0) return Promise.resolve(false);
    this.inFlight ??= this.read().finally(() => { this.inFlight = null; });
    return this.inFlight;
  }

  private read(): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), this.timeoutMs);
      // The read itself stays bounded by the member's request timeout after we stop waiting.
      this.kv.range({ key: HEALTH_KEY, count_only: true }).then(
        () => { clearTimeout(timer); resolve(true); },
        () => { clearTimeout(timer); resolve(false); },
      );
    });
  }
}
