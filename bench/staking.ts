/**
 * `npm run bench -- staking [--validators V] [--backups K] [--delegators D] [--blocks B] [--tx-block T]`
 *
 * What staking costs a block, on the application over a real state store: V validator
 * candidates and K backups (default 19 and 5, travis's numbers) declared at genesis, then D
 * delegators (default 20,000) delegating in blocks of T transactions (reported as delegations
 * per second), then B blocks (default 200) with no transactions whose last commit carries every
 * validator's vote (a few absent): minting, the reward split over proposer, voters and backups,
 * downtime windows, and an election every 100 blocks. Prints the FinalizeBlock + Commit time per
 * block (p50, p99) with no delegators and with D: lazy (F1) accounting makes it independent of
 * D. Goal: the two medians within noise of each other.
 */
import { ONE_CMT } from '../src/codec/amount.js';
import { utf8 } from '../src/codec/bytes.js';
import { sha256 } from '../src/codec/hash.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../src/codec/params.js';
import type { VoteInfo } from '../src/app/abci.js';
import { CmtApp } from '../src/app/cmt-app.js';
import { InlineVerifier } from '../src/app/executor/signature-verifier.js';
import { appGenesisToJson } from '../src/app/genesis-state.js';
import { DEFAULT_APP_PARAMS } from '../src/app/params.js';
import { genesisValidatorSet } from '../src/app/staking/init-chain.js';
import { DEFAULT_STAKING_PARAMS } from '../src/app/staking/params.js';
import { addressFromPublicKey } from '../src/crypto/address.js';
import { keyPairFromSeed, type KeyPair } from '../src/crypto/ed25519.js';
import { signTx } from '../src/crypto/sign-tx.js';
import { StateStore } from '../src/state/store.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNumericOptions, percentile } from './support-options.js';

interface Options {
  validators: number;
  backups: number;
  delegators: number;
  blocks: number;
  txBlock: number;
}

const CHAIN_ID = 'cmt-bench-staking';
const key = (label: string, i: number): KeyPair => keyPairFromSeed(sha256(utf8(`${label} ${i}`)));

interface Chain {
  app: CmtApp;
  store: StateStore;
  height: number;
  votes: VoteInfo[];
  proposer: Uint8Array;
  dir: string;
}

async function startChain(o: Options, delegators: number): Promise<Chain> {
  const dir = await mkdtemp(join(tmpdir(), 'cmt-bench-staking-'));
  const store = await StateStore.open(dir);
  const app = new CmtApp(store, new InlineVerifier());
  const candidates = Array.from({ length: o.validators + o.backups }, (_, i) => ({
    owner: addressFromPublicKey(key('owner', i).publicKey),
    consensusKey: key('consensus', i).publicKey,
    selfStake: BigInt(100_000 + 1000 * (o.validators + o.backups - i)) * ONE_CMT,
    maxStake: BigInt(100_000 + 1000 * (o.validators + o.backups - i)) * ONE_CMT * 10n,
    commissionBps: 1000,
    name: `v${i}`,
    website: '',
    description: '',
  }));
  const staking = { params: { ...DEFAULT_STAKING_PARAMS, maxValidators: o.validators, backupValidators: o.backups }, candidates };
  const accounts = [
    ...candidates.map((c) => ({ address: c.owner, balance: 1_000_000n * ONE_CMT })),
    ...Array.from({ length: delegators }, (_, i) => ({ address: addressFromPublicKey(key('delegator', i).publicKey), balance: 10_000n * ONE_CMT })),
  ];
  const set = genesisValidatorSet(staking);
  await app.initChain({
    chainId: CHAIN_ID,
    time: 0,
    initialHeight: 1,
    consensusParams: DEFAULT_CONSENSUS_PARAMS,
    validators: set.map((v) => ({ publicKey: v.consensusKey, power: v.power })),
    appState: appGenesisToJson({ params: { ...DEFAULT_APP_PARAMS, minGasPrice: 1n }, accounts, staking }),
  });
  const votes = set.map((v) => ({ validatorAddress: addressFromPublicKey(v.consensusKey), power: v.power, signedLastBlock: true }));
  return { app, store, height: 0, votes, proposer: votes[0]?.validatorAddress as Uint8Array, dir };
}

async function runBlock(chain: Chain, txs: Uint8Array[]): Promise<number> {
  chain.height++;
  const h = chain.height;
  // A couple of validators miss each block, in turn: the downtime windows see both kinds of bits.
  const votes = chain.votes.map((v, i) => ({ ...v, signedLastBlock: (i + h) % 9 !== 0 }));
  const started = performance.now();
  await chain.app.finalizeBlock({ height: h, time: h * 1000, hash: sha256(utf8(`block ${h}`)), proposerAddress: chain.proposer, txs, decidedLastCommit: { round: 0, votes: h === 1 ? [] : votes }, misbehavior: [] });
  await chain.app.persist();
  return performance.now() - started;
}

async function delegateAll(chain: Chain, o: Options, delegators: number): Promise<number> {
  const candidates = o.validators + o.backups;
  let elapsed = 0;
  for (let start = 0; start < delegators; start += o.txBlock) {
    const txs: Uint8Array[] = [];
    for (let i = start; i < Math.min(delegators, start + o.txBlock); i++) {
      const candidate = addressFromPublicKey(key('owner', i % candidates).publicKey);
      txs.push(signTx({ chainId: CHAIN_ID, nonce: 0, gasLimit: 100_000, gasPrice: 1n, memo: '', msg: { type: 'delegate', candidate, amount: 1000n * ONE_CMT } }, key('delegator', i)).bytes);
    }
    elapsed += await runBlock(chain, txs);
  }
  return elapsed;
}

async function measure(o: Options, delegators: number): Promise<{ p50: number; p99: number; delegationsPerSec: number }> {
  const chain = await startChain(o, delegators);
  try {
    const delegating = await delegateAll(chain, o, delegators);
    const times: number[] = [];
    for (let b = 0; b < o.blocks; b++) times.push(await runBlock(chain, []));
    times.sort((a, b) => a - b);
    return { p50: percentile(times, 50), p99: percentile(times, 99), delegationsPerSec: delegators === 0 ? 0 : delegators / (delegating / 1000) };
  } finally {
    await chain.store.close();
    await rm(chain.dir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  const o = parseNumericOptions<Options>(args, { validators: 19, backups: 5, delegators: 20_000, blocks: 200, txBlock: 2000 }, 'staking.ts');
  console.log(`staking: ${o.validators} validators + ${o.backups} backups, ${o.blocks} empty blocks with every validator's vote`);
  const none = await measure(o, 0);
  console.log(`  0 delegators: FinalizeBlock+Commit p50 ${none.p50.toFixed(2)} ms, p99 ${none.p99.toFixed(2)} ms per block`);
  const many = await measure(o, o.delegators);
  console.log(`  ${o.delegators} delegators: FinalizeBlock+Commit p50 ${many.p50.toFixed(2)} ms, p99 ${many.p99.toFixed(2)} ms per block`);
  console.log(`  delegate transactions: ${many.delegationsPerSec.toFixed(0)} per second (blocks of ${o.txBlock}, signatures checked inline)`);
}
