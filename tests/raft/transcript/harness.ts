/**
 * The transcript harness: runs a small script language against a cluster of RawNodes joined by an
 * in-process network that delivers only when told, and records a readable trace. Scripts and
 * their expected traces live in tests/raft/transcripts/*.txt (see transcript-file.ts).
 *
 * Commands (ids are member ids; lists are comma-separated):
 *   add-nodes N [voters=1,2,3] [learners=4] [prevote=false] [checkquorum=false] [election=10]
 *             [heartbeat=1] [max-msg-bytes=B] [max-inflight=N] [max-uncommitted-bytes=B]
 *             [disable-forwarding=true] [random=0.5]      add N members with the next ids
 *   campaign ID | propose ID DATA | propose-conf-change ID add|remove|add-learner|update NODE
 *   process-ready ID...         one ready/persist/send/apply/advance cycle per member
 *   ready ID | persist ID       the same cycle in two halves: take the Ready and send only the
 *                               messages that may leave before persistence; later persist it,
 *                               send the rest, apply and advance
 *   deliver-msgs [ID...] [from=ID] [drop=true]   deliver (or drop) messages queued for these members
 *   stabilize [ID...] [quiet=true]     repeat process-ready and deliver-msgs until nothing moves
 *   tick ID [N] | tick-election ID | tick-heartbeat ID
 *   partition 1,2 3             drop messages between the groups; heal
 *   compact ID INDEX            snapshot the applied state at INDEX and compact the log to it
 *   transfer-leader FROM TO | read-index ID CTX | report-unreachable ID PEER
 *   restart ID [applied=N]      crash and restart a member from its storage (state machine at N),
 *                               losing a Ready taken by `ready` and not persisted
 *   status ID | raft-log ID
 */
import { ConfChangeType, decodeConfChange } from '../../../engine/raft/confchange.js';
import type { RaftError } from '../../../engine/raft/errors.js';
import { MemoryStorage } from '../../../engine/raft/memory-storage.js';
import type { Message } from '../../../engine/raft/message.js';
import { MessageType } from '../../../engine/raft/message.js';
import type { Config } from '../../../engine/raft/config.js';
import type { Ready } from '../../../engine/raft/raw-node.js';
import { RawNode, SnapshotStatus } from '../../../engine/raft/raw-node.js';
import type { ConfState, Entry } from '../../../engine/raft/types.js';
import { EntryType } from '../../../engine/raft/types.js';
import { formatBytes, formatConfState, formatEntry, formatMessage, formatReady } from './format.js';

/** Upper bound on stabilize rounds: a livelock is a failure, not a hang. */
const STABILIZE_ROUNDS_MAX = 1000;

const CONF_CHANGE_TYPES: Record<string, ConfChangeType> = {
  add: ConfChangeType.AddNode,
  remove: ConfChangeType.RemoveNode,
  update: ConfChangeType.UpdateNode,
  'add-learner': ConfChangeType.AddLearnerNode,
};

interface Member {
  id: number;
  config: Config;
  storage: MemoryStorage;
  node: RawNode;
  confState: ConfState;
  applied: number;
  /** A Ready taken by `ready` and not yet persisted by `persist`. */
  held: Ready | null;
  /** Applied normal entries with data, the "state machine". */
  appliedData: { index: number; data: string }[];
}

/** Parsed command line: the verb, positional arguments and key=value options. */
interface Command {
  verb: string;
  args: string[];
  options: Map<string, string>;
}

function parseCommand(line: string): Command {
  const [verb, ...rest] = line.trim().split(/\s+/);
  const args: string[] = [];
  const options = new Map<string, string>();
  for (const token of rest) {
    const eq = token.indexOf('=');
    if (eq > 0) options.set(token.slice(0, eq), token.slice(eq + 1));
    else args.push(token);
  }
  return { verb: verb!, args, options };
}

function idList(text: string | undefined): number[] {
  if (text === undefined || text === '') return [];
  return text.split(',').map((s) => parseId(s));
}

function parseId(text: string): number {
  const id = Number(text);
  if (!Number.isInteger(id) || id <= 0) throw new Error(`bad member id ${text}`);
  return id;
}

