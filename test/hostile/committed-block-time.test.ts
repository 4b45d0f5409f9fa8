/**
 * Time rules belong to proposals being voted on, never to committed blocks: a validator whose
 * clock is behind prevotes nil for a proposal that looks too far ahead, but applies every block
 * that +2/3 precommitted, whatever its clock says (CometBFT's proposer-based timestamps).
 */
import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../src/codec/bytes.js';
import { sha256 } from '../../src/codec/hash.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../../src/codec/params.js';
import { PRECOMMIT, PREVOTE, voteSignBytes, type Vote, type VoteType } from '../../src/codec/vote.js';
import { createConsensusState, step, type ConsensusEffect, type ConsensusState } from '../../src/consensus/index.js';
import { ValidatorSet } from '../../src/consensus/validator-set.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { BulkSigner } from '../../src/crypto/bulk-signer.js';
import { keyPairFromSeed } from '../../src/crypto/ed25519.js';
import { runScenario } from '../../src/sim/run-scenario.js';
import type { Scenario } from '../../src/sim/scenario-types.js';

const CHAIN = 'cmt-time-test';
const signers = [0, 1, 2, 3].map((i) => new BulkSigner(keyPairFromSeed(sha256(utf8(`time-${i}`)))));
const set = ValidatorSet.fromGenesis(signers.map((s) => ({ publicKey: s.keyPair.publicKey, power: 1 })));
const signerAt = (index: number) => signers.find((s) => set.indexOf(addressFromPublicKey(s.keyPair.publicKey)) === index) as BulkSigner;

function vote(index: number, type: VoteType, round: number, blockHash: Uint8Array): Vote {
  const unsigned = { type, height: 1, round, blockHash };
  const signer = signerAt(index);
  return { ...unsigned, validatorAddress: addressFromPublicKey(signer.keyPair.publicKey), validatorIndex: index, signature: signer.sign(voteSignBytes(CHAIN, unsigned)) };
}

const votesOf = (effects: ConsensusEffect[]) =>
  effects.filter((e) => e.type === 'signVote').map((e) => `${e.voteType === PREVOTE ? 'prevote' : 'precommit'} ${e.round} ${toHex(e.blockHash) || 'nil'}`);

describe('a proposal whose time is outside the local window', () => {
  const proposer = set.indexOf(set.proposerForRound(0).address);
  const me = [0, 1, 2, 3].find((i) => i !== proposer) as number;
  const others = [0, 1, 2, 3].filter((i) => i !== me);
  const block = utf8('a block from the future');
  const hash = sha256(block);

  function receive(): { s: ConsensusState; effects: ConsensusEffect[] } {
    const s = createConsensusState({ chainId: CHAIN, selfAddress: set.getByIndex(me)!.address });
    step(s, { type: 'startHeight', height: 1, validators: set, timeouts: DEFAULT_CONSENSUS_PARAMS.timeouts, lastValidators: null, lastCommit: null });
    step(s, { type: 'timeout', height: 1, round: 0, step: 'newHeight' });
    const effects = step(s, { type: 'proposal', proposal: { height: 1, round: 0, polRound: -1, blockHash: hash, signature: new Uint8Array(64) }, block });
    effects.push(...step(s, { type: 'proposalValidated', height: 1, round: 0, blockHash: hash, valid: true, timely: false }));
    return { s, effects };
  }

  it('is prevoted nil', () => {
    expect(votesOf(receive().effects)).toEqual(['prevote 0 nil']);
  });

  it('is still locked on and decided once +2/3 of the others prevote and precommit it', () => {
    const { s } = receive();
    const locked = others.flatMap((i) => step(s, { type: 'vote', vote: vote(i, PREVOTE, 0, hash) }));
    expect(votesOf(locked)).toEqual([`precommit 0 ${toHex(hash)}`]);
    const decided = others.flatMap((i) => step(s, { type: 'vote', vote: vote(i, PRECOMMIT, 0, hash) }));
    expect(decided.filter((e) => e.type === 'decide').map((e) => e.type === 'decide' && toHex(e.blockHash))).toEqual([toHex(hash)]);
  });
});

describe('a validator whose clock runs 15 s behind (simulator)', () => {
  const scenario: Scenario = {
    name: 'slow clock',
    seed: 1,
    durationMs: 25_000,
    validators: ['v0', 'v1', 'v2', 'v3'].map((name) => ({ name, power: 10 })),
    network: { delay: { kind: 'uniform', minMs: 5, maxMs: 30 }, drop: 0.02, duplicate: 0 },
    faults: [
      { type: 'clockSkew', at: 0, node: 'v3', skewMs: -15_000 },
      { type: 'clockSkew', at: 12_000, node: 'v3', skewMs: 0 },
    ],
    livenessBoundMs: 10_000,
    timeouts: { nextBlockDelay: 100 },
  };

  it.each([1, 2, 3, 4])('applies every decided block while slow and after its clock is corrected (seed %i)', async (seed) => {
    const { run, check } = await runScenario(scenario, seed);
    expect(check.violations).toEqual([]);
    const slow = run.decisions[3] ?? [];
    const reference = new Map((run.decisions[0] ?? []).map((d) => [d.height, d.appHash]));
    expect(slow.filter((d) => d.at < 12_000).length).toBeGreaterThan(5);
    expect(slow.filter((d) => d.at > 12_000).length).toBeGreaterThan(5);
    for (const d of slow) {
      expect(d.valid).toBe(true);
      if (reference.has(d.height)) expect(d.appHash).toBe(reference.get(d.height));
    }
  });
});
