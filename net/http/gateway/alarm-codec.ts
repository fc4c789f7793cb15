/**
 * POST /v3/maintenance/alarm: the AlarmRequest body in and the AlarmResponse out, as etcd 3.4's
 * gateway reads and writes them (jsonpb: enums by their upstream names, "ACTIVATE", "CORRUPT", or
 * by number; uint64 member ids as decimal strings; defaults left out). cairn member ids stay below
 * 2^53; a larger memberID is refused with INVALID_ARGUMENT rather than rounded into another id.
 */
import { AlarmAction, AlarmType, type AlarmMember, type AlarmRequest, type AlarmResponse } from '../../../engine/alarm/alarm-rpc.js';
import { EtcdError, GrpcCode } from '../../../engine/errors.js';
import { parseGoJsonStream } from './go-json.js';
import { decodeMessage, type MessageSchema } from './json-codec.js';
import { int64Json, jsonObject, repeatedJson } from '../../../engine/wire/jsonpb-write.js';
import { enumValues } from './kv-decode.js';

const ALARM_REQUEST: MessageSchema = {
  fields: [
    { name: 'action', kind: { type: 'enum', goType: 'etcdserverpb.AlarmRequest_AlarmAction', values: enumValues(AlarmAction) } },
    { name: 'memberID', kind: { type: 'uint64' } },
    { name: 'alarm', kind: { type: 'enum', goType: 'etcdserverpb.AlarmType', values: enumValues(AlarmType) } },
  ],
  oneof: [],
};

/** Decodes POST /v3/maintenance/alarm's body; throws what the gateway answers 400 with. */
export function decodeAlarmRequest(body: Uint8Array): AlarmRequest {
  const message = decodeMessage(parseGoJsonStream(body), ALARM_REQUEST);
  const memberID = (message.memberID as number | undefined) ?? 0;
  if (!Number.isSafeInteger(memberID)) {
    throw new EtcdError(GrpcCode.INVALID_ARGUMENT, `cairn: memberID ${memberID} is outside the supported range (|n| <= 2^53-1)`);
  }
  return {
    action: (message.action as AlarmAction | undefined) ?? AlarmAction.GET,
    memberID,
    alarm: (message.alarm as AlarmType | undefined) ?? AlarmType.NONE,
  };
}

function alarmTypeJson(type: AlarmType): string | undefined {
  if (type === AlarmType.NONE) return undefined;
  const name = AlarmType[type];
  return name === undefined ? String(type) : `"${name}"`;
}

function encodeAlarmMember(alarm: AlarmMember): string {
  return jsonObject([['memberID', int64Json(alarm.memberID)], ['alarm', alarmTypeJson(alarm.alarm)]]);
}

/** The AlarmResponse as the gateway writes it: etcd 3.4 sends it without a header. */
export function encodeAlarmResponse(response: AlarmResponse): string {
  return jsonObject([['alarms', repeatedJson(response.alarms.map(encodeAlarmMember))]]);
}
