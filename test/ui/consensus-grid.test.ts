import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { missing, overTwoThirds, shownRounds, tally, voteGrid } from '../../ui/src/consensus/grid.js';
import { parseDumpConsensusState, stepName, type RoundState } from '../../ui/src/consensus/round-state.js';
import { readSlot, type VoteSlot } from '../../ui/src/consensus/votes.js';
import { genesisNames } from '../../ui/src/consensus/names.js';

const A = '50A8FF34A301DAD32E08752606B0D84373A83447';
const B = '7B3A4D2E1F0011223344556677889900AABBCCDD';
const C = 'C0FFEE0000000000000000000000000000000001';
const D = 'D00D000000000000000000000000000000000002';
const BLOCK = '8B01023386C3';

const vote = (i: number, addr: string, h: number, r: number, kind: 'Prevote' | 'Precommit', block: string): string => `Vote{${i}:${addr.slice(0, 12)} ${h}/${r} ${kind} ${block}}`;

/** A dump of height 9 stuck in round 1: D is down, C prevoted nil in round 0. */
function dump(): unknown {
  const validators = [A, B, C, D].map((address) => ({ address, pub_key: { type: 'tendermint/PubKeyEd25519', value: '' }, voting_power: '10', proposer_priority: '0' }));
  return {
    round_state: {
      height: '9',
      round: 1,
      step: 4,
      validators: { validators, proposer: validators[1] },
      proposal_block_hash: 'ab'.repeat(32),
      locked_round: 0,
      locked_block_hash: 'AB'.repeat(32),
      valid_round: 0,
      valid_block_hash: 'AB'.repeat(32),
      votes: [
        {
          round: 0,
          prevotes: [vote(0, A, 9, 0, 'Prevote', BLOCK), vote(1, B, 9, 0, 'Prevote', BLOCK), vote(2, C, 9, 0, 'Prevote', 'nil'), 'nil-Vote'],
          prevotes_bit_array: 'BA{4:xxx_} 30/40 = 0.75',
          precommits: [vote(0, A, 9, 0, 'Precommit', BLOCK), vote(1, B, 9, 0, 'Precommit', BLOCK), 'nil-Vote', 'nil-Vote'],
          precommits_bit_array: 'BA{4:xx__} 20/40 = 0.50',
        },
        { round: 1, prevotes: [vote(0, A, 9, 1, 'Prevote', BLOCK), 'nil-Vote', 'nil-Vote', 'nil-Vote'], prevotes_bit_array: 'BA{4:x___} 10/40 = 0.25', precommits: ['nil-Vote', 'nil-Vote', 'nil-Vote', 'nil-Vote'], precommits_bit_array: 'BA{4:____} 0/40 = 0.00' },
        { round: 2, prevotes: ['nil-Vote', 'nil-Vote', 'nil-Vote', 'nil-Vote'], precommits: ['nil-Vote', 'nil-Vote', 'nil-Vote', 'nil-Vote'] },
      ],
    },
    peers: [],
  };
}

function parsed(): RoundState {
  const state = parseDumpConsensusState(dump());
  if (state instanceof Error) throw state;
  return state;
}

describe('dump_consensus_state', () => {
  it('reads the round state, the lock and the valid value, the proposer and each round', () => {
    const s = parsed();
    expect(s).toMatchObject({ height: 9, round: 1, step: 'Prevote', proposer: B, lockedRound: 0, validRound: 0, proposalBlockHash: 'AB'.repeat(32) });
    expect(s.validators.map((v) => v.address)).toEqual([A, B, C, D]);
    expect(s.rounds.map((r) => r.round)).toEqual([0, 1, 2]);
    expect(s.rounds[0]?.prevotesBits?.voted).toBe(30);
  });

  it('answers an Error, never a throw, for junk', () => {
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        const r = parseDumpConsensusState(junk);
        expect(r instanceof Error || typeof r.height === 'number').toBe(true);
      }),
    );
    expect(parseDumpConsensusState({ round_state: { height: '1', round: 0, validators: { validators: [{ address: 'xyz', voting_power: '1' }] } } })).toBeInstanceOf(Error);
    expect(parseDumpConsensusState({ round_state: { height: '1', round: 0, votes: 'lots' } })).toBeInstanceOf(Error);
    expect(parseDumpConsensusState({ round_state: { height: '-1', round: 0 } })).toBeInstanceOf(Error);
    const many = Array.from({ length: 1001 }, () => ({ address: A, voting_power: '1' }));
    expect(parseDumpConsensusState({ round_state: { height: '1', round: 0, validators: { validators: many } } })).toBeInstanceOf(Error);
  });

  it('names the steps as CometBFT does', () => {
    expect([1, 3, 4, 6, 8].map(stepName)).toEqual(['NewHeight', 'Propose', 'Prevote', 'Precommit', 'Commit']);
    expect(stepName('prevote')).toBe('prevote');
    expect(stepName({})).toBe('?');
  });
});

