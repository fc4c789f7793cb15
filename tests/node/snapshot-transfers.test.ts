/**
 * SnapshotTransfers tells the faults of this member's own disk from a network failure: the first
 * stops the member (onStorageFault), the second only fails the transfer, which the core retries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnapshotTransfers } from '../../engine/node/snapshot-transfers.js';
import { MessageType, makeMessage, type Message } from '../../engine/raft/message.js';
import { SnapshotStatus } from '../../engine/raft/raw-node.js';
import type { SnapshotPool } from '../../engine/snapshot/snapshot-pool.js';
import type { StoreSnapshotInfo } from '../../engine/snapshot/store-snapshot.js';
import type { PeerTransport } from '../../net/peer/peer-transport.js';
import { waitFor } from './cluster-harness.js';

test('a snapshot that cannot be written to this member\'s disk is a storage fault; one the network fails to send is not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-snap-'));
  const faults: Error[] = [];
  const reports: SnapshotStatus[] = [];
  let diskFull = true;
  const pool = {
    writeSnapshot: async (_kvPath: string, outPath: string): Promise<StoreSnapshotInfo> => {
      if (diskFull) throw new Error('ENOSPC: no space left on device, write');
      writeFileSync(outPath, 'snapshot');
      return { path: outPath, appliedIndex: 1, appliedTerm: 1, bytes: 8, rows: 0 };
    },
  };
  const transport = { sendSnapshot: async (): Promise<void> => { throw new Error('connection reset by peer'); } };
  const transfers = new SnapshotTransfers({
    dir, kvPath: join(dir, 'kv'),
    pool: pool as unknown as SnapshotPool,
    transport: transport as unknown as PeerTransport<Message>,
    install: async () => {},
    log: () => {},
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
