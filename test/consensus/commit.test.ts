import { describe, expect, it } from 'vitest';
import { COMMIT_FLAG_ABSENT, COMMIT_FLAG_COMMIT, COMMIT_FLAG_NIL, type Commit } from '../../src/codec/vote.js';
import { InvalidCommitError, verifyCommit } from '../../src/consensus/commit.js';
import { scenario, setAt, simulate, SIM_CHAIN_ID } from '../support/sim-consensus.js';

// A real commit: four validators run the node on the simulator until height 2 is decided; the
// commit of height 1 is the one block 2 carries (its lastCommit), built after the next-block delay,
// so it holds every validator's precommit.
const s = scenario({ powers: [1, 1, 1, 1] });
const { sim } = await simulate({ scenario: s, stopAtHeight: 2 });
const blocks = sim.nodes[0]!.parts!.ports.blockStore;
const [block1, block2] = [await blocks.loadBlock(1), await blocks.loadBlock(2)];
const good: Commit = block2!.lastCommit;
const set = setAt(s, 1);

function check(commit: Commit, chainId = SIM_CHAIN_ID, height = 1, hash = good.blockHash): () => void {
  return () => verifyCommit(chainId, set, height, hash, commit);
}

function withSig(i: number, change: Partial<Commit['signatures'][number]>): Commit {
  return { ...good, signatures: good.signatures.map((s, j) => (j === i ? { ...s, ...change } : s)) };
}

describe('verifyCommit', () => {
  it('accepts the commit consensus produced', () => {
    expect(good.height).toBe(1);
    // The set the commit is checked against is the one block 1 names.
    expect(Buffer.from(set.hash()).equals(Buffer.from(block1!.header.validatorsHash))).toBe(true);
    expect(good.signatures.filter((s) => s.flag === COMMIT_FLAG_COMMIT)).toHaveLength(4);
    expect(check(good)).not.toThrow();
  });

  it('rejects a commit for another height, block or chain', () => {
    expect(check(good, SIM_CHAIN_ID, 2)).toThrow(InvalidCommitError);
    expect(check(good, SIM_CHAIN_ID, 1, new Uint8Array(32))).toThrow(/expected/);
    expect(check(good, 'other-chain')).toThrow(/bad signature/);
  });

  it('rejects a wrong number of entries, a wrong signer or a bad signature', () => {
    expect(check({ ...good, signatures: good.signatures.slice(1) })).toThrow(/3 signatures for 4 validators/);
    expect(check(withSig(0, { validatorAddress: good.signatures[1]!.validatorAddress }))).toThrow(/not signed by the validator/);
    const flipped = new Uint8Array(good.signatures[0]!.signature);
    flipped[5] = (flipped[5] ?? 0) ^ 1;
    expect(check(withSig(0, { signature: flipped }))).toThrow(/bad signature/);
    expect(check(withSig(0, { flag: COMMIT_FLAG_NIL }))).toThrow(/bad signature/);
  });

  it('rejects a commit without more than 2/3 of the power', () => {
    const two: Commit = {
      ...good,
      signatures: good.signatures.map((s, i) => (i < 2 ? s : { flag: COMMIT_FLAG_ABSENT, validatorAddress: new Uint8Array(0), signature: new Uint8Array(0) })),
    };
    expect(check(two)).toThrow(/not more than 2\/3/);
    expect(check(withSig(0, { flag: COMMIT_FLAG_ABSENT }))).toThrow(/absent entry/);
  });
});
