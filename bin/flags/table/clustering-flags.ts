/** The Clustering section of the flag table: founding or joining a cluster, reconfiguration, compaction, the v2 API. */
import type { FlagSpec } from '../flag-spec.js';
import { DEFAULT_INITIAL_CLUSTER, group, honoured, key, noOp, OPERATIONS_ISSUE, refused, refusedYet } from './spec.js';

const row = group('Clustering');

const DISCOVERY = 'discovery is not supported: list the founding members with --initial-cluster';
const V2_API = 'the v2 API is out of scope: cairn serves etcd\'s v3 API only';

/** Auto compaction is off while the retention is zero, however it is written. */
function retentionIsOff(value: unknown): boolean {
  return typeof value === 'string' && /^(\+?0+|0+(\.0*)?(ns|us|µs|ms|s|m|h))$/.test(value);
}

export const CLUSTERING_FLAGS: readonly FlagSpec[] = [
  row('initial-advertise-peer-urls', 'urls', 'http://localhost:2380', 'List of this member\'s peer URLs to advertise to the rest of the cluster.', key('string'), honoured()),
  row('initial-cluster', 'string', DEFAULT_INITIAL_CLUSTER, 'Initial cluster configuration for bootstrapping.', key('string'), honoured()),
  row('initial-cluster-state', 'choice', 'new', 'Initial cluster state (\'new\' or \'existing\').', key('string'), honoured(), { choices: ['new', 'existing'] }),
  row('initial-cluster-token', 'string', 'etcd-cluster', 'Initial cluster token for the etcd cluster during bootstrap.', key('string'), honoured()),
  row('advertise-client-urls', 'urls', 'http://localhost:2379', 'List of this member\'s client URLs to advertise to the public.', key('string'), honoured()),
  row('discovery', 'string', '', 'Discovery URL used to bootstrap the cluster.', key('string'), refused(DISCOVERY)),
  row('discovery-fallback', 'choice', 'proxy', 'Expected behavior (\'exit\' or \'proxy\') when discovery services fails.', key('string'), refused(DISCOVERY), { choices: ['proxy', 'exit'] }),
  row('discovery-proxy', 'string', '', 'HTTP proxy to use for traffic to discovery service.', key('string'), refused(DISCOVERY)),
  row('discovery-srv', 'string', '', 'DNS srv domain used to bootstrap the cluster.', key('string'), refused(DISCOVERY)),
  row('discovery-srv-name', 'string', '', 'Suffix to the dns srv name queried when bootstrapping.', key('string'), refused(DISCOVERY)),
  row('strict-reconfig-check', 'bool', 'true', 'Reject reconfiguration requests that would cause quorum loss.', key('bool'), honoured(),
    { note: 'off, MemberAdd/Remove/Promote skip the started-members check (a learner must still be caught up to be promoted)' }),
  row('pre-vote', 'bool', 'true', 'Enable to run an additional Raft election phase.', key('bool'), honoured(), { note: 'on by default, as in etcd 3.5 (3.4: off)' }),
  row('auto-compaction-retention', 'string', '0', 'Auto compaction retention length. 0 means disable auto compaction.', key('string'),
    refusedYet(`auto compaction comes with ${OPERATIONS_ISSUE} (compact with the Compact API)`, retentionIsOff)),
  row('auto-compaction-mode', 'string', 'periodic', 'Interpret \'auto-compaction-retention\' one of: periodic|revision.', key('string'), honoured(),
    { note: 'validated; the retention it reads is refused for now' }),
  row('enable-v2', 'bool', 'false', 'Accept etcd V2 client requests.', key('bool'), refused(V2_API)),
  row('experimental-enable-v2v3', 'string', '', 'Serve v2 requests through the v3 backend under a given prefix.', key('string'), refused(V2_API)),
  row('v2-deprecation', 'choice', 'not-yet', 'v2store deprecation stage: not-yet, write-only, write-only-drop-data or gone.', key('string'),
    noOp('cairn has no v2 store at all (as at stage gone)'), { choices: ['not-yet', 'write-only', 'write-only-drop-data', 'gone'], since: '3.5' }),
];
