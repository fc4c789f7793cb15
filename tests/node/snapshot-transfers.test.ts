/**
 * SnapshotTransfers tells the faults of this member's own disk from a network failure: the first
 * stops the member (onStorageFault), the second only fails the transfer, which the core retries.
 */
import { SILENT_LOGGER } from '../../engine/logger.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnapshotTransfers } from '../../engine/node/snapshot-transfers.js';
import { MessageType, makeMessage } from '../../engine/raft/message.js';
import { SnapshotStatus } from '../../engine/raft/raw-node.js';
import type { StoreSnapshotInfo } from '../../engine/snapshot/store-snapshot.js';
import type { PeerNetwork, SnapshotStore } from '../../engine/node/ports.js';
import { PooledSnapshotStore } from '../../engine/snapshot/snapshot-store.js';
import { SYSTEM_CLOCK } from '../../engine/node/system-clock.js';
import { mountTmpfs, tmpfsUnavailable, unmountTmpfs } from '../tmpfs.js';
import { waitFor } from './cluster-harness.js';

/** Transfers in `dir` whose storage faults land in `faults`; sending is not used. */
function receivingTransfers(dir: string, faults: Error[]): SnapshotTransfers {
  return new SnapshotTransfers({
    dir, kvPath: join(dir, 'kv'),
    store: new PooledSnapshotStore(),
    network: {} as PeerNetwork,
    clock: SYSTEM_CLOCK,
    install: async () => {},
    logger: SILENT_LOGGER,
    reportSnapshot: () => {},
    onStorageFault: (error) => faults.push(error),
  });
}

test('a snapshot that cannot be written to this member\'s disk is a storage fault; one the network fails to send is not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-snap-'));
  const faults: Error[] = [];
  const reports: SnapshotStatus[] = [];
  let diskFull = true;
  const files = new PooledSnapshotStore();
  const store: SnapshotStore = {
    create: (path) => files.create(path),
    remove: (path) => files.remove(path),
    close: () => files.close(),
    writeSnapshot: async (_kvPath: string, outPath: string): Promise<StoreSnapshotInfo> => {
      if (diskFull) throw new Error('ENOSPC: no space left on device, write');
      writeFileSync(outPath, 'snapshot');
      return { path: outPath, appliedIndex: 1, appliedTerm: 1, bytes: 8, rows: 0 };
    },
  };
  const network = { sendSnapshot: async (): Promise<void> => { throw new Error('connection reset by peer'); } };
  const transfers = new SnapshotTransfers({
    dir, kvPath: join(dir, 'kv'),
    store,
    network: network as unknown as PeerNetwork,
    clock: SYSTEM_CLOCK,
    install: async () => {},
    logger: SILENT_LOGGER,
    reportSnapshot: (_to, status) => reports.push(status),
    onStorageFault: (error) => faults.push(error),
  });
  const snapshotTo2 = makeMessage({ type: MessageType.MsgSnap, from: 1, to: 2 });
  try {
    transfers.send(snapshotTo2);
    await waitFor('the first transfer to end', () => reports.length === 1);
    assert.equal(faults.length, 1);
    assert.match(faults[0]!.message, /^writing a snapshot for 2 failed: ENOSPC: no space left on device, write \(\d+ bytes free in .*\)$/);

    diskFull = false;
    transfers.send(snapshotTo2);
    await waitFor('the second transfer to end', () => reports.length === 2);
    assert.equal(faults.length, 1, 'a transfer the network failed is no storage fault');
    assert.deepEqual(reports, [SnapshotStatus.Failure, SnapshotStatus.Failure], 'the core hears of both failures');
  } finally {
    await transfers.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a snapshot from the leader that does not fit on this member\'s disk is a storage fault', { skip: tmpfsUnavailable() }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-snap-'));
  mountTmpfs(dir, 1);
  const faults: Error[] = [];
  const transfers = receivingTransfers(dir, faults);
  try {
    const sink = transfers.incoming(1)!;
    await assert.rejects(sink.write(new Uint8Array(2 * 1024 * 1024)), /^Error: writing the snapshot from 1 failed: ENOSPC/);
    sink.abort();
    await waitFor('the aborted transfer to close and remove its file', () => readdirSync(dir).every((name) => !name.endsWith('.snap')));
    assert.equal(faults.length, 1);
    assert.match(faults[0]!.message, /\(\d+ bytes free in .*\)$/);
  } finally {
    await transfers.close();
    unmountTmpfs(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});
