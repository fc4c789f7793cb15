/**
 * The Watch and Lease conformance cases on every transport (gRPC, JSON gateway, WebSocket) and
 * both cluster sizes, on real cairn processes. In a 3-member cluster each transport talks to a
 * different member, so followers serve watches and forward keep-alives as the leader does.
 */
import { describe, test, before, after } from 'node:test';
import { ProcessCluster, type ClusterProcess } from '../cluster/process-cluster.js';
import { grpcTransport, jsonGatewayTransport, webSocketTransport, type KvTransport } from './transports.js';
import { WATCH_LEASE_CASES } from './watch-lease-cases.js';
import { gatewayWatchLease, grpcWatchLease, webSocketWatchLease, type WatchLeaseTransport } from './watch-lease-transports.js';

const TRANSPORTS: readonly [(m: ClusterProcess) => KvTransport, (m: ClusterProcess) => WatchLeaseTransport][] = [
  [grpcTransport, grpcWatchLease], [jsonGatewayTransport, gatewayWatchLease], [webSocketTransport, webSocketWatchLease],
];

for (const size of [1, 3]) {
  describe(`Watch and Lease conformance, ${size}-member cluster`, () => {
    // etcd's default timings, as the KV suite uses: a loaded CI machine can stall a member past a
    // 200 ms election timeout, and these cases do not retry a call an election dropped.
    const cluster = new ProcessCluster(size, 100, 1000);
    before(async () => {
      await cluster.start();
      await cluster.leader();
    });
    after(() => cluster.close());

    TRANSPORTS.forEach(([makeKv, makeWatchLease], t) => {
      const member = (): ClusterProcess => cluster.members[t % size]!;
      for (const [c, testCase] of WATCH_LEASE_CASES.entries()) {
        test(`${makeKv.name.replace('Transport', '')}: ${testCase.name}`, async () => {
          const kv = makeKv(member());
          const wl = makeWatchLease(member());
          try {
            await testCase.run(kv, wl, `wl${t}/c${c}/`);
          } finally {
            kv.close();
            wl.close();
          }
        });
      }
    });
  });
}
