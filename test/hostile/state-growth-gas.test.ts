/**
 * Messages whose work grows with the state (spec/hostile-input.md, "Transactions: every
 * field", "Work is paid per key read"): with many candidates, voters, open proposals,
 * unbondings or delegators, each message must still pay for every key it reads and every byte
 * it writes, the tally at the end of voting must be paid for by the messages that made it, and
 * a candidate with many delegators must still be able to leave.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../src/codec/amount.js';
import { readLastProposalId } from '../../src/app/gov/records.js';
import { tallyVotes } from '../../src/app/gov/tally.js';
import { Overlay } from '../../src/state/overlay.js';
import { appHarness, type AppHarness } from '../support/app-harness.js';
import { SMALL_MINIMUMS } from '../support/hostile-txs.js';
import { addressOf, testKey } from '../support/nodes.js';
import { expectWritesAsSpecified, MIN_GAS_PER_READ, signed } from '../support/tx-effects.js';

const BALANCE = 1_000_000n * ONE_CMT;

describe('state growth: messages among many candidates', () => {
  const CANDIDATES = 150;
  let h: AppHarness;

  beforeAll(async () => {
    h = await appHarness(CANDIDATES + 2, BALANCE, { params: SMALL_MINIMUMS, candidates: [] });
    const owners = Array.from({ length: CANDIDATES }, (_, i) => testKey(i + 2));
    await h.runBlock(owners.map((key, i) => signed(key, 0, { type: 'declareCandidacy', consensusKey: testKey(10_000 + i).publicKey, selfStake: ONE_CMT, maxStake: 10n * ONE_CMT, commissionBps: 0, name: 'c', website: '', description: '' })));
    // The voter's only stake sits with the last candidate in the list, so its stake check reads them all.
    const setup = await h.runBlock([
      signed(testKey(0), 0, { type: 'delegate', candidate: addressOf(owners[CANDIDATES - 1]!), amount: ONE_CMT }),
      signed(testKey(1), 0, { type: 'submitProposal', title: 't', description: '', change: { type: 'params', changes: [{ name: 'app.gas.transfer', value: '1000' }] }, deposit: ONE_CMT, effectiveHeight: 0 }),
    ]);
    expect(setup.txResults.map((r) => r.log)).toEqual(['', '']);
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  it('pays for every candidate its stake check reads', async () => {
    const votes = [0, 1, 2].map((k) => signed(testKey(0), 1 + k, { type: 'vote', proposalId: 1, option: k }));
    expectWritesAsSpecified(h, votes);
    const res = await h.runBlock(votes);
    expect(res.txResults.map((r) => r.code)).toEqual([0, 0, 0]);
  });

  it('a new voter pays for the voter list it rewrites', async () => {
    const owners = Array.from({ length: CANDIDATES }, (_, i) => testKey(i + 2));
    // Candidates vote with their own stake; each new voter joins the proposal's voter list.
    const early = await h.runBlock(owners.slice(0, -1).map((key) => signed(key, 1, { type: 'vote', proposalId: 1, option: 0 })));
    expect(early.txResults.every((r) => r.code === 0)).toBe(true);
    expectWritesAsSpecified(h, [signed(owners[CANDIDATES - 1]!, 1, { type: 'vote', proposalId: 1, option: 1 })]);
  });

  it('unbondings completing at one height pay for the queue they rewrite', async () => {
    const owners = Array.from({ length: CANDIDATES }, (_, i) => testKey(i + 2));
    const unbonds = owners.map((key) => signed(key, h.nonce(addressOf(key)), { type: 'unbond', candidate: addressOf(key), amount: ONE_CMT }));
    expectWritesAsSpecified(h, unbonds);
  });

  it('a submission pays for the list of open proposals it rewrites', async () => {
    const proposer = testKey(1);
    const first = h.nonce(addressOf(proposer));
    const submit = (i: number): Uint8Array => signed(proposer, first + i, { type: 'submitProposal', title: `p${i}`, description: '', change: { type: 'params', changes: [{ name: 'app.gas.transfer', value: '1000' }] }, deposit: ONE_CMT, effectiveHeight: 0 });
    expectWritesAsSpecified(h, Array.from({ length: 700 }, (_, i) => submit(i)));
  });

  it('the tally when voting ends is paid for by the submission and the votes', async () => {
    const owners = Array.from({ length: CANDIDATES }, (_, i) => testKey(i + 2));
    const proposer = testKey(1);
    const submitted = await h.runBlock([signed(proposer, h.nonce(addressOf(proposer)), { type: 'submitProposal', title: 'tally', description: '', change: { type: 'params', changes: [{ name: 'app.gas.transfer', value: '2000' }] }, deposit: ONE_CMT, effectiveHeight: 0 })]);
    const id = readLastProposalId(h.store);
    const voted = await h.runBlock(owners.slice(0, 30).map((key) => signed(key, h.nonce(addressOf(key)), { type: 'vote', proposalId: id, option: 0 })));
    const paid = [...submitted.txResults, ...voted.txResults].reduce((sum, r) => sum + r.gasUsed, 0);
    // What EndBlock reads to tally this proposal, paid for at least MIN_GAS_PER_READ a key.
    const state = new Overlay(h.store);
    tallyVotes(state, id);
    expect(state.readSet.size * MIN_GAS_PER_READ).toBeLessThanOrEqual(paid);
  });

  it('a declaration pays for the candidate list it rewrites', async () => {
    const declare = signed(testKey(1), h.nonce(addressOf(testKey(1))), { type: 'declareCandidacy', consensusKey: testKey(20_000).publicKey, selfStake: ONE_CMT, maxStake: 10n * ONE_CMT, commissionBps: 0, name: 'late', website: '', description: '' });
    expectWritesAsSpecified(h, [declare]);
    const res = await h.runBlock([declare]);
    expect(res.txResults[0]?.code).toBe(0);
  });
});

describe('state growth: withdrawing a candidacy with many delegators', () => {
  let h: AppHarness;

  beforeAll(async () => {
    h = await appHarness(152, BALANCE, { params: SMALL_MINIMUMS, candidates: [] });
    const declare = (i: number): Uint8Array => signed(testKey(i), 0, { type: 'declareCandidacy', consensusKey: testKey(30_000 + i).publicKey, selfStake: 100n * ONE_CMT, maxStake: 1000n * ONE_CMT, commissionBps: 0, name: 'c', website: '', description: '' });
    await h.runBlock([declare(0), declare(1)]);
    const delegations = Array.from({ length: 150 }, (_, k) => signed(testKey(k + 2), 0, { type: 'delegate', candidate: addressOf(testKey(k < 50 ? 0 : 1)), amount: ONE_CMT }));
    const res = await h.runBlock(delegations);
    expect(res.txResults.every((r) => r.code === 0)).toBe(true);
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  it('costs gas in proportion to its delegators, so a popular candidate can always leave', async () => {
    const withdraw = (i: number): Uint8Array => signed(testKey(i), 1, { type: 'withdrawCandidacy' });
    const fifty = (await h.runBlock([withdraw(0)])).txResults[0]!;
    const hundred = (await h.runBlock([withdraw(1)])).txResults[0]!;
    expect([fifty.code, hundred.code]).toEqual([0, 0]);
    // Twice the delegators, about twice the gas (the fixed part makes it a little less).
    expect(hundred.gasUsed / fifty.gasUsed).toBeLessThan(2.1);
  });
});
