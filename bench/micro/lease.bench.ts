/**
 * The lessor's hot paths on the leader: a keep-alive's renew, and the periodic expiry and
 * checkpoint check, over 10,000 live leases. Both run on the main thread beside Raft, so their
 * cost per call bounds how many keep-alives and leases one member can carry.
 */
import { Bench } from 'tinybench';
import { Lessor } from '../../engine/lease/lessor.js';
import { figuresFromBench, writeMicroReport } from './report.js';

const LEASES = 10_000;
const lessor = new Lessor({ minTtlSeconds: 2, extendMs: 1000, checkIntervalMs: 500 });
let now = 0;
lessor.promote(now);
for (let id = 1; id <= LEASES; id++) lessor.onApplied(id, { granted: { ID: id, TTL: 3600 } }, now);
let next = 0;

const bench = new Bench({ time: 1000 });
bench
  .add('renew one of 10,000 leases (a keep-alive on the leader)', () => {
    next = (next % LEASES) + 1;
    lessor.renew(next, now);
  })
  .add('expiry + checkpoint check over 10,000 leases (every 500 ms)', () => {
    now += 500;
    lessor.check(now);
  });
await bench.run();
writeMicroReport('lease', figuresFromBench(bench, 'calls/s'), [
  `${LEASES} leases of 1 hour on a leader's lessor; nothing expires during the run.`,
]);
