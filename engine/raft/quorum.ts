/**
 * Majority quorums over a single voter set (no joint consensus: membership changes one at a time).
 */

export enum VoteResult {
  Pending = 0,
  Lost = 1,
  Won = 2,
}

/** Votes needed to win among `voterCount` voters. */
export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The highest index acknowledged by a majority of voters: sort the voters' matches descending and
 * take the majority-th one. `scratch` is reused between calls so the hot path does not allocate.
 */
export function committedIndex(voters: readonly number[], matchOf: (id: number) => number, scratch: number[]): number {
  const n = voters.length;
  if (n === 0) return 0;
  if (n === 1) return matchOf(voters[0]!);
  if (n === 3) {
    const a = matchOf(voters[0]!);
    const b = matchOf(voters[1]!);
    const c = matchOf(voters[2]!);
    return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  }
  scratch.length = n;
  for (let i = 0; i < n; i++) scratch[i] = matchOf(voters[i]!);
  scratch.sort((x, y) => y - x);
  return scratch[majority(n) - 1]!;
}

/** The outcome of an election given the votes recorded so far (voters who have not answered are pending). */
export function voteResult(voters: readonly number[], votes: ReadonlyMap<number, boolean>): VoteResult {
  if (voters.length === 0) return VoteResult.Won;
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const vote = votes.get(id);
    if (vote === true) granted++;
    else if (vote === false) rejected++;
  }
  const needed = majority(voters.length);
  if (granted >= needed) return VoteResult.Won;
  if (voters.length - rejected < needed) return VoteResult.Lost;
  return VoteResult.Pending;
}
