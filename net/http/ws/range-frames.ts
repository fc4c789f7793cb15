/**
 * A Range answer as a protocol frame whose kvs come in pages the apply worker packed (each kv a
 * msgpack map, range-pages.ts): the frame's head is packed here with an empty kvs array last, which
 * is cut off and replaced by the array's header for the kvs the pages hold, as watch-frames.ts
 * does for events. A range of one page goes out as one frame; a longer one as WebSocket fragments
 * of one message, each page sent as the socket takes the one before (ws-endpoint.ts).
 *
 *   {id, result: {header, more, count, kvs: [kv1 kv2 ...]}}
 *    └──── packed by msgpackr with kvs: [] ────┘ └ array header + pages
 */
import type { RangePageReader } from '../../../engine/mvcc/range-page-reader.js';
import type { ResponseHeader } from '../../../engine/wire/response-header.js';
import { encodeValue } from './protocol.js';
import { arrayHeader, EMPTY_ARRAY } from './watch-frames.js';

/** What dispatch answers a range with: the transport sends its pages as the socket takes them. */
export class PagedRangeAnswer {
  constructor(readonly header: ResponseHeader, readonly pages: RangePageReader) {}
}

/** Everything of the answer frame before its kvs' elements. */
export function rangeFrameHead(id: number, answer: PagedRangeAnswer): Buffer {
  const { more, count, kvs } = answer.pages.head;
  const shell = encodeValue({ id, result: { header: answer.header, more, count, kvs: [] } });
  // `kvs` is the last field written, so the shell ends with its empty array.
  if (shell[shell.length - 1] !== EMPTY_ARRAY) throw new Error('range frame: the packed shell does not end with the kvs array');
  return Buffer.concat([shell.subarray(0, shell.length - 1), arrayHeader(kvs)]);
}

/**
 * A range answer in the outbox whose pages are still being read: its head goes out as the first
 * fragment, each page as the next, and an empty last fragment ends the message.
 */
export class PagedFrame {
  /** The first fragment is out. */
  started = false;
  /** The next page, once read. */
  page: Uint8Array | undefined;
  /** A page is being read. */
  reading = false;
  /** Every page has been read. */
  exhausted = false;

  constructor(readonly head: Buffer, readonly pages: RangePageReader) {}
}