export class Harness {
  private readonly members = new Map<number, Member>();
  /** Messages sent and not yet delivered, in send order. */
  private inTransit: Message[] = [];
  private groups: number[][] = [];

  /** Runs one command and returns its trace lines. */
  run(line: string): string[] {
    const cmd = parseCommand(line);
    const out: string[] = [];
    switch (cmd.verb) {
      case 'add-nodes': this.addNodes(cmd, out); break;
      case 'campaign': this.reportError(out, this.member(cmd.args[0]).node.campaign()); break;
      case 'propose':
        this.reportError(out, this.member(cmd.args[0]).node.propose(new TextEncoder().encode(cmd.args[1] ?? '')));
        break;
      case 'propose-conf-change': this.proposeConfChange(cmd, out); break;
      case 'process-ready': for (const id of cmd.args.map(parseId)) this.processReady(this.member(String(id)), out); break;
      case 'ready': this.takeReady(this.member(cmd.args[0]), out); break;
      case 'persist': this.persist(this.member(cmd.args[0]), out); break;
      case 'deliver-msgs': this.deliverCommand(cmd, out); break;
      case 'stabilize': this.stabilize(cmd, out); break;
      case 'tick': this.tick(this.member(cmd.args[0]), Number(cmd.args[1] ?? '1')); break;
      case 'tick-election': this.tick(this.member(cmd.args[0]), this.member(cmd.args[0]).config.electionTick ?? 10); break;
      case 'tick-heartbeat': this.tick(this.member(cmd.args[0]), this.member(cmd.args[0]).config.heartbeatTick ?? 1); break;
      case 'partition': this.groups = cmd.args.map(idList); break;
      case 'heal': this.groups = []; break;
      case 'compact': this.compact(this.member(cmd.args[0]), Number(cmd.args[1]), out); break;
      case 'transfer-leader': this.member(cmd.args[0]).node.transferLeadership(parseId(cmd.args[1]!)); break;
      case 'read-index':
        this.reportError(out, this.member(cmd.args[0]).node.readIndex(new TextEncoder().encode(cmd.args[1] ?? '')));
        break;
      case 'report-unreachable': this.member(cmd.args[0]).node.reportUnreachable(parseId(cmd.args[1]!)); break;
      case 'restart': this.restart(this.member(cmd.args[0]), cmd, out); break;
      case 'status': this.status(this.member(cmd.args[0]), out); break;
      case 'raft-log': this.raftLog(this.member(cmd.args[0]), out); break;
      default: throw new Error(`unknown command ${cmd.verb}`);
    }
    return out;
  }

  private member(idText: string | undefined): Member {
    const member = this.members.get(parseId(idText ?? ''));
    if (member === undefined) throw new Error(`no member ${idText}`);
    return member;
  }

  private reportError(out: string[], err: RaftError | null): void {
    if (err !== null) out.push(`error: ${err.message}`);
  }

  private addNodes(cmd: Command, out: string[]): void {
    const count = Number(cmd.args[0]);
    const first = this.members.size + 1;
    const ids = Array.from({ length: count }, (_, i) => first + i);
    const voters = cmd.options.has('voters') ? idList(cmd.options.get('voters')) : ids;
    const learners = idList(cmd.options.get('learners'));
    const randomValue = Number(cmd.options.get('random') ?? '0');
    for (const id of ids) {
      const storage = new MemoryStorage({ voters, learners });
      const config: Config = {
        id, storage, random: () => randomValue,
        electionTick: Number(cmd.options.get('election') ?? '10'),
        heartbeatTick: Number(cmd.options.get('heartbeat') ?? '1'),
        preVote: cmd.options.get('prevote') !== 'false',
        checkQuorum: cmd.options.get('checkquorum') !== 'false',
        disableProposalForwarding: cmd.options.get('disable-forwarding') === 'true',
      };
      const maxMsg = cmd.options.get('max-msg-bytes');
      if (maxMsg !== undefined) config.maxSizePerMsgBytes = Number(maxMsg);
      const maxInflight = cmd.options.get('max-inflight');
      if (maxInflight !== undefined) config.maxInflightMsgs = Number(maxInflight);
      const maxUncommitted = cmd.options.get('max-uncommitted-bytes');
      if (maxUncommitted !== undefined) config.maxUncommittedEntriesBytes = Number(maxUncommitted);
      this.members.set(id, {
        id, config, storage, node: new RawNode(config), confState: { voters, learners }, applied: 0, appliedData: [], held: null,
      });
      out.push(`added member ${id}: ${formatConfState({ voters, learners })}`);
    }
  }

