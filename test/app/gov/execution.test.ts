import { describe, expect, it } from 'vitest';
import { DEFAULT_CONSENSUS_PARAMS } from '../../../src/codec/params.js';
import { readAccount, readSupply } from '../../../src/app/bank/accounts.js';
import { readAppParams, readChainSettings, writeChainSettings } from '../../../src/app/app-store.js';
import { readConsensusParams, writeConsensusParams } from '../../../src/app/gov/consensus-params-store.js';
import { endBlockGovernance } from '../../../src/app/gov/end-block.js';
import { castVote, submitProposal, type SubmitProposal } from '../../../src/app/gov/proposals.js';
import { proposal } from '../../../src/app/gov/queries.js';
import { readPool, readStakingParams } from '../../../src/app/staking/records.js';
import type { Overlay } from '../../../src/state/overlay.js';
import { addCandidate, addr, attrs, CMT, emptyState, fund, fundCommunity, heldCmt, PARAMS, paramsProposal, spendProposal, tx } from './gov-fixtures.js';

const PROPOSER = addr(0);
const V = addr(1);
const RECIPIENT = addr(2);
const ACCOUNTS = [PROPOSER, V, RECIPIENT];

function world(): Overlay {
  const s = emptyState();
  fund(s, PROPOSER, 1000n * CMT);
  addCandidate(s, V, 100n * CMT);
  fundCommunity(s, 500n * CMT);
  writeConsensusParams(s, DEFAULT_CONSENSUS_PARAMS);
  return s;
}

/** Submits at `height` and has the only validator vote yes; returns the new id. */
function passWithVote(s: Overlay, msg: SubmitProposal, height = 5): number {
  const r = tx(s, (t) => submitProposal(t, PROPOSER, msg, height, PARAMS));
  expect(r.code).toBeNull();
  const id = r.value?.id ?? 0;
  expect(tx(s, (t) => castVote(t, V, id, 0, height + 1)).code).toBeNull();
  return id;
}

