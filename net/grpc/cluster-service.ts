/** etcd's Cluster service over gRPC: MemberList. (Add/Remove/Update/Promote come with membership changes.) */
import type * as grpc from '@grpc/grpc-js';
import type { MemberInfo } from '../../engine/node/cluster-members.js';
import type { KvServer } from '../../engine/node/kv-server.js';
import type { Member } from '../../engine/node/member.js';
import { unary } from './unary.js';

export function clusterService(member: Member, kv: KvServer, members: () => MemberInfo[]): grpc.UntypedServiceImplementation {
  return {
    MemberList: unary(() => ({
      header: kv.header(member.status().revision),
      members: members().map((info) => ({
        ID: info.id, name: info.name, peerURLs: info.peerUrls, clientURLs: info.clientUrls, isLearner: info.isLearner,
      })),
    })),
  };
}
