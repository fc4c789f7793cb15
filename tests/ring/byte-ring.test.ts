import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { createRingBuffer, RingReader, RingWriter, recordBytesMax } from '../../engine/ring/byte-ring.js';

function recordOf(sequence: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (sequence * 31 + i) & 0xff;
  return bytes;
}

test('records come out in order, byte for byte, across many wrap-arounds', () => {
  const buffer = createRingBuffer(256);
  const writer = new RingWriter(buffer);
  const reader = new RingReader(buffer);
  let written = 0;
  let read = 0;
  while (read < 2000) {
    while (written < 2000 && writer.tryWrite(recordOf(written, written % 61))) written++;
    writer.publish();
    reader.drain((record) => {
      assert.deepEqual(record, recordOf(read, read % 61));
      read++;
    });
  }
  assert.equal(written, 2000);
});

test('unpublished records are invisible to the reader', () => {
  const buffer = createRingBuffer(64);
  const writer = new RingWriter(buffer);
  const reader = new RingReader(buffer);
  assert.equal(writer.tryWrite(new Uint8Array([1, 2, 3])), true);
  assert.equal(reader.hasData(), false);
  writer.publish();
  assert.equal(reader.hasData(), true);
});

test('a full ring refuses writes until the reader releases space', () => {
  const buffer = createRingBuffer(64);
  const writer = new RingWriter(buffer);
  const reader = new RingReader(buffer);
  let accepted = 0;
  while (writer.tryWrite(new Uint8Array(12))) accepted++;
  assert.equal(accepted, 4, 'four 16-byte records fill 64 bytes');
  writer.publish();
  assert.equal(reader.drain(() => {}, 1), 1);
  assert.equal(writer.tryWrite(new Uint8Array(12)), true);
});

test('a record larger than half the ring is rejected with a clear error', () => {
  const buffer = createRingBuffer(128);
  const writer = new RingWriter(buffer);
  assert.equal(recordBytesMax(buffer), 60);
  assert.throws(() => writer.tryWrite(new Uint8Array(61)), /exceeds the limit of 60/);
});

test('capacity must be a power of two', () => {
  assert.throws(() => createRingBuffer(100), /power of two/);
});

test('a worker echoes 50,000 records through two rings with Atomics wake-ups, nothing lost or reordered', async () => {
  const input = createRingBuffer(1 << 14);
  const output = createRingBuffer(1 << 14);
  const recordsTotal = 50_000;
  const worker = new Worker(new URL('./echo-worker.js', import.meta.url), { workerData: { input, output, recordsTotal } });
  const writer = new RingWriter(input);
  const reader = new RingReader(output);
  let sent = 0;
  let received = 0;
  while (received < recordsTotal) {
    while (sent < recordsTotal && writer.tryWrite(recordOf(sent, 1 + (sent % 200)))) sent++;
    writer.publish();
    if (!reader.hasData()) await Promise.race([reader.waitForDataAsync(), writer.waitForSpaceAsync(512)]);
    reader.drain((record) => {
      assert.deepEqual(record, recordOf(received, 1 + (received % 200)));
      received++;
    });
  }
  await worker.terminate();
});
