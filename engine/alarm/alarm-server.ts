/**
 * Maintenance.Alarm on one member, for every transport. As in etcd 3.4, every action (GET too)
 * is replicated through Raft and answered when its entry applies here, so a GET sees every alarm
 * change committed before it, on any member. Also as in etcd 3.4, the answer has no header.
 */
import type { Member } from '../node/member.js';
import type { AlarmRequest, AlarmResponse } from './alarm-rpc.js';

/** Gets, raises or clears an alarm. */
export async function alarm(member: Member, request: AlarmRequest): Promise<AlarmResponse> {
  const result = await member.propose({ alarm: request });
  return result.response as AlarmResponse;
}
