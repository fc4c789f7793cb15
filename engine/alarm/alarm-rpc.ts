/**
 * The Maintenance.Alarm messages (etcdserverpb.AlarmRequest, AlarmMember, AlarmResponse) with the
 * proto's field names (`memberID`, `alarm`, `action`), so the gRPC adapter passes them through
 * unchanged; enums carry the proto's numbers. The response header is left out, as in
 * engine/mvcc/rpc.ts: the server fills it.
 */

/** etcdserverpb.AlarmType. NONE asks for every alarm in a GET. */
export enum AlarmType {
  NONE = 0,
  NOSPACE = 1,
  CORRUPT = 2,
}

/** etcdserverpb.AlarmRequest.AlarmAction. */
export enum AlarmAction {
  GET = 0,
  ACTIVATE = 1,
  DEACTIVATE = 2,
}

export interface AlarmRequest {
  action: AlarmAction;
  /** The member the alarm is raised for (0 in a GET). */
  memberID: number;
  alarm: AlarmType;
}

/** One raised alarm: a member and an alarm type. */
export interface AlarmMember {
  memberID: number;
  alarm: AlarmType;
}

export interface AlarmResponse {
  alarms: AlarmMember[];
}

/**
 * An alarm as etcd's gogoproto String() writes it (compact text format, with its trailing space):
 * what etcdctl `alarm list` prints and what Maintenance.Status lists under errors.
 */
export function alarmText(alarm: AlarmMember): string {
  return `memberID:${alarm.memberID} alarm:${AlarmType[alarm.alarm] ?? alarm.alarm} `;
}
