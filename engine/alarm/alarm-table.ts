/**
 * The alarms as the state machine holds them (etcd's alarm bucket): which members have which alarm
 * raised. They change only by applied AlarmRequest entries, so every member holds the same set;
 * they are written in the apply transaction (with the applied index), survive restarts and ride in
 * snapshots with the rest of the meta table.
 *
 * Layout, in the meta table:
 *   "alarm/" + member id (16 hex digits) + "/" + alarm type (8 hex digits)  -> empty
 *
 * The store's owner keeps the set in memory too (AlarmTable), because every write request asks
 * it whether an alarm refuses the write (alarm-gate.ts): an LMDB read per request would cost more
 * than the check.
 */
import { EtcdError, GrpcCode } from '../errors.js';
import type { Backend, ReadOptions } from '../mvcc/backend.js';
import { AlarmAction, AlarmType, type AlarmMember, type AlarmRequest, type AlarmResponse } from './alarm-rpc.js';

const ALARM_PREFIX = 'alarm/';
const ALARM_PREFIX_END = 'alarm0'; // '0' follows '/': the first key past every alarm row
const MEMBER_ID_DIGITS = 16;
const TYPE_DIGITS = 8;
const TYPE_MAX = 0xffff_ffff;

/** The row key holds the member id and type in fixed-width hex: anything else cannot be stored. */
function checkAlarmRequest(request: AlarmRequest): void {
  const ok = Number.isSafeInteger(request.memberID) && request.memberID >= 0 &&
    Number.isInteger(request.alarm) && request.alarm >= 0 && request.alarm <= TYPE_MAX;
  if (!ok) throw new EtcdError(GrpcCode.INVALID_ARGUMENT, 'cairn: malformed alarm request');
}

function keyOf(alarm: AlarmMember): Buffer {
  return Buffer.from(`${ALARM_PREFIX}${alarm.memberID.toString(16).padStart(MEMBER_ID_DIGITS, '0')}/` +
    alarm.alarm.toString(16).padStart(TYPE_DIGITS, '0'));
}

function alarmOfKey(key: Buffer): AlarmMember {
  const text = key.toString('latin1');
  const memberStart = ALARM_PREFIX.length;
  const typeStart = memberStart + MEMBER_ID_DIGITS + 1;
  return {
    memberID: Number.parseInt(text.slice(memberStart, memberStart + MEMBER_ID_DIGITS), 16),
    alarm: Number.parseInt(text.slice(typeStart, typeStart + TYPE_DIGITS), 16),
  };
}

/** Every raised alarm, by member id then type. */
function readAlarms(backend: Backend, read: ReadOptions): AlarmMember[] {
  const alarms: AlarmMember[] = [];
  for (const key of backend.meta.getKeys({ start: Buffer.from(ALARM_PREFIX), end: Buffer.from(ALARM_PREFIX_END), ...read })) {
    alarms.push(alarmOfKey(Buffer.from(key)));
  }
  return alarms;
}

/** The alarms of one store, in memory and in its meta table; owned by the store's writer. */
export class AlarmTable {
  private alarms: AlarmMember[];
  /** Counts changes, so the writer can tell when the active set moved (see apply-worker.ts). */
  private changes = 0;

  constructor(private readonly backend: Backend) {
    this.alarms = readAlarms(backend, {});
  }

  /** The raised alarms, sorted by member id then type. */
  get active(): readonly AlarmMember[] {
    return this.alarms;
  }

  /** How many times the set changed since the table was opened. */
  get version(): number {
    return this.changes;
  }

  /** True when some member has an alarm of this type raised. */
  has(type: AlarmType): boolean {
    return this.alarms.some((alarm) => alarm.alarm === type);
  }

  /** Re-reads the set (the store's contents were replaced by a snapshot). */
  reload(): void {
    this.alarms = readAlarms(this.backend, {});
    this.changes++;
  }

  /**
   * Applies an AlarmRequest inside the writer's transaction, as etcd's applier does: GET lists the
   * alarms of a type (NONE: all), ACTIVATE raises one (answering it, or the one already raised),
   * DEACTIVATE clears one (answering it; nothing when it was not raised). Throws an EtcdError,
   * changing nothing, for a negative member id or type.
   */
  apply(request: AlarmRequest): AlarmResponse {
    checkAlarmRequest(request);
    const wanted = { memberID: request.memberID, alarm: request.alarm };
    const existing = this.alarms.find((alarm) => alarm.memberID === wanted.memberID && alarm.alarm === wanted.alarm);
    switch (request.action) {
      case AlarmAction.GET:
        return { alarms: this.alarms.filter((alarm) => request.alarm === AlarmType.NONE || alarm.alarm === request.alarm) };
      case AlarmAction.ACTIVATE:
        if (existing !== undefined) return { alarms: [existing] };
        this.backend.meta.putSync(keyOf(wanted), Buffer.alloc(0));
        this.alarms = readAlarms(this.backend, {});
        this.changes++;
        return { alarms: [wanted] };
      case AlarmAction.DEACTIVATE:
        if (existing === undefined) return { alarms: [] };
        this.backend.meta.removeSync(keyOf(wanted));
        this.alarms = this.alarms.filter((alarm) => alarm !== existing);
        this.changes++;
        return { alarms: [existing] };
      default:
        // etcd answers an unknown action with nothing and changes nothing.
        return { alarms: [] };
    }
  }
}
