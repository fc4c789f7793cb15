// What one /metrics scrape costs a member with 3 peers (a 4-member process cluster), before and
// after /metrics moved onto prom-client: the scraped member's CPU per GET (its /proc stat over
// SCRAPES sequential GETs, less the same span idle) and the GET's latency seen by the scraper.
// Sides alternate (before, after, after, before, ...) so machine load weighs on both alike.
// Usage: node <this> <before dist root> <after dist root> [rounds]
import { readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';

const [beforeRoot, afterRoot, roundsText = '4'] = process.argv.slice(2);
const SCRAPES = Number(process.env.SCRAPES ?? 1000);
const WARMUP = 100;
const CLK_TCK = Number(execSync('getconf CLK_TCK').toString());

function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14 and 15)
}

async function measure(root) {
  const { ProcessCluster, call } = await import(`${root}/tests/cluster/process-cluster.js`);
  const cluster = new ProcessCluster(4, 100, 1000);
  try {
    await cluster.start();
    const leader = await cluster.leader();
    for (let i = 0; i < 200; i++) await call(leader.clients.kv, 'Put', { key: Buffer.from(`k${i}`), value: Buffer.alloc(256) });
    const url = `http://127.0.0.1:${leader.httpPort}/metrics`;
    let body = '';
    for (let i = 0; i < WARMUP; i++) body = await (await fetch(url)).text();
    const pid = leader.process.pid;
    const latenciesMs = [];
    const cpuBefore = cpuSeconds(pid);
    const started = performance.now();
    for (let i = 0; i < SCRAPES; i++) {
      const t = performance.now();
      await (await fetch(url)).text();
      latenciesMs.push(performance.now() - t);
    }
    const elapsedMs = performance.now() - started;
    const cpuLoop = cpuSeconds(pid) - cpuBefore;
    const idleBefore = cpuSeconds(pid);
    await new Promise((resolve) => setTimeout(resolve, elapsedMs));
    const cpuIdle = cpuSeconds(pid) - idleBefore;
    latenciesMs.sort((a, b) => a - b);
    return {
      cpuUsPerScrape: ((cpuLoop - cpuIdle) / SCRAPES) * 1e6,
      p50Ms: latenciesMs[Math.floor(SCRAPES * 0.5)],
      p99Ms: latenciesMs[Math.floor(SCRAPES * 0.99)],
      bytes: Buffer.byteLength(body),
      lines: body.split('\n').length - 1,
      families: body.split('\n').filter((line) => line.startsWith('# TYPE')).length,
    };
  } finally {
    await cluster.close();
  }
}

const results = { before: [], after: [] };
for (let round = 0; round < Number(roundsText); round++) {
  for (const side of round % 2 === 0 ? ['before', 'after'] : ['after', 'before']) {
    const result = await measure(side === 'before' ? beforeRoot : afterRoot);
    results[side].push(result);
    console.log(JSON.stringify({ round, side, ...result }));
  }
}
const median = (values) => values.sort((a, b) => a - b)[values.length >> 1];
for (const side of ['before', 'after']) {
  const runs = results[side];
  console.log(`${side}: CPU ${Math.round(median(runs.map((r) => r.cpuUsPerScrape)))} us/scrape (runs ${runs.map((r) => Math.round(r.cpuUsPerScrape)).join(' / ')}), ` +
    `GET p50 ${median(runs.map((r) => r.p50Ms)).toFixed(2)} ms, p99 ${median(runs.map((r) => r.p99Ms)).toFixed(2)} ms, ` +
    `${runs[0].bytes} bytes, ${runs[0].lines} lines, ${runs[0].families} families`);
}
process.exit(0);
