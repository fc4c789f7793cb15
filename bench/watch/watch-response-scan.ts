/**
 * Reads the few fields the fan-out benchmark needs straight out of a WatchResponse's protobuf
 * bytes, without decoding it into objects: a watcher process receives hundreds of thousands of
 * responses per second, and a protobufjs decode of each would make the client the bottleneck.
 *
 *   WatchResponse: 1 header{3 revision} | 2 watch_id | 3 created | 4 canceled | 11 events (repeated)
 *   Event:         2 kv{3 mod_revision}
 *
 * One scanner is reused for every response (no allocation per message): `scan` overwrites its
 * fields, and `eventRevisions[0 .. events)` holds each event's mod_revision.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

export class WatchResponseScanner {
  watchId = 0;
  created = false;
  canceled = false;
  /** The response header's revision. */
  revision = 0;
  events = 0;
  /** mod_revision of event i, for i < events (entries past `events` are stale). */
  readonly eventRevisions: number[] = [];
  private bytes: Uint8Array = new Uint8Array(0);
  private position = 0;

  scan(bytes: Uint8Array): void {
    this.bytes = bytes;
    this.position = 0;
    this.watchId = 0;
    this.created = false;
    this.canceled = false;
    this.revision = 0;
    this.events = 0;
    const end = bytes.length;
    while (this.position < end) {
      const tag = this.varint();
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      if (wire === WIRE_BYTES) {
        const length = this.varint();
        const start = this.position;
        this.position += length;
        if (field === 1) this.revision = this.findVarint(start, start + length, 3);
        else if (field === 11) this.eventRevisions[this.events++] = this.eventModRevision(start, start + length);
      } else if (wire === WIRE_VARINT) {
        const value = this.varint();
        if (field === 2) this.watchId = value;
        else if (field === 3) this.created = value !== 0;
        else if (field === 4) this.canceled = value !== 0;
      } else {
        this.skip(wire);
      }
    }
  }

  /** An Event's kv.mod_revision (0 if absent). */
  private eventModRevision(start: number, end: number): number {
    const saved = this.position;
    this.position = start;
    let revision = 0;
    while (this.position < end) {
      const tag = this.varint();
      if (tag === (2 << 3 | WIRE_BYTES)) {
        const length = this.varint();
        const kvStart = this.position;
        this.position += length;
        revision = this.findVarint(kvStart, kvStart + length, 3);
      } else {
        this.skip(tag & 7);
      }
    }
    this.position = saved;
    return revision;
  }

  /** The value of varint field `wanted` of the message in [start, end) (0 if absent). */
  private findVarint(start: number, end: number, wanted: number): number {
    const saved = this.position;
    this.position = start;
    let value = 0;
    while (this.position < end) {
      const tag = this.varint();
      if (tag === (wanted << 3 | WIRE_VARINT)) value = this.varint();
      else this.skip(tag & 7);
    }
    this.position = saved;
    return value;
  }

  /** A varint as a number (exact below 2^53; a negative int64's 10 bytes give a large, inexact value). */
  private varint(): number {
    const bytes = this.bytes;
    let byte = bytes[this.position++]!;
    if (byte < 0x80) return byte;
    let value = byte & 0x7f;
    let scale = 0x80;
    do {
      byte = bytes[this.position++]!;
      value += (byte & 0x7f) * scale;
      scale *= 0x80;
    } while (byte >= 0x80 && this.position < bytes.length);
    return value;
  }

  private skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT: this.varint(); return;
      case WIRE_BYTES: {
        // The length is read first: `position += varint()` would add it to the position before the read.
        const length = this.varint();
        this.position += length;
        return;
      }
      case WIRE_FIXED64: this.position += 8; return;
      case WIRE_FIXED32: this.position += 4; return;
      default: throw new Error(`WatchResponse: unsupported wire type ${wire}`);
    }
  }
}