describe('executing passed proposals', () => {
  it('applies a staking parameter change exactly at its effective height', () => {
    const s = world();
    passWithVote(s, paramsProposal([{ name: 'staking.epochBlocks', value: '50' }], { effectiveHeight: 20 }));
    expect(endBlockGovernance(s, 15, PARAMS).events.map((e) => e.type)).toEqual(['proposal_passed']);
    expect(proposal(s, 1)?.status).toBe('passed');
    for (let h = 16; h < 20; h++) {
      expect(endBlockGovernance(s, h, PARAMS).events).toEqual([]);
      expect(readStakingParams(s).epochBlocks).toBe(PARAMS.epochBlocks);
    }
    const end = endBlockGovernance(s, 20, PARAMS);
    expect(end.events.map((e) => e.type)).toEqual(['proposal_executed']);
    expect(attrs(end.events[0])).toEqual({ proposal: '1', kind: 'params', height: '20' });
    expect(end.consensusParams).toBeNull();
    expect(readStakingParams(s).epochBlocks).toBe(50);
    expect(proposal(s, 1)?.status).toBe('executed');
    expect(endBlockGovernance(s, 21, PARAMS).events).toEqual([]);
  });

  it('returns the full new consensus parameters when a timeout changes, at the effective height only', () => {
    const s = world();
    writeChainSettings(s, { chainId: 'test', maxTxBytes: DEFAULT_CONSENSUS_PARAMS.maxTxBytes, blockMaxGas: DEFAULT_CONSENSUS_PARAMS.blockMaxGas });
    passWithVote(s, paramsProposal([
      { name: 'consensus.timeouts.commit_ms', value: '2000' },
      { name: 'consensus.max_tx_bytes', value: '65536' },
    ], { effectiveHeight: 17 }));
    expect(endBlockGovernance(s, 15, PARAMS).consensusParams).toBeNull();
    expect(endBlockGovernance(s, 16, PARAMS).consensusParams).toBeNull();
    expect(readConsensusParams(s)).toEqual(DEFAULT_CONSENSUS_PARAMS);
    const expected = { ...DEFAULT_CONSENSUS_PARAMS, maxTxBytes: 65536, timeouts: { ...DEFAULT_CONSENSUS_PARAMS.timeouts, nextBlockDelay: 2000 } };
    expect(endBlockGovernance(s, 17, PARAMS).consensusParams).toEqual(expected);
    expect(readConsensusParams(s)).toEqual(expected);
    // The application checks transactions against the new limit from the next block on.
    expect(readChainSettings(s)).toEqual({ chainId: 'test', maxTxBytes: 65536, blockMaxGas: DEFAULT_CONSENSUS_PARAMS.blockMaxGas });
  });

  it('changes application parameters', () => {
    const s = world();
    passWithVote(s, paramsProposal([{ name: 'app.min_gas_price', value: '5' }]));
    endBlockGovernance(s, 15, PARAMS);
    expect(readAppParams(s).minGasPrice).toBe(5n);
  });

  it('pays a community spend, and marks a spend the pool can no longer cover as failed without throwing', () => {
    const s = world();
    passWithVote(s, spendProposal(RECIPIENT, 300n * CMT));
    passWithVote(s, spendProposal(RECIPIENT, 300n * CMT)); // valid when submitted: the pool held 500
    const supply = readSupply(s);
    const end = endBlockGovernance(s, 15, PARAMS);
    expect(end.events.map((e) => e.type)).toEqual(['proposal_passed', 'proposal_passed', 'proposal_executed', 'proposal_failed']);
    expect(attrs(end.events[3])).toMatchObject({ proposal: '2', kind: 'communitySpend', reason: expect.stringContaining('community pool holds') });
    expect(readAccount(s, RECIPIENT).balance).toBe(300n * CMT);
    expect(readPool(s, 'community')).toBe(200n * CMT);
    expect(proposal(s, 1)?.status).toBe('executed');
    expect(proposal(s, 2)).toMatchObject({ status: 'failed', failure: expect.stringContaining('200000000000000000000') });
    // Both deposits came back (quorum was met), and no CMT appeared or vanished.
    expect(readAccount(s, PROPOSER).balance).toBe(1000n * CMT);
    expect(readSupply(s)).toBe(supply);
    expect(heldCmt(s, ACCOUNTS)).toBe(supply);
  });

  it('fails a parameter change that the world made invalid since it was submitted', () => {
    const s = world();
    passWithVote(s, paramsProposal([{ name: 'consensus.block_max_gas', value: '12000000' }], { effectiveHeight: 16 }), 5);
    passWithVote(s, paramsProposal([{ name: 'app.gas.tx_byte', value: '15' }]), 5);
    const end15 = endBlockGovernance(s, 15, PARAMS);
    expect(end15.events.map((e) => e.type)).toEqual(['proposal_passed', 'proposal_passed', 'proposal_executed']);
    // The largest transaction now needs 10,000 + 15 × 1 MiB + 100,000 gas, more than 12,000,000.
    const end16 = endBlockGovernance(s, 16, PARAMS);
    expect(end16.events.map((e) => e.type)).toEqual(['proposal_failed']);
    expect(end16.consensusParams).toBeNull();
    expect(readConsensusParams(s)).toEqual(DEFAULT_CONSENSUS_PARAMS);
    expect(proposal(s, 1)?.status).toBe('failed');
  });

  it('keeps balances + pools + deposits equal to the supply through submit, vote and settlement, except the burn', () => {
    const s = world();
    const start = readSupply(s);
    expect(heldCmt(s, ACCOUNTS)).toBe(start);
    passWithVote(s, spendProposal(RECIPIENT, 100n * CMT)); // passes and pays out
    tx(s, (t) => submitProposal(t, PROPOSER, paramsProposal([{ name: 'staking.epochBlocks', value: '9' }]), 5, PARAMS)); // nobody votes: burned
    expect(heldCmt(s, ACCOUNTS)).toBe(start);
    expect(readSupply(s)).toBe(start);
    endBlockGovernance(s, 15, PARAMS);
    expect(readSupply(s)).toBe(start - PARAMS.govDeposit);
    expect(heldCmt(s, ACCOUNTS)).toBe(start - PARAMS.govDeposit);
    expect(readAccount(s, RECIPIENT).balance).toBe(100n * CMT);
  });
});
