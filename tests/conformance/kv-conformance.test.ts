/**
 * One conformance suite, every transport (gRPC, JSON gateway, WebSocket), both cluster sizes:
 * real cairn processes on 127.0.0.1. In a 3-member cluster each transport talks to a different
 * member, so followers (forwarding writes, ReadIndex reads) are exercised as much as the leader.
 * The members run etcd's default timings (100 ms heartbeat, 1 s election): the cases follow one
 * leader and give each call 3 s, and a loaded CI machine can stall a member past a 200 ms election
 * timeout, whose new election would drop a write in flight.
 */
import { describe, test, before, after } from 'node:test';
import { ProcessCluster, type ClusterProcess } from '../cluster/process-cluster.js';
import { KV_CASES } from './kv-cases.js';
import { grpcTransport, jsonGatewayTransport, webSocketTransport, type KvTransport } from './transports.js';

const TRANSPORTS: readonly ((member: ClusterProcess) => KvTransport)[] = [grpcTransport, jsonGatewayTransport, webSocketTransport];

for (const size of [1, 3]) {
  describe(`KV conformance, ${size}-member cluster`, () => {
    const cluster = new ProcessCluster(size, 100, 1000);
    before(async () => {
      await cluster.start();
      await cluster.leader();
    });
    after(() => cluster.close());

    TRANSPORTS.forEach((makeTransport, t) => {
      const member = (): ClusterProcess => cluster.members[t % size]!;
      for (const [c, kvCase] of KV_CASES.entries()) {
        test(`${makeTransport.name.replace('Transport', '')}: ${kvCase.name}`, async () => {
          const kv = makeTransport(member());
          try {
            await kvCase.run(kv, `t${t}/c${c}/`);
          } finally {
            kv.close();
          }
        });
      }
    });
  });
}
