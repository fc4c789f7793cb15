/** JSON bodies of etcd's Cluster gateway paths (member add/remove/update/promote). */
import { parseGoJsonStream } from './go-json.js';
import { decodeMessage, type MessageSchema } from './json-codec.js';

export interface MemberAddRequest { peerURLs: string[]; isLearner: boolean }
export interface MemberIdRequest { ID: number }
export interface MemberUpdateRequest { ID: number; peerURLs: string[] }

const MEMBER_ADD_REQUEST: MessageSchema = {
  fields: [{ name: 'peerURLs', kind: { type: 'strings' } }, { name: 'isLearner', kind: { type: 'bool' } }],
  oneof: [],
};
const MEMBER_ID_REQUEST: MessageSchema = { fields: [{ name: 'ID', kind: { type: 'uint64' } }], oneof: [] };
const MEMBER_UPDATE_REQUEST: MessageSchema = {
  fields: [{ name: 'ID', kind: { type: 'uint64' } }, { name: 'peerURLs', kind: { type: 'strings' } }],
  oneof: [],
};

/** POST /v3/cluster/member/add. */
export function decodeMemberAddRequest(body: Uint8Array): MemberAddRequest {
  return { peerURLs: [], isLearner: false, ...decodeMessage(parseGoJsonStream(body), MEMBER_ADD_REQUEST) };
}

/** POST /v3/cluster/member/remove and /promote. */
export function decodeMemberIdRequest(body: Uint8Array): MemberIdRequest {
  return { ID: 0, ...decodeMessage(parseGoJsonStream(body), MEMBER_ID_REQUEST) };
}

/** POST /v3/cluster/member/update. */
export function decodeMemberUpdateRequest(body: Uint8Array): MemberUpdateRequest {
  return { ID: 0, peerURLs: [], ...decodeMessage(parseGoJsonStream(body), MEMBER_UPDATE_REQUEST) };
}
