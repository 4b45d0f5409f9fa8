/**
 * Forensics after a fork (spec/faults.md, "Properties"): from every signed vote seen on the
 * wire, who can be proven to have broken the protocol at the forked height. Two kinds of proof
 * exist in Tendermint (CometBFT's fork-accountability analysis; checked with Ivy and Apalache:
 * every agreement violation with at most 2/3 faulty involves one of them):
 *
 * - **equivocation**: two different signed votes of one type for one height and round;
 * - **amnesia**: a precommit for v1 ≠ nil in round r1 and a prevote for v2 ∉ {nil, v1} in a
 *   round r2 > r1, with no polka (prevotes of more than 2/3 of the power) for v2 in any round r
 *   with r1 ≤ r < r2. A correct validator locks v1 when it precommits it, and prevotes another
 *   value only on a proposal whose proof-of-lock round vr satisfies lockedRound ≤ vr < r2
 *   (Tendermint line 28; rules.ts `lockedRound <= polRound`). vr = r1 means polkas for v1 and v2
 *   in one round, which needs more than 1/3 to equivocate — exactly what a fork has — and those
 *   equivocators are named by the first proof; the correct validator that followed vr = r1
 *   must not be, so the rule includes r1 (CometBFT's TLA+ `Amnesia` looks strictly between,
 *   which names it).
 *
 * The observer must see every vote any validator received (the simulator sees each as it
 * leaves its signer), or a polka that excused a prevote could be missed.
 */
import type { VoteRecord } from './run-types.js';

const PREVOTE = 1;
const PRECOMMIT = 2;

/** Hex addresses that signed two different votes of one type for one round of `height`. */
export function equivocatorsAt(votes: readonly VoteRecord[], height: number): string[] {
  const seen = new Map<string, string>();
  const named: string[] = [];
  for (const v of votes) {
    if (v.height !== height) continue;
    const key = `${v.validator}/${v.round}/${v.type}`;
    const hash = seen.get(key);
    if (hash === undefined) seen.set(key, v.blockHash);
    else if (hash !== v.blockHash && !named.includes(v.validator)) named.push(v.validator);
  }
  return named;
}

/** Rounds of `height` in which prevotes for `blockHash` hold more than 2/3 of `powers`. */
function polkaRounds(votes: readonly VoteRecord[], height: number, powers: Readonly<Record<string, number>>): Map<string, Set<number>> {
  const total = Object.values(powers).reduce((s, p) => s + p, 0);
  const tally = new Map<string, { power: number; signers: Set<string> }>();
  for (const v of votes) {
    if (v.height !== height || v.type !== PREVOTE || v.blockHash === '') continue;
    const key = `${v.round}/${v.blockHash}`;
    const t = tally.get(key) ?? { power: 0, signers: new Set<string>() };
    if (!t.signers.has(v.validator)) {
      t.signers.add(v.validator);
      t.power += powers[v.validator] ?? 0;
    }
    tally.set(key, t);
  }
  const polkas = new Map<string, Set<number>>();
  for (const [key, t] of tally) {
    if (t.power * 3 <= total * 2) continue;
    const [round, hash] = key.split('/') as [string, string];
    const rounds = polkas.get(hash) ?? new Set<number>();
    rounds.add(Number(round));
    polkas.set(hash, rounds);
  }
  return polkas;
}

export interface AmnesiaProof {
  validator: string;
  precommit: { round: number; blockHash: string };
  prevote: { round: number; blockHash: string };
}

/** One proof per validator the amnesia rule (above) names at `height`; `powers` is the set that signed it. */
export function amnesiaAt(votes: readonly VoteRecord[], height: number, powers: Readonly<Record<string, number>>): AmnesiaProof[] {
  const polkas = polkaRounds(votes, height, powers);
  const precommits = new Map<string, VoteRecord[]>();
  const prevotes = new Map<string, VoteRecord[]>();
  for (const v of votes) {
    if (v.height !== height || v.blockHash === '') continue;
    const into = v.type === PRECOMMIT ? precommits : prevotes;
    into.set(v.validator, [...(into.get(v.validator) ?? []), v]);
  }
  const proofs: AmnesiaProof[] = [];
  for (const [validator, locks] of [...precommits].sort((a, b) => a[0].localeCompare(b[0]))) {
    const proof = locks
      .flatMap((lock) => (prevotes.get(validator) ?? []).filter((p) => p.round > lock.round && p.blockHash !== lock.blockHash && !excused(polkas.get(p.blockHash), lock.round, p.round)).map((p) => ({ lock, p })))
      .sort((a, b) => a.lock.round - b.lock.round || a.p.round - b.p.round)[0];
    if (proof) proofs.push({ validator, precommit: { round: proof.lock.round, blockHash: proof.lock.blockHash }, prevote: { round: proof.p.round, blockHash: proof.p.blockHash } });
  }
  return proofs;
}

function excused(polkaRoundsForValue: Set<number> | undefined, lockRound: number, prevoteRound: number): boolean {
  for (const r of polkaRoundsForValue ?? []) if (r >= lockRound && r < prevoteRound) return true;
  return false;
}
