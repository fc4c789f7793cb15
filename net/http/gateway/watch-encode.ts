/**
 * WatchResponses as etcd 3.4's gateway streams them: each one a line `{"result":<WatchResponse>}`
 * and "\n" (grpc-gateway's stream chunk and delimiter, stream-chunk.ts), the response written by
 * jsonpb as every gateway answer is (jsonpb-write.ts): zero fields left out, so watch id 0 and PUT
 * event types are absent, event types by name ("type":"DELETE"). Observed on etcd 3.4.23:
 *
 *   {"result":{"header":{...,"revision":"8",...},"created":true}}
 *   {"result":{"header":{...},"events":[{"type":"DELETE","kv":{"key":"YQ==","mod_revision":"4"},"prev_kv":{...}}]}}
 *   {"result":{"header":{"cluster_id":"..","member_id":"..","raft_term":"2"},"canceled":true,"compact_revision":"6"}}
 *
 * An event's JSON is cached on the event (the hub shares Event objects between watchers), with and
 * without its prev_kv, so it is written once however many watchers get it.
 */
import { EventType, type Event } from '../../../engine/mvcc/rpc.js';
import type { WatchResponse } from '../../../engine/watch/watch-types.js';
import { responseHeaderJson, type ResponseHeader } from '../../../engine/wire/response-header.js';
import { boolJson, int64Json, jsonObject, repeatedJson, stringJson } from '../../../engine/wire/jsonpb-write.js';
import { encodeKeyValue } from './kv-encode.js';
import { resultChunk } from './stream-chunk.js';
import { eventFieldBytes, watchResponseBaseBytes } from './watch-proto-size.js';
import { fragmentEnds } from '../../../engine/watch/watch-fragments.js';

const withPrevCache = new WeakMap<Event, string>();
const withoutPrevCache = new WeakMap<Event, string>();

/** An enum by its name, or by number when it has none; PUT (0) is left out. */
function eventTypeJson(type: EventType): string | undefined {
  if (type === EventType.PUT) return undefined;
  const name = EventType[type];
  return name === undefined ? String(type) : `"${name}"`;
}

/** One mvccpb.Event, cached on the event. */
export function encodeEvent(event: Event, withPrevKv: boolean): string {
  const includesPrev = withPrevKv && event.prev_kv !== undefined;
  const cache = includesPrev ? withPrevCache : withoutPrevCache;
  let json = cache.get(event);
  if (json !== undefined) return json;
  json = jsonObject([
    ['type', eventTypeJson(event.type)],
    ['kv', encodeKeyValue(event.kv)],
    ['prev_kv', includesPrev ? encodeKeyValue(event.prev_kv!) : undefined],
  ]);
  cache.set(event, json);
  return json;
}

function resultLine(response: WatchResponse, header: string, events: readonly string[], fragment: boolean): string {
  const body = jsonObject([
    ['header', header],
    ['watch_id', int64Json(response.watch_id)],
    ['created', boolJson(response.created)],
    ['canceled', boolJson(response.canceled)],
    ['compact_revision', int64Json(response.compact_revision)],
    ['cancel_reason', stringJson(response.cancel_reason)],
    ['fragment', boolJson(fragment)],
    ['events', repeatedJson(events)],
  ]);
  return resultChunk(body);
}

/**
 * The lines of one response. With `fragmentBytes` (the watcher asked for fragments), a response of
 * at least that many protobuf bytes with two or more events is split as etcd's sendFragments
 * splits it (engine/watch/watch-fragments.ts), measured in protobuf bytes as etcd measures it.
 * etcd's bound is --max-request-bytes plus gRPC's 512 KiB.
 */
export function encodeWatchResponseLines(response: WatchResponse, header: ResponseHeader, fragmentBytes?: number): string[] {
  const headerJson = responseHeaderJson(header);
  const events = response.events;
  const json = (list: readonly Event[]): string[] => list.map((event) => encodeEvent(event, response.prev_kv));
  if (fragmentBytes === undefined || events.length < 2) return [resultLine(response, headerJson, json(events), false)];
  const fields = { ...response, header };
  const sizes = events.map((event) => eventFieldBytes(event, response.prev_kv));
  const whole = watchResponseBaseBytes({ ...fields, fragment: false }) + sizes.reduce((sum, size) => sum + size, 0);
  const ends = fragmentEnds(sizes, whole, watchResponseBaseBytes({ ...fields, fragment: true }), fragmentBytes);
  let start = 0;
  return ends.map((end) => {
    const line = resultLine(response, headerJson, json(events.slice(start, end)), end < events.length);
    start = end;
    return line;
  });
}
