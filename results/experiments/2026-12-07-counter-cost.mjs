// What counting one gRPC call would cost on the request path: the field increment cairn does
// (GrpcMethodMetrics.started++) against prom-client's counter.inc(labels) on the same series, and
// the engine's histogram observe against prom-client's histogram.observe(labels) (--metrics
// extensive times every call). tinybench, same process. Usage: node <this> <dist root>
import { Bench } from 'tinybench';
import { Counter, Histogram as PromHistogram, Registry } from 'prom-client';

const [root] = process.argv.slice(2);
const { Histogram } = await import(`${root}/engine/metrics/histogram.js`);
const { PROMETHEUS_DEFAULT_BUCKETS_SECONDS } = await import(`${root}/engine/metrics/buckets.js`);
const labels = { grpc_method: 'Put', grpc_service: 'etcdserverpb.KV', grpc_type: 'unary' };
const registry = new Registry();
const counter = new Counter({ name: 'c_total', help: 'c', labelNames: Object.keys(labels), registers: [registry] });
const promHistogram = new PromHistogram({ name: 'h_seconds', help: 'h', labelNames: Object.keys(labels),
  buckets: PROMETHEUS_DEFAULT_BUCKETS_SECONDS, registers: [registry] });
const engineHistogram = new Histogram(PROMETHEUS_DEFAULT_BUCKETS_SECONDS);
const method = { started: 0 };
const bench = new Bench({ time: 1000 });
bench
  .add('field increment (cairn)', () => { method.started++; })
  .add('prom-client counter.inc(labels)', () => { counter.inc(labels); })
  .add('engine Histogram.observe (cairn)', () => { engineHistogram.observe(0.0123); })
  .add('prom-client histogram.observe(labels, v)', () => { promHistogram.observe(labels, 0.0123); });
await bench.run();
for (const task of bench.tasks) console.log(`${task.name}: ${(task.result.latency.mean * 1e6).toFixed(0)} ns`);
