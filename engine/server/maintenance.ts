/**
 * Maintenance.Status of one member, built once for every transport (gRPC, the JSON gateway, the
 * WebSocket protocol), with the field names of etcd's proto (which are lowerCamel for this
 * message). The LMDB data file's size stands where etcd reports its bbolt file's size. As etcd's,
 * its errors list the raised alarms.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { alarmText } from '../alarm/alarm-rpc.js';
import { ETCD_API_VERSION } from '../node/cluster-members.js';
import type { ResponseHeader } from '../wire/response-header.js';
import type { Member } from '../node/member.js';

/** etcdserverpb.StatusResponse as etcd 3.4 defines it. */
export interface StatusResponse {
  header: ResponseHeader;
  version: string;
  dbSize: number;
  leader: number;
  raftIndex: number;
  raftTerm: number;
  raftAppliedIndex: number;
  errors: string[];
  dbSizeInUse: number;
  isLearner: boolean;
}

/** The size of the store's data file (etcd's bbolt file size); 0 before it exists. */
export function dbSizeBytes(member: Member): number {
  try {
    return statSync(join(member.kvPath, 'data.mdb')).size;
  } catch {
    return 0; // no data file yet: an empty store
  }
}

/** This member's status, as Maintenance.Status answers it, with the header `header` builds. */
export function memberStatus(member: Member, header: (revision: number) => ResponseHeader): StatusResponse {
  const status = member.status();
  const dbSize = dbSizeBytes(member);
  return {
    header: header(status.revision),
    version: ETCD_API_VERSION,
    dbSize,
    leader: status.leader,
    raftIndex: status.commitIndex,
    raftTerm: status.term,
    raftAppliedIndex: status.appliedIndex,
    errors: member.applier.alarms.map(alarmText),
    dbSizeInUse: dbSize,
    isLearner: false,
  };
}
