/**
 * npm run flamegraph:grpc-unary -- [--duration 4]
 *
 * Where a unary gRPC call's CPU goes in the server: micro-grpc's Put server (a handler that
 * answers at once, bench/micro/grpc-put-load.ts) under `node --cpu-prof`, once through grpc-js's
 * unary call and once through cairn's raw unary route, each under the same pipelined load for
 * --duration seconds. Only the measured window's samples count. Both summaries, by function and by
 * where the code comes from (grpc-js, protobufjs, node's internals, net/grpc), with the busy time
 * per call, go to flamegraphs/<date>-grpc-unary-threads.md.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drivePuts, startPutServer, stopPutServer, type PutServerMode } from '../bench/micro/grpc-put-load.js';
import { machineInfo } from '../bench/micro/report.js';
import { summarizeProfile, summaryMarkdown, type CpuProfile, type ProfileWindow } from './cpu-profile-summary.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function durationOf(argv: string[]): number {
  if (argv.length === 0) return 4;
  const seconds = Number(argv[1]);
  if (argv[0] !== '--duration' || argv.length !== 2 || !Number.isInteger(seconds) || seconds < 1) {
    throw new Error('usage: profile-grpc-unary [--duration <whole seconds>]');
  }
  return seconds;
}

const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

async function profile(mode: PutServerMode, durationSeconds: number, work: string): Promise<string> {
  const dir = join(work, mode);
  const server = await startPutServer(mode, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  let fromUs = 0;
  const { calls } = await drivePuts(server.port, durationSeconds * 1000, async () => { fromUs = monotonicUs(); });
  const window: ProfileWindow = { fromUs, toUs: monotonicUs() };
  await stopPutServer(server);
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no profile in ${dir}`);
  const summary = summarizeProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, ROOT, 20, window);
  const perCall = (summary.busyMs * 1000) / calls;
  process.stdout.write(`${mode}: ${calls} calls, main thread busy ${perCall.toFixed(0)} µs per call\n`);
  return `Busy ${perCall.toFixed(0)} µs per call over ${calls} calls (profiled, so inflated).\n\n` +
    summaryMarkdown([{ ...summary, thread: `${mode === 'raw' ? 'raw unary route' : 'grpc-js unary call'}, server main thread` }]);
}

async function main(): Promise<void> {
  const durationSeconds = durationOf(process.argv.slice(2));
  const date = new Date().toISOString().slice(0, 10);
  const work = mkdtempSync(join(tmpdir(), 'cairn-profile-grpc-'));
  try {
    const sections = [await profile('grpc-js', durationSeconds, work), await profile('raw', durationSeconds, work)];
    const target = join(ROOT, 'flamegraphs', `${date}-grpc-unary-threads.md`);
    writeFileSync(target, `# A unary gRPC Put's CPU in the server: grpc-js's unary call and cairn's raw route (${date})\n\n` +
      `Machine: ${Object.entries(machineInfo()).map(([k, v]) => `${k} ${v}`).join(', ')}.\n\n` +
      `micro-grpc's Put server (answers at once, no storage) under \`node --cpu-prof\`; 8 grpc-js channels x 64 pipelined ` +
      `calls for ${durationSeconds} s from another process; only the window's samples.\n\n${sections.join('\n')}`);
    process.stdout.write(`summary: ${target}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`flamegraph:grpc-unary: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
