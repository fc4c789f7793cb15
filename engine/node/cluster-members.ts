/**
 * What the cluster knows about each member beyond its Raft id: its name and URLs, as
 * Cluster.MemberList reports them. Founding members come from --initial-cluster; membership
 * changes (MemberAdd/Remove/Update) will replicate this table through Raft.
 */
export interface MemberInfo {
  id: number;
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

/** The version of the etcd API cairn speaks, reported where etcd reports its server version. */
export const ETCD_API_VERSION = '3.4.0';

/** etcdserverpb.Member as gRPC and the JSON gateway write it. */
export interface MemberMessage {
  ID: number;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export function memberMessageOf(info: MemberInfo): MemberMessage {
  return { ID: info.id, name: info.name, peerURLs: info.peerUrls, clientURLs: info.clientUrls, isLearner: info.isLearner };
}
