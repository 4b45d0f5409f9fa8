/**
 * Every transaction field, as an attacker sends it (spec/hostile-input.md, "Transactions: every
 * field"): generated transactions of every message type with each field mutated and signed
 * again (test/support/hostile-txs.ts), random bytes, broken encodings and bad signatures go
 * through the real app on a real LevelDB store: the mempool (CheckTx new and recheck),
 * ProcessProposal as a Byzantine proposer's block, and FinalizeBlock under the sequential and
 * the parallel executor. Nothing may throw out of the app; a transaction rejected before its
 * message runs changes nothing; fees are gas used x gas price; both executors give the same
 * bytes; and a transaction has one encoding, so one hash.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../src/codec/amount.js';
import { bytesKey, bytesEqual } from '../../src/codec/bytes.js';
import { DecodeError } from '../../src/codec/errors.js';
import { TxResult } from '../../src/codec/results.js';
import { encode } from '../../src/codec/schema.js';
import { decodeTx, encodeTx, txHash, txSignBytes, txSignBytesOfDecoded, type Msg, type TxBody } from '../../src/codec/tx.js';
import { addressFromPublicKey, formatAddress, parseAddress } from '../../src/crypto/address.js';
import { isValidPublicKey } from '../../src/crypto/ed25519.js';
import { signTx } from '../../src/crypto/sign-tx.js';
import type { FinalizeBlockResponse } from '../../src/app/abci.js';
import { TxCode } from '../../src/app/errors.js';
import { ParallelExecutor } from '../../src/app/executor/parallel-executor.js';
import { contractAddress } from '../../src/app/contracts/layout.js';
import type { StakingGenesis } from '../../src/app/staking/genesis.js';
import { DEFAULT_STAKING_PARAMS } from '../../src/app/staking/params.js';
import { Mempool } from '../../src/mempool/mempool.js';
import { accountKey, readAccount } from '../../src/app/bank/accounts.js';
import { readAppParams, readChainSettings } from '../../src/app/app-store.js';
import { deliverTx } from '../../src/app/deliver-tx.js';
import { readBaseFee } from '../../src/app/fees/base-fee.js';
import { readStakingParams } from '../../src/app/staking/records.js';
import { readLastProposalId } from '../../src/app/gov/records.js';
import { tallyVotes } from '../../src/app/gov/tally.js';
import type { TxLimits } from '../../src/app/tx-checks.js';
import { Overlay } from '../../src/state/overlay.js';
import { appHarness, PROPOSER, type AppHarness } from '../support/app-harness.js';
import { contractJson } from '../support/contract-txs.js';
import { ATTACKERS, buildTx, COUNTER_BUNDLE, KNOWN_ADDRESSES, nestedList, rawBytes, txRecipe, type BuildContext, type Signing, type TxRecipe } from '../support/hostile-txs.js';
import { addressOf, MIN_GAS_PRICE, TEST_CHAIN_ID, testKey } from '../support/nodes.js';

const FUNDED = 6;
const BALANCE = 1_000_000n * ONE_CMT;
/** Sends one contract call per block, so the parallel executor always uses its worker. */
const CALLER = testKey(4);
const CANDIDATE = ATTACKERS[3]!;
const COUNTER = contractAddress(addressOf(CALLER), 0);

/** Small minimums, so generated amounts reach the handlers' deeper paths. */
const STAKING: StakingGenesis = {
  params: { ...DEFAULT_STAKING_PARAMS, inflationBps: 0, minSelfStake: ONE_CMT, minDelegation: ONE_CMT, govDeposit: ONE_CMT, govVotingBlocks: 3, unbondingBlocks: 3, blocksPerDay: 2, epochBlocks: 2, signedBlocksWindow: 4, downtimeJailBlocks: 2 },
  candidates: [{ owner: addressOf(CANDIDATE), consensusKey: testKey(23).publicKey, selfStake: 100n * ONE_CMT, maxStake: 1000n * ONE_CMT, commissionBps: 500, name: 'c', website: '', description: '' }],
};

/** The codes of checks that need no state: ProcessProposal must refuse a block holding one. */
const STATELESS_CODES = new Set<number>([TxCode.TX_TOO_LARGE, TxCode.TX_DECODE, TxCode.WRONG_CHAIN_ID, TxCode.GAS_PRICE_TOO_LOW, TxCode.GAS_LIMIT_TOO_LOW, TxCode.GAS_LIMIT_TOO_HIGH, TxCode.AMOUNT_OVERFLOW, TxCode.INVALID_SIGNATURE]);

