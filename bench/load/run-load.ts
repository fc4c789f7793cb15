/**
 * The load generator on its own, against endpoints that are already running (any cairn or etcd):
 *
 *   node dist/bench/load/run-load.js --protocol native --endpoints ws://127.0.0.1:2381/ws --connections 8 --depth 32
 *   node dist/bench/load/run-load.js --protocol grpc --endpoints 127.0.0.1:2379 --processes 2 --rate 5000
 *
 * Prints one JSON line: the merged result (load-runner.ts) without the encoded histogram.
 */
import { parseLoadArgs, UsageError } from './load-options.js';
import { runLoad } from './load-runner.js';

try {
  const options = parseLoadArgs(process.argv.slice(2));
  const result: Partial<Awaited<ReturnType<typeof runLoad>>> = await runLoad(options);
  delete result.histogram;
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  process.stderr.write(`run-load: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
