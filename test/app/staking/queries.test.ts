import { describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../../src/codec/amount.js';
import { Overlay } from '../../../src/state/overlay.js';
import { declareCandidacy } from '../../../src/app/staking/candidacy.js';
import { delegate, redelegate, unbond } from '../../../src/app/staking/delegations.js';
import { rewardCandidate } from '../../../src/app/staking/rewards.js';
import { recordSignature } from '../../../src/app/staking/signing-info.js';
import { DEFAULT_STAKING_PARAMS } from '../../../src/app/staking/params.js';
import {
  CANDIDATE_WITHDRAWN,
  readCandidate,
  writeBackups,
  writeCandidate,
  writeStakingParams,
  writeValidators,
} from '../../../src/app/staking/records.js';
import {
  backups,
  candidateInfo,
  candidateInfos,
  candidateStatus,
  delegationsOf,
  rewardsOf,
  stakingParams,
  unbondingOf,
  validators,
} from '../../../src/app/staking/queries.js';
import { addressFromPublicKey } from '../../../src/crypto/address.js';
import { addr, consensusKey, declare, fundedState, ok, UNIT_PARAMS } from './state-fixtures.js';

const PARAMS = UNIT_PARAMS;

/** Three candidates (accounts 0..2), each with 100 CMT self-stake; account 3 delegates. */
function threeCandidates(): Overlay {
  const s = fundedState(5, 10_000n * ONE_CMT);
  for (let i = 0; i < 3; i++) ok(s, (t) => declareCandidacy(t, addr(i), declare(i, 100n * ONE_CMT), 1, PARAMS));
  return s;
}

describe('staking queries', () => {
  it('shows the validator set with owners, stake and missed blocks, and the backups with their role', () => {
    const s = threeCandidates();
    writeStakingParams(s, PARAMS);
    writeValidators(s, [
      { consensusKey: consensusKey(0), power: 100 },
      { consensusKey: consensusKey(1), power: 100 },
      // A validator of a fixed genesis set: no candidacy behind it.
      { consensusKey: consensusKey(9), power: 7 },
    ]);
    writeBackups(s, [addr(2)]);
    recordSignature(s, addr(0), true, 2, PARAMS);
    recordSignature(s, addr(0), false, 3, PARAMS);
    recordSignature(s, addr(0), false, 4, PARAMS);

    const set = validators(s);
    expect(set).toHaveLength(3);
    expect(set[0]).toMatchObject({ consensusAddress: addressFromPublicKey(consensusKey(0)), power: 100, owner: addr(0), signing: { missed: 2, indexOffset: 3, window: 10 } });
    expect(set[0]?.candidate).toMatchObject({ selfStake: 100n * ONE_CMT, status: 'active', role: 'validator', power: 100, delegators: 1 });
    expect(set[0]?.candidate?.candidate.totalStake).toBe(100n * ONE_CMT);
    expect(set[1]).toMatchObject({ owner: addr(1), signing: undefined });
    expect(set[2]).toMatchObject({ power: 7, owner: undefined, candidate: undefined, signing: undefined });

    expect(backups(s).map((b) => [b.candidate.owner, b.role, b.power])).toEqual([[addr(2), 'backup', 0]]);
    expect(candidateInfos(s).map((c) => c.role)).toEqual(['validator', 'validator', 'backup']);
    expect(candidateInfo(s, addr(1))).toMatchObject({ role: 'validator', power: 100 });
    expect(candidateInfo(s, addr(7))).toBeUndefined();
  });

  it('reports status: active, jailed, withdrawn, tombstoned (most severe first)', () => {
    const s = threeCandidates();
    const c = readCandidate(s, addr(0));
    if (!c) throw new Error('no candidate');
    expect(candidateStatus(c)).toBe('active');
    expect(candidateStatus({ ...c, jailedUntil: 50 })).toBe('jailed');
    expect(candidateStatus({ ...c, jailedUntil: 50, status: CANDIDATE_WITHDRAWN })).toBe('withdrawn');
    expect(candidateStatus({ ...c, jailedUntil: 50, tombstoned: true })).toBe('tombstoned');
    writeCandidate(s, { ...c, jailedUntil: 50 });
    expect(candidateInfo(s, addr(0))).toMatchObject({ status: 'jailed', role: 'none', power: 0 });
    expect(candidateInfo(s, addr(0))?.candidate.jailedUntil).toBe(50);
  });

  it('values delegations by their shares and counts rewards and commission per candidate', () => {
    const s = threeCandidates();
    ok(s, (t) => delegate(t, addr(3), addr(0), 100n * ONE_CMT, PARAMS));
    ok(s, (t) => delegate(t, addr(3), addr(1), 50n * ONE_CMT, PARAMS));
    // 100 CMT to candidate 0 (10% commission): 10 commission, 90 per share over 200 CMT of stake.
    expect(rewardCandidate(s, addr(0), 100n * ONE_CMT)).toBe(0n);

    const mine = delegationsOf(s, addr(3));
    expect(mine.map((d) => [d.candidate, d.stake, d.shares, d.rewards])).toEqual([
      [addr(0), 100n * ONE_CMT, 100n * ONE_CMT, 45n * ONE_CMT],
      [addr(1), 50n * ONE_CMT, 50n * ONE_CMT, 0n],
    ]);

    const delegator = rewardsOf(s, addr(3));
    expect(delegator.entries).toEqual([
      { candidate: addr(0), rewards: 45n * ONE_CMT, commission: 0n },
      { candidate: addr(1), rewards: 0n, commission: 0n },
    ]);
    expect(delegator.total).toBe(45n * ONE_CMT);

    const owner = rewardsOf(s, addr(0));
    expect(owner.entries).toEqual([{ candidate: addr(0), rewards: 45n * ONE_CMT, commission: 10n * ONE_CMT }]);
    expect(owner.total).toBe(55n * ONE_CMT);
    expect(rewardsOf(s, addr(4))).toEqual({ entries: [], total: 0n });
    expect(candidateInfo(s, addr(0))?.delegators).toBe(2);
  });

  it('lists unbonding entries per candidate and redelegations still slashable at their source', () => {
    const s = threeCandidates();
    ok(s, (t) => delegate(t, addr(3), addr(0), 100n * ONE_CMT, PARAMS));
    ok(s, (t) => delegate(t, addr(3), addr(1), 100n * ONE_CMT, PARAMS));
    ok(s, (t) => unbond(t, addr(3), addr(0), 20n * ONE_CMT, 2, PARAMS));
    ok(s, (t) => unbond(t, addr(3), addr(0), 10n * ONE_CMT, 3, PARAMS));
    ok(s, (t) => unbond(t, addr(3), addr(1), 15n * ONE_CMT, 3, PARAMS));
    ok(s, (t) => redelegate(t, addr(3), addr(0), addr(2), 30n * ONE_CMT, 4, PARAMS));

    const view = unbondingOf(s, addr(3));
    expect(view.unbonding).toEqual([
      {
        candidate: addr(0),
        entries: [
          { amount: 20n * ONE_CMT, createdAt: 2, completesAt: 7 },
          { amount: 10n * ONE_CMT, createdAt: 3, completesAt: 8 },
        ],
      },
      { candidate: addr(1), entries: [{ amount: 15n * ONE_CMT, createdAt: 3, completesAt: 8 }] },
    ]);
    expect(view.redelegations).toEqual([{ from: addr(0), entries: [{ to: addr(2), amount: 30n * ONE_CMT, createdAt: 4, completesAt: 9 }] }]);
    expect(view.totalUnbonding).toBe(45n * ONE_CMT);
    // Once the latest height reaches completion, a redelegation is no longer shown.
    expect(unbondingOf(s, addr(3), 9).redelegations).toEqual([]);
    expect(unbondingOf(s, addr(3), 8).redelegations).toHaveLength(1);
    expect(unbondingOf(s, addr(4))).toEqual({ unbonding: [], redelegations: [], totalUnbonding: 0n });
    // The delegation view shows what is left bonded, and the moved stake at its target.
    expect(delegationsOf(s, addr(3)).map((d) => [d.candidate, d.stake])).toEqual([
      [addr(0), 40n * ONE_CMT],
      [addr(1), 85n * ONE_CMT],
      [addr(2), 30n * ONE_CMT],
    ]);
  });

  it('answers the stored staking parameters, or the defaults before any are written', () => {
    const s = fundedState(0, 0n);
    expect(stakingParams(s)).toEqual(DEFAULT_STAKING_PARAMS);
    writeStakingParams(s, PARAMS);
    expect(stakingParams(s)).toEqual(PARAMS);
  });
});
