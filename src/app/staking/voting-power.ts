/**
 * Voting power from stake (spec/staking.md, "Voting power"): whole CMT of stake, with no
 * validator above `capBps` of the total when the set is large enough for that to be possible.
 */
import { ONE_CMT } from '../../codec/amount.js';
import { BPS } from './params.js';

const MAX_ROUNDS = 1000;

/**
 * Powers for `stakes` (in base units), in the same order. The cap is applied by water filling:
 * the largest powers are lowered to the cap of the new total until none exceeds it. With fewer
 * validators than ceil(10000 / capBps), or capBps 0, powers are not capped.
 */
export function votingPowers(stakes: readonly bigint[], capBps: number): number[] {
  const powers = stakes.map((s) => s / ONE_CMT);
  const n = powers.length;
  if (capBps === 0 || n * capBps < BPS || n === 0) return powers.map(Number);
  const cap = BigInt(capBps);
  const bps = BigInt(BPS);
  // Lower the largest to the cap repeatedly: lowering one lowers the total, so iterate to a
  // fixed point (it converges geometrically; MAX_ROUNDS is far beyond what 256-bit stakes need).
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const total = powers.reduce((s, p) => s + p, 0n);
    // p <= cap/BPS * total  <=>  p * BPS <= cap * total. Capped powers are set to the largest
    // p with p * (BPS - cap) <= cap * (total - p), i.e. the cap of the total without it.
    let changed = false;
    for (let i = 0; i < n; i++) {
      const p = powers[i] as bigint;
      if (p * bps <= cap * total) continue;
      const others = total - p;
      const limit = (cap * others) / (bps - cap);
      if (limit < p) {
        powers[i] = limit;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return powers.map(Number);
}
