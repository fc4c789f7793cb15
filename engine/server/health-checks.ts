/**
 * What etcd's health endpoints check on a member, for every transport that reports them (/health,
 * /livez and /readyz on the HTTP routes, /health on the metrics listeners): whether a leader is
 * known and a linearizable read of the health key completes in time, and whether the local store
 * answers a serializable read. Concurrent linearizable checks share one read, so a flood of probes
 * costs one ReadIndex.
 */
import type { KvServer } from '../node/kv-server.js';
import type { Member } from '../node/member.js';

/** etcd 3.4 bounds its /health linearizable read by one second. */
export const HEALTH_TIMEOUT_MS_DEFAULT = 1000;
/** The key etcd's health checks read (etcdctl endpoint health reads it too). */
const HEALTH_KEY = new TextEncoder().encode('health');

export class HealthChecks {
  private inFlight: Promise<boolean> | null = null;

  constructor(private readonly member: Member, private readonly kv: KvServer, private readonly timeoutMs: number) {}

  /** A leader is known and a linearizable read of the health key completed within the timeout. */
  linearizableRead(): Promise<boolean> {
    // No leader: etcd answers unhealthy at once rather than waiting out an election.
    if (this.member.status().leader === 0) return Promise.resolve(false);
    this.inFlight ??= this.boundedRead().finally(() => { this.inFlight = null; });
    return this.inFlight;
  }

  /** The local store answers a serializable read of the health key. */
  async serializableRead(): Promise<boolean> {
    try {
      await this.kv.range({ key: HEALTH_KEY, serializable: true, count_only: true });
      return true;
    } catch {
      return false;
    }
  }

  private boundedRead(): Promise<boolean> {
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
