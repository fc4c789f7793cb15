/** Test worker: reads records from one ring and writes them back, byte for byte, into another. */
import { workerData } from 'node:worker_threads';
import { RingReader, RingWriter } from '../../engine/ring/byte-ring.js';

const input = new RingReader(workerData.input as SharedArrayBuffer);
const output = new RingWriter(workerData.output as SharedArrayBuffer);
const recordsTotal = workerData.recordsTotal as number;
let echoed = 0;
while (echoed < recordsTotal) {
  input.waitForData(1000);
  input.drain((record) => {
    while (!output.tryWrite(record)) {
      output.publish();
      output.waitForSpace(record.byteLength + 16, 1000);
    }
    echoed++;
  });
  output.publish();
}