const blockTime = (height: number): number => 1_700_000_000_000 + height * 1000;

function signed(key: typeof CALLER, nonce: number, msg: Msg, gasLimit = 5_000_000): Uint8Array {
  const body: TxBody = { chainId: TEST_CHAIN_ID, nonce, gasLimit, gasPrice: MIN_GAS_PRICE, memo: '', msg };
  return signTx(body, key).bytes;
}

/** FinalizeBlock at the next height without committing: run again at the same height, it replaces what it staged. */
function finalizeNext(h: AppHarness, txs: Uint8Array[]): Promise<FinalizeBlockResponse> {
  const height = h.height + 1;
  return h.app.finalizeBlock({ height, time: blockTime(height), hash: new Uint8Array(32).fill(height % 256), proposerAddress: PROPOSER, txs, decidedLastCommit: { round: 0, votes: [] }, misbehavior: [] });
}

const preCheckFailed = (r: TxResult): boolean => r.code !== TxCode.OK && r.gasUsed === 0;

function resultBytes(res: FinalizeBlockResponse): string[] {
  return res.txResults.map((r) => Buffer.from(encode(TxResult, r)).toString('hex'));
}

/** Every 20-byte value in a decoded message: an address that may now hold CMT. */
function addressesIn(value: unknown, out: Uint8Array[]): void {
  if (value instanceof Uint8Array) {
    if (value.length === 20) out.push(value);
  } else if (Array.isArray(value)) value.forEach((v) => addressesIn(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => addressesIn(v, out));
}

function tryDecode(tx: Uint8Array): ReturnType<typeof decodeTx> | undefined {
  try {
    return decodeTx(tx);
  } catch (err) {
    if (err instanceof DecodeError) return undefined;
    throw err;
  }
}

/** A transaction a recipe builds with nonce 0 (for breaking after signing). */
const STATIC_CONTEXT: BuildContext = { nonceOf: () => 0, addresses: KNOWN_ADDRESSES };
const signedBytes = txRecipe.map((r) => buildTx(r, STATIC_CONTEXT));

/**
 * The least gas a transaction pays per distinct state key it reads (the cheapest message today,
 * withdrawing a candidacy with many delegations, pays about 2,500): work a sender does not pay
 * for is work an attacker gets free.
 */
const MIN_GAS_PER_READ = 1000;
/** The same for every byte of key and value a transaction writes (the cheapest today, a declaration, pays about 40). */
const MIN_GAS_PER_BYTE_WRITTEN = 20;

/** The limits the next block runs with, read from committed state as the app reads them. */
function nextLimits(h: AppHarness): TxLimits {
  const settings = readChainSettings(h.store);
  if (!settings) throw new Error('no chain settings');
  const params = readAppParams(h.store);
  const height = h.height + 1;
  return { ...settings, params, height, time: blockTime(height), staking: readStakingParams(h.store), baseFee: readBaseFee(h.store, params.minGasPrice) };
}

/**
 * Each transaction run on its own overlay over the committed state: one refused before its
 * message writes nothing; one whose message failed writes only its sender's account, with the
 * nonce one up and the balance down by exactly gas used x gas price; a successful one moves
 * its sender's nonce one up.
 */
function expectWritesAsSpecified(h: AppHarness, txs: Uint8Array[]): void {
  const limits = nextLimits(h);
  const block = new Overlay(h.store);
  for (const tx of txs) {
    const own = block.child();
    const { result } = deliverTx(own, tx, limits, { isVerified: () => false });
    const { keys, values } = own.writeEntries();
    // Every key a transaction's work reads, and every byte it writes, is paid for.
    if (result.gasUsed > 0) {
      expect(own.readSet.size * MIN_GAS_PER_READ).toBeLessThanOrEqual(result.gasUsed);
      const written = keys.reduce((sum, key, i) => sum + key.length + (values[i]?.length ?? 0), 0);
      expect(written * MIN_GAS_PER_BYTE_WRITTEN).toBeLessThanOrEqual(result.gasUsed);
    }
    if (preCheckFailed(result)) {
      expect(keys).toEqual([]);
      continue;
    }
    const decoded = decodeTx(tx);
    const sender = addressFromPublicKey(decoded.publicKey);
    const before = readAccount(block, sender);
    const after = readAccount(own, sender);
    expect(after.nonce).toBe(before.nonce + 1);
    if (result.code !== TxCode.OK) {
      expect(keys).toEqual([bytesKey(accountKey(sender))]);
      expect(before.balance - after.balance).toBe(BigInt(result.gasUsed) * decoded.body.gasPrice);
    }
    own.mergeIntoParent();
  }
}

/** A recipe, bytes, or a replay of a transaction an earlier block committed. */
/** A transfer that is built when there is nothing to replay yet. */
const REPLAY_FALLBACK: TxRecipe = { sender: 0, nonceDelta: 0, chainId: TEST_CHAIN_ID, gasLimit: 50_000, gasPrice: MIN_GAS_PRICE, memo: '', tag: 1, fields: [{ kind: 'address', index: 1 }, { kind: 'uint', value: 1n }], mutation: { kind: 'none' }, signing: 'good' };

type BlockItem = { recipe: TxRecipe } | { bytes: Uint8Array } | { replay: number };
const blockItem: fc.Arbitrary<BlockItem> = fc.oneof(
  { weight: 12, arbitrary: txRecipe.map((recipe) => ({ recipe })) },
  { weight: 2, arbitrary: rawBytes(signedBytes).map((bytes) => ({ bytes })) },
  { weight: 1, arbitrary: fc.nat().map((replay) => ({ replay })) },
);

describe('transaction fields: decoding is canonical', () => {
  it('a byte string decodes to a transaction only if it is that transaction\'s one encoding', () => {
    fc.assert(
      fc.property(fc.oneof(signedBytes, rawBytes(signedBytes)), (bytes) => {
        const tx = tryDecode(bytes);
        if (!tx) return;
        expect(bytesEqual(encodeTx(tx), bytes)).toBe(true);
        expect(bytesEqual(txSignBytesOfDecoded(bytes), txSignBytes(tx.body))).toBe(true);
      }),
      { numRuns: 800 },
    );
  });

  it('a list nested past any schema is refused before a decoder recurses into it, whatever the thread\'s stack', () => {
    for (const depth of [40, 1000, 5000, 6000, 20_000, 100_000]) {
      expect(() => decodeTx(nestedList(depth)), `depth ${depth}`).toThrow(DecodeError);
      expect(() => decodeTx(nestedList(depth)), `depth ${depth}`).toThrow(/nest/);
    }
  });
});

describe('transaction fields: through the app', () => {
  let seq: AppHarness;
  let par: AppHarness;
  let mempool: Mempool;
  /** Transactions earlier blocks committed, for replaying. */
  const committed: Uint8Array[] = [];

  beforeAll(async () => {
    seq = await appHarness(FUNDED, BALANCE, STAKING);
    par = await appHarness(FUNDED, BALANCE, STAKING, { executor: (dir) => new ParallelExecutor(dir, { threads: 1, minParallelCalls: 1 }) });
    mempool = new Mempool(seq.app, { maxTxs: 10_000, maxBytes: 64 * 1024 * 1024, maxTxBytes: 1024 * 1024, cacheSize: 10_000 });
    KNOWN_ADDRESSES.push(addressOf(CALLER), COUNTER, PROPOSER, new Uint8Array(20));
    for (const a of KNOWN_ADDRESSES) seq.addresses.set(formatAddress(a), a);
    // A contract to call, a delegation (stake to vote with) and an open proposal to vote on.
    const setup = [
      signed(CALLER, 0, { type: 'deployContract', bundle: COUNTER_BUNDLE, initArgs: contractJson([0n]), value: 0n }),
      signed(ATTACKERS[0]!, 0, { type: 'delegate', candidate: addressOf(CANDIDATE), amount: 10n * ONE_CMT }),
      signed(ATTACKERS[2]!, 0, { type: 'submitProposal', title: 't', description: '', change: { type: 'params', changes: [{ name: 'app.gas.transfer', value: '1000' }] }, deposit: ONE_CMT, effectiveHeight: 0 }),
    ];
    const [a, b] = await Promise.all([seq.runBlock(setup), par.runBlock(setup)]);
    expect(a.txResults.map((r) => r.log)).toEqual(['', '', '']);
    expect(b.appHash).toEqual(a.appHash);
  }, 60_000);

  afterAll(async () => {
    await seq?.close();
    await par?.close();
  });

  it('only the signature the sender\'s key made verifies: S + L, zero, flipped or foreign signatures and unusable keys are refused, in CheckTx and in a proposal', async () => {
    const badSigning = fc.constantFrom<Signing>('malleable', 'zero', 'flipped', 'otherKey', 'identityKey', 'keyOffCurve');
    await fc.assert(
      fc.asyncProperty(badSigning, fc.nat({ max: ATTACKERS.length - 1 }), fc.bigInt({ min: 0n, max: 10n * ONE_CMT }), fc.string({ maxLength: 20 }), async (signing, sender, amount, memo) => {
        const recipe: TxRecipe = { sender, nonceDelta: 0, chainId: TEST_CHAIN_ID, gasLimit: 50_000, gasPrice: MIN_GAS_PRICE, memo, tag: 1, fields: [{ kind: 'address', index: sender + 1 }, { kind: 'uint', value: amount }], mutation: { kind: 'none' }, signing };
        const tx = buildTx(recipe, { nonceOf: (a) => seq.app.pendingNonce(a), addresses: KNOWN_ADDRESSES });
        expect(seq.app.checkTx(tx, 'new').code).toBe(TxCode.INVALID_SIGNATURE);
        const height = seq.height + 1;
        const verdict = await seq.app.processProposal({ height, time: blockTime(height), proposerAddress: PROPOSER, txs: [tx], hash: new Uint8Array(32) });
        expect(verdict.accept).toBe(false);
      }),
      { numRuns: 150 },
    );
    // The same transactions signed well are accepted: the refusals above are the signature's.
    const good = buildTx({ sender: 0, nonceDelta: 0, chainId: TEST_CHAIN_ID, gasLimit: 50_000, gasPrice: MIN_GAS_PRICE, memo: '', tag: 1, fields: [{ kind: 'address', index: 1 }, { kind: 'uint', value: 1n }], mutation: { kind: 'none' }, signing: 'good' }, { nonceOf: (a) => seq.app.pendingNonce(a), addresses: KNOWN_ADDRESSES });
    expect(seq.app.checkTx(good, 'new').code).toBe(TxCode.OK);
  });

  it('a vote option above 2 or a consensus key that is no usable Ed25519 key does not decode: CheckTx and ProcessProposal refuse it, it never costs gas', async () => {
    const badOption = fc.oneof(fc.integer({ min: 3, max: 1000 }), fc.integer({ min: 3, max: Number.MAX_SAFE_INTEGER }));
    const badKey = fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => !isValidPublicKey(k)), fc.constantFrom(new Uint8Array(32), Uint8Array.of(1, ...new Array<number>(31).fill(0))));
    const field = fc.oneof(
      badOption.map((option): Pick<TxRecipe, 'tag' | 'fields'> => ({ tag: 12, fields: [{ kind: 'uint', value: 1n }, { kind: 'uint', value: BigInt(option) }] })),
      badKey.map((key): Pick<TxRecipe, 'tag' | 'fields'> => ({
        tag: 2,
        fields: [{ kind: 'bytes', value: key }, { kind: 'uint', value: ONE_CMT }, { kind: 'uint', value: 2n * ONE_CMT }, { kind: 'uint', value: 0n }, { kind: 'text', value: 'n' }, { kind: 'text', value: '' }, { kind: 'text', value: '' }],
      })),
    );
    await fc.assert(
      fc.asyncProperty(field, fc.nat({ max: ATTACKERS.length - 1 }), async (msg, sender) => {
        const recipe: TxRecipe = { sender, nonceDelta: 0, chainId: TEST_CHAIN_ID, gasLimit: 100_000, gasPrice: MIN_GAS_PRICE, memo: '', ...msg, mutation: { kind: 'none' }, signing: 'good' };
        const tx = buildTx(recipe, { nonceOf: (a) => seq.app.pendingNonce(a), addresses: KNOWN_ADDRESSES });
        expect(seq.app.checkTx(tx, 'new').code).toBe(TxCode.TX_DECODE);
        const height = seq.height + 1;
        const verdict = await seq.app.processProposal({ height, time: blockTime(height), proposerAddress: PROPOSER, txs: [tx], hash: new Uint8Array(32) });
        expect(verdict.accept).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it('any block of hostile transactions: nothing throws, rejected ones change nothing, fees as the spec says, both executors agree', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(blockItem, { minLength: 1, maxLength: 8 }), async (items) => {
        const pending = new Map<string, number>();
        const ctx: BuildContext = {
          nonceOf(sender) {
            const key = bytesKey(sender);
            const next = pending.get(key) ?? seq.nonce(sender);
            pending.set(key, next + 1);
            return next;
          },
          addresses: KNOWN_ADDRESSES,
        };
        const txs = items.map((item) => {
          if ('bytes' in item) return item.bytes;
          if ('replay' in item) return committed[item.replay % committed.length] ?? buildTx(REPLAY_FALLBACK, ctx);
          return buildTx(item.recipe, ctx);
        });
        txs.push(signed(CALLER, seq.nonce(addressOf(CALLER)), { type: 'callContract', contract: COUNTER, method: 'add', args: contractJson([1n]), value: 0n }));

        // A gas estimate (a dry run, unsigned) answers every input with a code too.
        for (const tx of txs) expect(typeof seq.app.estimateGas(tx).code).toBe('number');
        // The mempool (CheckTx "new") and CheckTx "recheck" answer every input with a code.
        const admitted = await Promise.all(txs.map((tx) => mempool.add(tx)));
        for (const a of admitted) expect(typeof a.code).toBe('number');
        for (const tx of txs) expect(typeof seq.app.checkTx(tx, 'recheck').code).toBe('number');

        // A Byzantine proposer's block: ProcessProposal answers, never throws.
        const height = seq.height + 1;
        const verdict = await seq.app.processProposal({ height, time: blockTime(height), proposerAddress: PROPOSER, txs, hash: new Uint8Array(32) });

        expectWritesAsSpecified(seq, txs);
        const full = await finalizeNext(seq, txs);
        // What failed before its message ran changed nothing: the block without it ends in the same state.
        const kept = txs.filter((_, i) => !preCheckFailed(full.txResults[i]!));
        const without = await finalizeNext(seq, kept);
        expect(Buffer.from(without.appHash).toString('hex')).toBe(Buffer.from(full.appHash).toString('hex'));
        const again = await finalizeNext(seq, txs);
        expect(again.appHash).toEqual(full.appHash);
        await mempool.commit(() => seq.app.commit(), txs.map(txHash));
        seq.height++;
        await mempool.recheckDone();
        mempool.reap(1024 * 1024, 500_000_000);
        const parallel = await par.runBlock(txs);

        const stateless = full.txResults.some((r) => preCheckFailed(r) && STATELESS_CODES.has(r.code));
        if (stateless) expect(verdict.accept).toBe(false);

        full.txResults.forEach((r, i) => {
          if (preCheckFailed(r)) {
            expect(r.events).toEqual([]);
            return;
          }
          const tx = decodeTx(txs[i]!);
          expect(r.gasWanted).toBe(tx.body.gasLimit);
          expect(r.gasUsed).toBeLessThanOrEqual(r.gasWanted);
          const fee = r.events[0]?.attributes.find((a) => a.key === 'fee')?.value;
          expect(fee).toBe((BigInt(r.gasUsed) * tx.body.gasPrice).toString());
          if (r.code !== TxCode.OK) expect(r.events.length).toBe(1);
          const found: Uint8Array[] = [];
          addressesIn(tx.body.msg, found);
          for (const event of r.events) for (const a of event.attributes) if (a.key === 'contract') found.push(parseAddress(a.value));
          for (const a of found) seq.addresses.set(formatAddress(a), a);
        });
        expect(seq.totalHeld()).toBe(seq.supply());

        expect(resultBytes(parallel)).toEqual(resultBytes(full));
        expect(Buffer.from(parallel.appHash).toString('hex')).toBe(Buffer.from(full.appHash).toString('hex'));
        // Replays of these: a used nonce, refused before the message, free and changing nothing.
        full.txResults.forEach((r, i) => {
          if (r.code === TxCode.OK && committed.length < 200) committed.push(txs[i]!);
        });
      }),
      // The apps keep their state from run to run, so a shrunk counterexample would run on another state: report the first.
      { numRuns: 200, endOnFailure: true },
    );
  }, 120_000);
});

describe('transaction fields: messages among many candidates', () => {
  const CANDIDATES = 150;
  let h: AppHarness;

  beforeAll(async () => {
    h = await appHarness(CANDIDATES + 2, BALANCE, { params: STAKING.params, candidates: [] });
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

describe('transaction fields: withdrawing a candidacy with many delegators', () => {
  let h: AppHarness;

  beforeAll(async () => {
    h = await appHarness(152, BALANCE, { params: STAKING.params, candidates: [] });
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
