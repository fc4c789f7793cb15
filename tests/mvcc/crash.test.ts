import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MvccStore } from '../../engine/mvcc/store.js';
import { CRASH_KEYS, crashEntry } from './crash-child.js';
import { b, s, tempDir } from './helpers.js';

const CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));

const CHILD_TIMEOUT_MS = 30_000;

/** Runs the child until it has reported `reportsBeforeKill` batches, then SIGKILLs it. */
async function runAndKill(path: string, reportsBeforeKill: number): Promise<number> {
  const child = spawn(process.execPath, [CHILD, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  let reports = 0;
  let lastReported = 0;
  // A child that stops reporting must not hang the suite.
  const watchdog = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(watchdog);
      if (signal === 'SIGKILL' && reports >= reportsBeforeKill) resolve();
      else reject(new Error(`child exited (${code ?? signal}) after ${reports} of ${reportsBeforeKill} reports`));
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        const match = /^applied (\d+)$/.exec(line);
        if (match === null) continue;
        lastReported = Number(match[1]);
        if (++reports === reportsBeforeKill) child.kill('SIGKILL');
      }
    });
  });
  return lastReported;
}

/** Checks the store holds exactly the effect of entries 1..applied index, each applied once. */
function assertConsistent(store: MvccStore): number {
  const { applied_index: applied, current_revision: revision } = store.status();
  assert.equal(revision, applied + 1, 'one put per entry after the initial revision 1: the revision is the applied index + 1');
  for (let key = 0; key < CRASH_KEYS; key++) {
    const [kv] = store.range({ key: b(`k${key}`) }).response.kvs;
    const writes = applied >= key ? Math.floor((applied - key) / CRASH_KEYS) + (key === 0 ? 0 : 1) : 0;
    if (writes === 0) { assert.equal(kv, undefined); continue; }
    const last = key + (writes - (key === 0 ? 0 : 1)) * CRASH_KEYS;
    assert.equal(s(kv?.value), `v${last}`, `k${key} holds the last applied write`);
    assert.equal(kv!.version, writes, `k${key} was written exactly ${writes} times`);
  }
  return applied;
}

test('a worker killed with SIGKILL mid-stream leaves applied index and data consistent, and re-sent entries apply once', async () => {
  const dir = tempDir();
  try {
    const reportedFirst = await runAndKill(dir.path, 5);
    let store = new MvccStore(dir.path);
    const appliedFirst = assertConsistent(store);
    assert.ok(appliedFirst >= reportedFirst, 'nothing reported as applied was lost');
    await store.close();

    // A restarted child resumes after the applied index; kill it again.
    const reportedSecond = await runAndKill(dir.path, 3);
    store = new MvccStore(dir.path);
    const appliedSecond = assertConsistent(store);
    assert.ok(appliedSecond >= reportedSecond && appliedSecond > appliedFirst);

    // The log is replayed from the start, as after a restart with an old snapshot: only new entries apply.
    const replay = Array.from({ length: appliedSecond + 50 }, (_, i) => crashEntry(i + 1));
    for (let start = 0; start < replay.length; start += 1000) store.applyEntries(replay.slice(start, start + 1000));
    assert.equal(assertConsistent(store), appliedSecond + 50);
    await store.close();
  } finally {
    dir.remove();
  }
});
