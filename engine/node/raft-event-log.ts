/**
 * Logs what etcd's raft logs when a member's role, term or leader changes, from what the core
 * reports in each Ready (soft state: role and leader; hard state: term). The core itself stays
 * pure (no logger); the member, its driver, calls `observe` after a Ready that changed either.
 *   "<id> became follower at term N" / "became pre-candidate" / "became candidate" / "became leader"
 *   "raft.node: <id> elected leader <lead> at term N" / "changed leader from <a> to <b>" / "lost leader <a>"
 * Only changes are logged: a steady leader or follower writes nothing, whatever the load.
 */
import type { Logger } from '../logger.js';
import { StateRole } from '../raft/raw-node.js';

const BECAME: Readonly<Record<StateRole, string>> = {
  [StateRole.Follower]: 'follower',
  [StateRole.PreCandidate]: 'pre-candidate',
  [StateRole.Candidate]: 'candidate',
  [StateRole.Leader]: 'leader',
};

export class RaftEventLog {
  private role: StateRole = StateRole.Follower;
  private leader = 0;
  private readonly hexId: string;

  constructor(id: number, private readonly logger: Logger, private term: number) {
    this.hexId = id.toString(16);
  }

  /** etcd's raft logs its starting role when it boots. */
  started(): void {
    this.logger.info(`${this.hexId} became follower at term ${this.term}`);
  }

  /** The core's state after a Ready: logs each change since the last call. */
  observe(role: StateRole, leader: number, term: number): void {
    if (role !== this.role || (term !== this.term && role !== StateRole.Leader)) {
      this.logger.info(`${this.hexId} became ${BECAME[role]} at term ${term}`);
    }
    if (leader !== this.leader) {
      const lead = leader.toString(16);
      const was = this.leader.toString(16);
      if (this.leader === 0) this.logger.info(`raft.node: ${this.hexId} elected leader ${lead} at term ${term}`);
      else if (leader === 0) this.logger.info(`raft.node: ${this.hexId} lost leader ${was} at term ${term}`);
      else this.logger.info(`raft.node: ${this.hexId} changed leader from ${was} to ${lead} at term ${term}`);
    }
    this.role = role;
    this.leader = leader;
    this.term = term;
  }
}
