/**
 * The last commit, end to end without a node: a ConsensusPosition's last commit drawn by the
 * RPC's dump_consensus_state view and read back by the page's parser says, per validator of
 * that height, signed the block, precommitted nil, or absent; junk in it leaves the rest readable.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMIT_FLAG_ABSENT, COMMIT_FLAG_COMMIT, COMMIT_FLAG_NIL, type CommitFlag } from '../../src/codec/vote.js';
import { ValidatorSet } from '../../src/consensus/validator-set.js';
import type { ConsensusPosition } from '../../src/node/api.js';
import { dumpConsensusStateView } from '../../src/rpc/comet-consensus-views.js';
import { parseDumpConsensusState } from '../../ui/src/consensus/round-state.js';

const NET = { listening: true, peerId: '', listenAddrs: [], peers: [] };
const KIND: Record<CommitFlag, string> = { [COMMIT_FLAG_COMMIT]: 'block', [COMMIT_FLAG_NIL]: 'nil', [COMMIT_FLAG_ABSENT]: 'none' };

function position(set: ValidatorSet, flags: CommitFlag[], height: number, round: number): ConsensusPosition {
  const blockHash = new Uint8Array(32).fill(0xab);
  return {
    height: height + 1,
    round: 0,
    step: 'propose',
    proposer: null,
    proposalBlockHash: null,
    lockedBlockHash: null,
    lockedRound: -1,
    validBlockHash: null,
    validRound: -1,
    powers: set.validators.map((v) => v.power),
    totalPower: set.totalPower,
    votes: [],
    lastCommit: {
      height,
      round,
      blockHash,
      validators: set,
      signatures: set.validators.map((v, i) => ({
        flag: flags[i] ?? COMMIT_FLAG_ABSENT,
        validatorAddress: flags[i] === COMMIT_FLAG_ABSENT ? new Uint8Array(20) : v.address,
        signature: new Uint8Array(64),
      })),
    },
  };
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();

describe('last commit: the RPC view read by the page', () => {
  it('names, per validator of the height, the block, nil or nothing, with the height and round', () => {
    const validator = fc.record({ publicKey: fc.uint8Array({ minLength: 32, maxLength: 32 }), power: fc.integer({ min: 1, max: 1_000_000 }) });
    const flag = fc.constantFrom<CommitFlag>(COMMIT_FLAG_COMMIT, COMMIT_FLAG_NIL, COMMIT_FLAG_ABSENT);
    fc.assert(
      fc.property(
        fc.uniqueArray(validator, { minLength: 1, maxLength: 12, selector: (v) => hex(v.publicKey) }),
        fc.array(flag, { minLength: 12, maxLength: 12 }),
        fc.integer({ min: 1, max: 1e9 }),
        fc.integer({ min: 0, max: 50 }),
        (entries, flags, height, round) => {
          const set = ValidatorSet.fromGenesis(entries);
          const view = dumpConsensusStateView(position(set, flags, height, round), set, NET);
          const state = parseDumpConsensusState(JSON.parse(JSON.stringify(view)));
          if (state instanceof Error) throw state;
          expect(state.lastCommit).toBeDefined();
          expect(state.lastCommit?.height).toBe(height);
          expect(state.lastCommit?.round).toBe(round);
          expect(state.lastCommit?.validators.map((v) => v.address)).toEqual(set.validators.map((v) => hex(v.address)));
          expect(state.lastCommit?.slots.map((s) => s.vote)).toEqual(set.validators.map((_, i) => KIND[flags[i] ?? COMMIT_FLAG_ABSENT]));
        },
      ),
    );
  });

  it('no last commit (height 1), or junk where it stands, is none; the round state is still read', () => {
    const set = ValidatorSet.fromGenesis([{ publicKey: new Uint8Array(32).fill(1), power: 10 }]);
    const view = dumpConsensusStateView({ ...position(set, [COMMIT_FLAG_COMMIT], 4, 0), lastCommit: null }, set, NET) as { round_state: Record<string, unknown> };
    for (const junk of [null, 'x', 7, [], { votes: 'nope' }, { votes: [] }, { votes: ['nil-Vote'], height: 'high' }]) {
      const state = parseDumpConsensusState({ round_state: { ...view.round_state, last_commit: junk } });
      if (state instanceof Error) throw state;
      expect(state.height, JSON.stringify(junk)).toBe(5);
      expect(state.lastCommit, JSON.stringify(junk)).toBeUndefined();
    }
  });
});
