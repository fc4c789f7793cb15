/**
 * The apply worker's reports cross the report ring whole: a report larger than one ring record is
 * split into fragments and put back together (each fragment copied once, into a buffer of the
 * length the first one announces), in order with the small reports around it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReportReader, writeReport, type WorkerReport } from '../../engine/mvcc/apply-protocol.js';
import { createRingBuffer, RingReader, RingWriter } from '../../engine/ring/byte-ring.js';

test('small and split reports come out whole and in order', () => {
  const ring = createRingBuffer(1 << 16);
  const writer = new RingWriter(ring);
  const reader = new ReportReader(new RingReader(ring));
  const body = Buffer.alloc(writer.recordBytesMax + 1000);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
  const sent: WorkerReport[] = [
    { compacted: 5, took_ms: 1.5 },
    { reads: [{ id: 1, value: { page: body, last: false } }] },
    { reads: [{ id: 2, error: { code: 11, message: 'etcdserver: mvcc: required revision has been compacted' } }] },
  ];
  const received: WorkerReport[] = [];
  for (const report of sent) {
    writeReport(writer, report);
    reader.drain((got) => received.push(got));
  }
  assert.equal(received.length, 3);
  assert.deepEqual(received[0], sent[0]);
  const split = received[1] as { reads: { id: number; value: { page: Uint8Array; last: boolean } }[] };
  assert.equal(split.reads[0]!.value.last, false);
  assert.ok(Buffer.from(split.reads[0]!.value.page).equals(body), 'the split report\'s bytes all arrived, in place');
  assert.deepEqual(received[2], sent[2]);
});