  private proposeConfChange(cmd: Command, out: string[]): void {
    const type = CONF_CHANGE_TYPES[cmd.args[1] ?? ''];
    if (type === undefined) throw new Error(`unknown conf change ${cmd.args[1]}`);
    this.reportError(out, this.member(cmd.args[0]).node.proposeConfChange({ type, nodeId: parseId(cmd.args[2]!) }));
  }

  private tick(member: Member, ticks: number): void {
    for (let i = 0; i < ticks; i++) member.node.tick();
  }

  /** One turn of the driver loop, in the order raw-node.ts documents. */
  private processReady(member: Member, out: string[]): boolean {
    if (!member.node.hasReady()) return false;
    this.takeReady(member, out);
    this.persist(member, out);
    return true;
  }

  /** Takes the Ready and sends what may leave before persistence. */
  private takeReady(member: Member, out: string[]): void {
    if (member.held !== null) throw new Error(`member ${member.id} already holds a Ready`);
    if (!member.node.hasReady()) {
      out.push(`${member.id} has no Ready`);
      return;
    }
    const rd = member.node.ready();
    out.push(`> ${member.id} handling Ready`);
    for (const line of formatReady(rd)) out.push(`  ${line}`);
    this.inTransit.push(...rd.messages);
    member.held = rd;
  }

  /** Persists the held Ready, sends the rest of its messages, applies and advances. */
  private persist(member: Member, out: string[]): void {
    const rd = member.held;
    if (rd === null) throw new Error(`member ${member.id} holds no Ready`);
    member.held = null;
    if (rd.snapshot !== null) {
      member.storage.applySnapshot(rd.snapshot);
      member.confState = rd.snapshot.meta.confState;
      member.applied = rd.snapshot.meta.index;
      member.appliedData = new TextDecoder().decode(rd.snapshot.data).split(',').filter((s) => s !== '')
        .map((data) => ({ index: rd.snapshot!.meta.index, data }));
    }
    member.storage.append(rd.entries);
    if (rd.hardState !== null) member.storage.setHardState(rd.hardState);
    this.inTransit.push(...rd.messagesAfterPersist);
    for (const entry of rd.committedEntries) this.apply(member, entry, out);
    member.node.advance();
  }

  private apply(member: Member, entry: Entry, out: string[]): void {
    if (entry.type === EntryType.ConfChange) {
      member.confState = member.node.applyConfChange(decodeConfChange(entry.data));
      out.push(`  ${member.id} applied ${formatEntry(entry)}: ${formatConfState(member.confState)}`);
    } else if (entry.data.length > 0) {
      member.appliedData.push({ index: entry.index, data: new TextDecoder().decode(entry.data) });
    }
    member.applied = entry.index;
  }

  private partitioned(from: number, to: number): boolean {
    if (this.groups.length === 0) return false;
    const groupOf = (id: number): number => this.groups.findIndex((g) => g.includes(id));
    return groupOf(from) !== groupOf(to);
  }

  private deliverCommand(cmd: Command, out: string[]): void {
    const ids = cmd.args.length > 0 ? cmd.args.map(parseId) : [...this.members.keys()].sort((a, b) => a - b);
    const from = cmd.options.has('from') ? parseId(cmd.options.get('from')!) : 0;
    for (const id of ids) this.deliver(id, out, cmd.options.get('drop') === 'true', from);
  }

