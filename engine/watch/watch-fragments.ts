/**
 * Which events of a WatchResponse go in which fragment, as etcd's sendFragments decides it, for
 * every transport (gRPC, the JSON gateway and the WebSocket protocol each measure their own bytes
 * and encode the parts their own way):
 *
 * - a response under the limit, or with fewer than two events, goes whole;
 * - otherwise each part, marked fragment, takes events while it stays under the limit, and at
 *   least one (an event is never split), until the last part, which is not marked.
 *
 * etcd measures the protobuf size (gRPC and the gateway, which is a gRPC client of its server, use
 * that); the WebSocket protocol measures its msgpack frames.
 */

/**
 * The end (exclusive) of each part's events: `[eventBytes.length]` when the response goes whole.
 * `wholeBytes` is the response's size unsplit, `partBaseBytes` a part's size without its events
 * (marked fragment), `eventBytes` what each event adds.
 */
export function fragmentEnds(eventBytes: readonly number[], wholeBytes: number, partBaseBytes: number, limitBytes: number): number[] {
  const count = eventBytes.length;
  if (wholeBytes < limitBytes || count < 2) return [count];
  const ends: number[] = [];
  let start = 0;
  while (start < count) {
    let end = start + 1;
    let bytes = partBaseBytes + eventBytes[start]!;
    while (end < count && bytes + eventBytes[end]! < limitBytes) bytes += eventBytes[end++]!;
    ends.push(end);
    start = end;
  }
  return ends;
}