describe('the vote grid', () => {
  it('shows round 0, the current round and rounds with votes, a prevote and a precommit column each', () => {
    const grid = voteGrid(parsed());
    expect(grid.columns.map((c) => `${c.round}${c.kind[3]}`)).toEqual(['0v', '0c', '1v', '1c']);
    expect(grid.rows.map((r) => r.cells.map((c) => c.vote))).toEqual([
      ['block', 'block', 'block', 'none'],
      ['block', 'block', 'none', 'none'],
      ['nil', 'none', 'none', 'none'],
      ['none', 'none', 'none', 'none'],
    ]);
    expect(shownRounds({ ...parsed(), round: 5, rounds: [] })).toEqual([0, 5]);
  });

  it('tallies each column and says whether it reached +2/3', () => {
    const grid = voteGrid(parsed());
    expect(grid.columns.map((c) => [c.tally.voted, c.tally.quorum])).toEqual([
      [30, 'any'],
      [20, 'none'],
      [10, 'none'],
      [0, 'none'],
    ]);
    expect(grid.columns[0]?.tally).toMatchObject({ nil: 10, topBlock: BLOCK, topPower: 20, total: 40 });
  });

  it('lists whose votes are missing', () => {
    const grid = voteGrid(parsed());
    expect(missing(grid, 0).map((v) => v.address)).toEqual([D]);
    expect(missing(grid, 2).map((v) => v.address)).toEqual([B, C, D]);
  });

  it('a block is a polka or commit only with more than 2/3 of the power', () => {
    const validators = [A, B, C, D].map((address, i) => ({ address, power: i + 1 }));
    fc.assert(
      fc.property(fc.array(fc.constantFrom('none', 'nil', 'block'), { minLength: 4, maxLength: 4 }), (kinds) => {
        const slots: VoteSlot[] = kinds.map((k, i) => readSlot(k === 'none' ? 'nil-Vote' : vote(i, validators[i]?.address ?? '', 1, 0, 'Prevote', k === 'nil' ? 'nil' : BLOCK)));
        const t = tally(slots, validators);
        const forBlock = validators.filter((_, i) => kinds[i] === 'block').reduce((s, v) => s + v.power, 0);
        expect(t.quorum === 'block').toBe(forBlock * 3 > 10 * 2);
        expect(t.voted).toBe(validators.filter((_, i) => kinds[i] !== 'none').reduce((s, v) => s + v.power, 0));
      }),
    );
    expect(overTwoThirds(2, 3)).toBe(false);
    expect(overTwoThirds(3, 4)).toBe(true);
    expect(overTwoThirds(0, 0)).toBe(false);
  });
});

describe('validator names', () => {
  it("come from the genesis's validators; junk entries are skipped, never thrown on", () => {
    const names = genesisNames({ genesis: { validators: [{ address: A.toLowerCase(), name: 'node0' }, { address: 'nope', name: 'x' }, { address: B }, null, { address: C, name: 'node2' }] } });
    expect([...names]).toEqual([
      [A, 'node0'],
      [C, 'node2'],
    ]);
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        expect(genesisNames(junk)).toBeInstanceOf(Map);
      }),
    );
  });
});