  /** Delivers (or drops) every message queued for `to` (from `from`, if not 0); true if there were any. */
  private deliver(to: number, out: string[], drop: boolean, from = 0): boolean {
    const selected = (m: Message): boolean => m.to === to && (from === 0 || m.from === from);
    const mine = this.inTransit.filter(selected);
    if (mine.length === 0) return false;
    this.inTransit = this.inTransit.filter((m) => !selected(m));
    const member = this.members.get(to);
    out.push(`> ${to} receiving messages`);
    for (const m of mine) {
      if (drop || member === undefined || this.partitioned(m.from, m.to)) {
        out.push(`  ${formatMessage(m)} DROPPED`);
        continue;
      }
      out.push(`  ${formatMessage(m)}`);
      this.reportError(out, member.node.step(m));
      if (m.type === MessageType.MsgSnap) {
        // The transport reports a finished snapshot transfer back to the sender.
        this.members.get(m.from)?.node.reportSnapshot(to, SnapshotStatus.Finish);
      }
    }
    return true;
  }

  private stabilize(cmd: Command, out: string[]): void {
    const ids = cmd.args.length > 0 ? cmd.args.map(parseId) : [...this.members.keys()].sort((a, b) => a - b);
    const trace: string[] = [];
    for (let round = 0; round < STABILIZE_ROUNDS_MAX; round++) {
      let moved = false;
      for (const id of ids) moved = this.processReady(this.members.get(id)!, trace) || moved;
      for (const id of ids) moved = this.deliver(id, trace, false) || moved;
      if (!moved) {
        if (cmd.options.get('quiet') !== 'true') out.push(...trace);
        return;
      }
    }
    throw new Error(`stabilize did not settle within ${STABILIZE_ROUNDS_MAX} rounds`);
  }

  private compact(member: Member, index: number, out: string[]): void {
    if (index > member.applied) throw new Error(`compact ${index} beyond applied ${member.applied}`);
    const data = new TextEncoder().encode(stateOf(member));
    const snap = member.storage.createSnapshot(index, member.confState, data);
    if ('code' in snap) out.push(`error: ${snap.message}`);
    const err = member.storage.compact(index);
    if (err !== null) out.push(`error: ${err.message}`);
    out.push(`${member.id} compacted to ${index}: first index ${member.storage.firstIndex()}`);
  }

  private restart(member: Member, cmd: Command, out: string[]): void {
    // Undelivered messages to a crashed member are lost with it, and so is a Ready it took but
    // did not persist (its messages that left before persistence are already in transit).
    this.inTransit = this.inTransit.filter((m) => m.to !== member.id);
    member.held = null;
    const applied = cmd.options.get('applied');
    if (applied !== undefined) {
      // The state machine lost what it applied after this index (it was not yet durable).
      member.applied = Number(applied);
      member.appliedData = member.appliedData.filter((e) => e.index <= member.applied);
    }
    const config: Config = { ...member.config, applied: member.applied };
    member.config = config;
    member.node = new RawNode(config);
    out.push(`${member.id} restarted at applied ${member.applied}`);
  }

  private status(member: Member, out: string[]): void {
    const s = member.node.status();
    out.push(`${s.id}: Term:${s.term} Vote:${s.vote} Lead:${s.lead} Role:${s.role} Commit:${s.commit} Applied:${s.applied}`
      + (s.leadTransferee !== 0 ? ` Transferee:${s.leadTransferee}` : ''));
    out.push(`  ConfState ${formatConfState(s.confState)}`);
    for (const p of s.progress) {
      out.push(`  ${p.id}: ${p.state} match=${p.match} next=${p.next}${p.isLearner ? ' learner' : ''}`
        + `${p.inflightCount > 0 ? ` inflight=${p.inflightCount}` : ''}${p.recentActive ? '' : ' inactive'}`);
    }
  }

  private raftLog(member: Member, out: string[]): void {
    const first = member.storage.firstIndex();
    const last = member.storage.lastIndex();
    const entries = first <= last ? member.storage.entries(first, last + 1, Number.MAX_SAFE_INTEGER) : [];
    if ('code' in entries) throw new Error(entries.message);
    out.push(`${member.id} log [${first}, ${last}] applied:${member.applied} state:${formatBytes(new TextEncoder().encode(stateOf(member)))}`);
    for (const e of entries) out.push(`  ${formatEntry(e)}`);
  }
}

function stateOf(member: Member): string {
  return member.appliedData.map((e) => e.data).join(',');
}
