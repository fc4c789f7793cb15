/**
 * Peer framing: the cost of encoding + decoding one batch frame of Raft-like MsgApp messages
 * (8 messages x 32 entries of 256 bytes) with the chosen codec (msgpackr records defined inline in
 * each frame) against the alternatives considered: plain msgpack maps, msgpackr records with
 * structures shared between the ends (fastest, but the two ends must keep structure state in
 * step), and JSON with base64 bytes.
 */
import { Bench } from 'tinybench';
import { Packr } from 'msgpackr';
import { encodeFrame, FrameDecoder } from '../../net/peer/frame-codec.js';
import { figuresFromBench, writeMicroReport } from './report.js';

const ENTRIES_PER_MESSAGE = 32;
const MESSAGES_PER_FRAME = 8;
const batch = Array.from({ length: MESSAGES_PER_FRAME }, (_, m) => ({
  type: 3, to: 2, from: 1, term: 7, logTerm: 7, index: 1000 + m * ENTRIES_PER_MESSAGE, commit: 990, reject: false, rejectHint: 0,
  entries: Array.from({ length: ENTRIES_PER_MESSAGE }, (_, e) => ({
    term: 7, index: 1001 + m * ENTRIES_PER_MESSAGE + e, type: 0, data: new Uint8Array(256).fill(e),
  })),
}));
const entriesPerFrame = ENTRIES_PER_MESSAGE * MESSAGES_PER_FRAME;

const decoder = new FrameDecoder(1 << 24);
const mapsPackr = new Packr({ useRecords: false });
const sharedPackr = new Packr({ useRecords: true, structures: [] });
const toJson = (value: unknown) => JSON.stringify(value, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));

const bench = new Bench({ time: 1500, warmup: true });
bench.add('msgpackr inline records (chosen): encode + decode one frame', () => {
  decoder.push(encodeFrame(batch));
});
bench.add('msgpack maps: encode + decode one frame', () => {
  mapsPackr.unpack(mapsPackr.pack(batch));
});
bench.add('msgpackr shared structures: encode + decode one frame', () => {
  sharedPackr.unpack(sharedPackr.pack(batch));
});
bench.add('JSON + base64: encode + decode one frame', () => {
  JSON.parse(toJson(batch));
});
await bench.run();
const figures = figuresFromBench(bench, 'frames/s');
for (const figure of [...figures]) {
  figures.push({ name: figure.name.replace('one frame', 'entries'), value: figure.value * entriesPerFrame, unit: 'entries/s' });
}
writeMicroReport('peer-frame', figures, [
  `A frame holds ${MESSAGES_PER_FRAME} MsgApp messages of ${ENTRIES_PER_MESSAGE} entries x 256 B.`,
  `Encoded size: inline records ${encodeFrame(batch).length} B, maps ${mapsPackr.pack(batch).length} B, shared structures ${sharedPackr.pack(batch).length} B, JSON ${toJson(batch).length} B.`,
  'Shared structures can measure faster than inline records (see the table), but need both ends to keep structure tables in step across reconnects; inline records were chosen for frames that decode on their own, until a profile shows peer framing matters.',
  'JSON decoding leaves base64 strings; turning them back into bytes would cost more still.',
]);
