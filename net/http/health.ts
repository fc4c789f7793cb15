/**
 * Health endpoints on the HTTP port, as etcd serves them; what each checks is the EtcdServer's
 * (engine/server/health-checks.ts), and this only writes etcd's replies:
 * - GET /health (etcd 3.4): {"health":"true"} 200 when the member knows a leader and a
 *   linearizable read completes within the timeout, else {"health":"false"} 503. Bodies and
 *   content type are byte for byte what etcd 3.4.23 answers.
 * - GET /version: {"etcdserver", "etcdcluster"} as etcd, plus "cairn": this package's version.
 * - GET /livez, /readyz (etcd 3.5): 200 "ok" when alive (a serializable read of the local store
 *   works) / ready (a leader is known and a linearizable read works), else 503 naming the failed
 *   check, in etcd's verbose-check wording.
 */
import { readFileSync } from 'node:fs';
import { ETCD_API_VERSION } from '../../engine/node/cluster-members.js';
import type { EtcdServer } from '../../engine/server/etcd-server.js';
import type { GetRoutes, HttpReply } from './http-routes.js';

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as
  { version: string }).version;

/** Registers /health, /version, /livez and /readyz on `app`. */
export function registerHealth(app: GetRoutes, server: EtcdServer): void {
  app.get('/health', () => healthReply(server));
  app.get('/version', () => ({
    status: 200, contentType: 'application/json',
    body: JSON.stringify({ etcdserver: ETCD_API_VERSION, etcdcluster: ETCD_API_VERSION, cairn: PACKAGE_VERSION }),
  }));
  app.get('/livez', async () => checkReply('livez', [['serializable_read', await server.serializableReadWorks()]]));
  app.get('/readyz', async () => {
    const linearizable = await server.healthy();
    return checkReply('readyz', [['serializable_read', await server.serializableReadWorks()], ['linearizable_read', linearizable]]);
  });
}

/** etcd 3.4's /health answer (also served on --listen-metrics-urls). */
export async function healthReply(server: EtcdServer): Promise<HttpReply> {
  const healthy = await server.healthy();
  // etcd writes the body without a content type; Go sniffs it as text/plain.
  return { status: healthy ? 200 : 503, contentType: 'text/plain; charset=utf-8', body: `{"health":"${healthy}"}` };
}

function checkReply(name: string, checks: [string, boolean][]): HttpReply {
  const failed = checks.filter(([, ok]) => !ok).map(([check]) => check);
  if (failed.length === 0) return { status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok' };
  const lines = checks.map(([check, ok]) => (ok ? `[+]${check} ok` : `[-]${check} failed`));
  return { status: 503, contentType: 'text/plain; charset=utf-8', body: `${lines.join('\n')}\n${name} check failed\n` };
}
