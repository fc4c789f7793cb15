/** WAL errors cross from the worker to the main thread as fields, rebuilt from them and never parsed back out of a message. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorFromWire, errorToWire, WalCorruptionError, WalFailedError } from '../../engine/wal/errors.js';

test('a failure and a corruption come back from their wire form as the errors they were', () => {
  const failed = errorFromWire(structuredClone(errorToWire(new WalFailedError('fdatasync: EIO (12 bytes free in /d)'))));
  assert.ok(failed instanceof WalFailedError);
  assert.equal(failed.message, 'wal: fdatasync: EIO (12 bytes free in /d)');
  assert.equal(failed.detail, 'fdatasync: EIO (12 bytes free in /d)');
  const other = errorFromWire(structuredClone(errorToWire(new Error('ENOSPC: no space left on device'))));
  assert.ok(other instanceof WalFailedError);
  assert.equal(other.message, 'wal: ENOSPC: no space left on device');
  const corrupt = errorFromWire(structuredClone(errorToWire(new WalCorruptionError('0000000000000001.wal', 4096, 'crc mismatch'))));
  assert.ok(corrupt instanceof WalCorruptionError);
  assert.deepEqual([corrupt.file, corrupt.offset, corrupt.reason], ['0000000000000001.wal', 4096, 'crc mismatch']);
});
