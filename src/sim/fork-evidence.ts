/**
 * When correct validators decided different blocks at one height **in one round**, their two
 * commits are the evidence: each carries precommits of more than 2/3 of the power, so the
 * validators whose signatures are in both (two different blocks precommitted at one height and
 * round: a double sign) hold more than 1/3. Commits of different rounds prove nothing by
 * themselves — a correct validator may precommit A in round 0 and, after a polka for B in a
 * later round, precommit B — so those are left to the amnesia analysis over every vote
 * (accountability.ts).
 */
import { toHex } from '../codec/bytes.js';
import { COMMIT_FLAG_COMMIT, type Commit } from '../codec/vote.js';

/** Hex addresses of validators whose precommits are in two commits of different blocks at one height and round. */
export function forkEvidence(decisionsPerValidator: readonly (readonly { height: number; blockHash: string; commit: Commit }[])[]): string[] {
  const byHeight = new Map<string, Map<string, Commit>>();
  for (const decisions of decisionsPerValidator) {
    for (const d of decisions) {
      const key = `${d.height}/${d.commit.round}`;
      const forks = byHeight.get(key) ?? new Map<string, Commit>();
      forks.set(d.blockHash, d.commit);
      byHeight.set(key, forks);
    }
  }
  const named: string[] = [];
  for (const forks of byHeight.values()) {
    const commits = [...forks.values()];
    for (let a = 0; a < commits.length; a++) {
      const signedA = new Set((commits[a] as Commit).signatures.filter((sig) => sig.flag === COMMIT_FLAG_COMMIT).map((sig) => toHex(sig.validatorAddress)));
      for (let b = a + 1; b < commits.length; b++) {
        for (const sig of (commits[b] as Commit).signatures) {
          const who = toHex(sig.validatorAddress);
          if (sig.flag === COMMIT_FLAG_COMMIT && signedA.has(who) && !named.includes(who)) named.push(who);
        }
      }
    }
  }
  return named;
}
