/** MemberList, Status and Hash responses as etcd 3.4's gateway writes them. */
import type { HashResponse, Member, MemberAddResponse, MemberListResponse, StatusResponse } from './cluster-types.js';
import { responseHeaderJson } from '../../../engine/wire/response-header.js';
import { goJsonString } from '../../../engine/wire/go-json-string.js';
import { boolJson, int32Json, int64Json, jsonObject, repeatedJson, stringJson } from '../../../engine/wire/jsonpb-write.js';

function encodeMember(member: Member): string {
  return jsonObject([
    ['ID', int64Json(member.ID)],
    ['name', stringJson(member.name)],
    ['peerURLs', repeatedJson(member.peerURLs.map(goJsonString))],
    ['clientURLs', repeatedJson(member.clientURLs.map(goJsonString))],
    ['isLearner', boolJson(member.isLearner)],
  ]);
}

/** POST /v3/cluster/member/list. */
export function encodeMemberListResponse(response: MemberListResponse): string {
  return jsonObject([
    ['header', responseHeaderJson(response.header)],
    ['members', repeatedJson(response.members.map(encodeMember))],
  ]);
}

/** POST /v3/cluster/member/add. */
export function encodeMemberAddResponse(response: MemberAddResponse): string {
  return jsonObject([
    ['header', responseHeaderJson(response.header)],
    ['member', encodeMember(response.member)],
    ['members', repeatedJson(response.members.map(encodeMember))],
  ]);
}

/** POST /v3/maintenance/status. */
export function encodeStatusResponse(response: StatusResponse): string {
  return jsonObject([
    ['header', responseHeaderJson(response.header)],
    ['version', stringJson(response.version)],
    ['dbSize', int64Json(response.dbSize)],
    ['leader', int64Json(response.leader)],
    ['raftIndex', int64Json(response.raftIndex)],
    ['raftTerm', int64Json(response.raftTerm)],
    ['raftAppliedIndex', int64Json(response.raftAppliedIndex)],
    ['errors', repeatedJson(response.errors?.map(goJsonString))],
    ['dbSizeInUse', int64Json(response.dbSizeInUse)],
    ['isLearner', boolJson(response.isLearner)],
  ]);
}

/** POST /v3/maintenance/hash. */
export function encodeHashResponse(response: HashResponse): string {
  return jsonObject([['header', responseHeaderJson(response.header)], ['hash', int32Json(response.hash)]]);
}
