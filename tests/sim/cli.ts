/**
 * `npm run sim -- --seeds N --first-seed S [--ticks T] [--profile P] [--members M] [--verbose]`:
 * runs seeds S..S+N-1 (each seed picks its cluster size and fault profile unless --members or
 * --profile pin them), prints every failing seed with the one-line command that replays it, and
 * ends with a summary line. Exits 1 if any seed found a violation, 2 on bad arguments.
 */
import { FAULT_PROFILES } from './faults.js';
import { ACTIVE_TICKS_DEFAULT, describePlan, planSeed, runPlan, type SeedPlan } from './run-seed.js';

interface Arguments {
  seeds: number;
  firstSeed: number;
  ticks: number;
  profile: string | undefined;
  members: number | undefined;
  verbose: boolean;
}

const USAGE =
  'usage: npm run sim -- [--seeds N] [--first-seed S] [--ticks T] [--verbose] ' +
  `[--members 1..7] [--profile ${FAULT_PROFILES.map((profile) => profile.name).join('|')}]`;
const MEMBERS_MAX = 7;

function parseArguments(argv: readonly string[]): Arguments {
  const parsed: Arguments = { seeds: 100, firstSeed: 1, ticks: ACTIVE_TICKS_DEFAULT, profile: undefined, members: undefined, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--verbose') {
      parsed.verbose = true;
      continue;
    }
    const text = argv[++i];
    if (text === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    if (flag === '--profile') {
      if (!FAULT_PROFILES.some((profile) => profile.name === text)) throw new Error(`unknown profile ${text}\n${USAGE}`);
      parsed.profile = text;
      continue;
    }
    const value = Number(text);
    if (!Number.isSafeInteger(value)) throw new Error(`${flag} needs an integer value\n${USAGE}`);
    if (flag === '--seeds' && value > 0) parsed.seeds = value;
    else if (flag === '--first-seed') parsed.firstSeed = value;
    else if (flag === '--ticks' && value > 0) parsed.ticks = value;
    else if (flag === '--members' && value >= 1 && value <= MEMBERS_MAX) parsed.members = value;
    else throw new Error(`unknown or invalid flag ${flag} ${text}\n${USAGE}`);
  }
  return parsed;
}

/** The seed's own plan, with whatever the flags pin. */
function planFor(seed: number, args: Arguments): SeedPlan {
  const plan = planSeed(seed, args.ticks);
  const profile = FAULT_PROFILES.find((candidate) => candidate.name === args.profile) ?? plan.profile;
  return { ...plan, profile, clusterSize: args.members ?? plan.clusterSize };
}

function replayCommand(seed: number, args: Arguments): string {
  let flags = `--seeds 1 --first-seed ${seed}`;
  if (args.ticks !== ACTIVE_TICKS_DEFAULT) flags += ` --ticks ${args.ticks}`;
  if (args.members !== undefined) flags += ` --members ${args.members}`;
  if (args.profile !== undefined) flags += ` --profile ${args.profile}`;
  return `npm run sim -- ${flags} --verbose`;
}

async function main(): Promise<number> {
  let args: Arguments;
  try {
    args = parseArguments(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const started = performance.now();
  let failed = 0;
  let operations = 0;
  let undecided = 0;
  let quorumLost = 0;
  const trace = args.verbose ? (line: string) => console.log(line) : undefined;
  for (let seed = args.firstSeed; seed < args.firstSeed + args.seeds; seed++) {
    const result = await runPlan(planFor(seed, args), trace);
    operations += result.operationsChecked;
    if (result.linearizability === 'unknown') undecided++;
    if (result.quorumLost) quorumLost++;
    if (result.violations.length === 0) continue;
    failed++;
    console.log(`FAIL ${describePlan(result.plan)}`);
    for (const violation of result.violations) console.log(`  ${violation}`);
    console.log(`  replay: ${replayCommand(seed, args)}`);
  }
  const elapsedSeconds = (performance.now() - started) / 1000;
  console.log(
    `sim: ${args.seeds} seeds (${args.firstSeed}..${args.firstSeed + args.seeds - 1}), ${failed} with violations, ` +
      `${operations} ops checked${undecided > 0 ? ` (${undecided} histories undecided)` : ''}, ` +
      `${quorumLost} lost quorum to a removal, ` +
      `${elapsedSeconds.toFixed(1)} s (${(args.seeds / elapsedSeconds).toFixed(1)} seeds/s)`,
  );
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
