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
import { decodeTx, encodeTx, txHash, txSignBytes, txSignBytesOfDecoded } from '../../src/codec/tx.js';
import { formatAddress, parseAddress } from '../../src/crypto/address.js';
import { isValidPublicKey } from '../../src/crypto/ed25519.js';
import type { FinalizeBlockResponse } from '../../src/app/abci.js';
import { TxCode } from '../../src/app/errors.js';
import { ParallelExecutor } from '../../src/app/executor/parallel-executor.js';
import { contractAddress } from '../../src/app/contracts/layout.js';
import type { StakingGenesis } from '../../src/app/staking/genesis.js';
import { Mempool } from '../../src/mempool/mempool.js';
import { appHarness, PROPOSER, type AppHarness } from '../support/app-harness.js';
import { contractJson } from '../support/contract-txs.js';
import { ATTACKERS, buildTx, COUNTER_BUNDLE, KNOWN_ADDRESSES, nestedList, rawBytes, SMALL_MINIMUMS, txRecipe, type BuildContext, type Signing, type TxRecipe } from '../support/hostile-txs.js';
import { blockTime, expectWritesAsSpecified, preCheckFailed, signed } from '../support/tx-effects.js';
import { addressOf, MIN_GAS_PRICE, TEST_CHAIN_ID, testKey } from '../support/nodes.js';

const FUNDED = 6;
const BALANCE = 1_000_000n * ONE_CMT;
/** Sends one contract call per block, so the parallel executor always uses its worker. */
const CALLER = testKey(4);
const CANDIDATE = ATTACKERS[3]!;
const COUNTER = contractAddress(addressOf(CALLER), 0);

const STAKING: StakingGenesis = {
  params: SMALL_MINIMUMS,
  candidates: [{ owner: addressOf(CANDIDATE), consensusKey: testKey(23).publicKey, selfStake: 100n * ONE_CMT, maxStake: 1000n * ONE_CMT, commissionBps: 500, name: 'c', website: '', description: '' }],
};

/** The codes of checks that need no state: ProcessProposal must refuse a block holding one. */
const STATELESS_CODES = new Set<number>([TxCode.TX_TOO_LARGE, TxCode.TX_DECODE, TxCode.WRONG_CHAIN_ID, TxCode.GAS_PRICE_TOO_LOW, TxCode.GAS_LIMIT_TOO_LOW, TxCode.GAS_LIMIT_TOO_HIGH, TxCode.AMOUNT_OVERFLOW, TxCode.INVALID_SIGNATURE]);

/** FinalizeBlock at the next height without committing: run again at the same height, it replaces what it staged. */
function finalizeNext(h: AppHarness, txs: Uint8Array[]): Promise<FinalizeBlockResponse> {
  const height = h.height + 1;
  return h.app.finalizeBlock({ height, time: blockTime(height), hash: new Uint8Array(32).fill(height % 256), proposerAddress: PROPOSER, txs, decidedLastCommit: { round: 0, votes: [] }, misbehavior: [] });
}

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

/** A transfer that is built when there is nothing to replay yet. */
const REPLAY_FALLBACK: TxRecipe = { sender: 0, nonceDelta: 0, chainId: TEST_CHAIN_ID, gasLimit: 50_000, gasPrice: MIN_GAS_PRICE, memo: '', tag: 1, fields: [{ kind: 'address', index: 1 }, { kind: 'uint', value: 1n }], mutation: { kind: 'none' }, signing: 'good' };

/** A recipe, bytes, or a replay of a transaction an earlier block committed. */
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
        // A key that is not the sender's names another, unfunded account: CheckTx checks its nonce
        // and funds before the signature, so it refuses it for those (ProcessProposal, below, for the signature).
        const code = seq.app.checkTx(tx, 'new').code;
        if (signing === 'identityKey' || signing === 'keyOffCurve') expect([TxCode.NONCE_TOO_HIGH, TxCode.INSUFFICIENT_FUNDS]).toContain(code);
        else expect(code).toBe(TxCode.INVALID_SIGNATURE);
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
        await mempool.lockForBlock(async (locked) => {
          await seq.app.persist();
          locked.update(txs.map(txHash));
        });
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
