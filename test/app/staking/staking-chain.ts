/**
 * A staking chain for app tests: the application over a real store, driven the way consensus
 * drives it — each block carries the previous block's votes from the validator set of that
 * height, and validator updates returned at height H take effect at H + 2.
 */
import { ONE_CMT } from '../../../src/codec/amount.js';
import { bytesKey, utf8 } from '../../../src/codec/bytes.js';
import { sha256 } from '../../../src/codec/hash.js';
import type { Msg } from '../../../src/codec/tx.js';
import type { Evidence } from '../../../src/codec/vote.js';
import type { FinalizeBlockResponse, VoteInfo } from '../../../src/app/abci.js';
import type { GenesisCandidate, StakingGenesis } from '../../../src/app/staking/genesis.js';
import { genesisValidatorSet } from '../../../src/app/staking/init-chain.js';
import { DEFAULT_STAKING_PARAMS, type StakingParams } from '../../../src/app/staking/params.js';
import { addressFromPublicKey } from '../../../src/crypto/address.js';
import { keyPairFromSeed, type KeyPair } from '../../../src/crypto/ed25519.js';
import { signTx } from '../../../src/crypto/sign-tx.js';
import { appHarness, type AppHarness } from '../../support/app-harness.js';
import { addressOf, MIN_GAS_PRICE, TEST_CHAIN_ID, testKey } from '../../support/nodes.js';

/** Small numbers so that epochs, unbonding, windows and jail periods pass within a test. */
export const CHAIN_PARAMS: StakingParams = {
  ...DEFAULT_STAKING_PARAMS,
  maxValidators: 3,
  backupValidators: 1,
  validatorPowerCapBps: 0,
  minDelegation: 10n * ONE_CMT,
  blocksPerYear: 10_000,
  blocksPerDay: 10,
  epochBlocks: 5,
  unbondingBlocks: 8,
  maxUnbondingEntries: 4,
  signedBlocksWindow: 10,
  minSignedPerWindowBps: 5000,
  downtimeJailBlocks: 6,
  govVotingBlocks: 10,
};

export const consensusKey = (i: number): KeyPair => keyPairFromSeed(sha256(utf8(`consensus ${i}`)));
export const owner = (i: number): Uint8Array => addressOf(testKey(i));

export function genesisCandidate(i: number, selfStakeCmt: bigint): GenesisCandidate {
  const selfStake = selfStakeCmt * ONE_CMT;
  return { owner: owner(i), consensusKey: consensusKey(i).publicKey, selfStake, maxStake: selfStake * 10n, commissionBps: 1000, name: `v${i}`, website: '', description: '' };
}

interface Member {
  address: Uint8Array;
  power: number;
}

export interface BlockOptions {
  /** Validators (by consensus key index) whose votes for the previous block are missing. */
  absent?: ReadonlySet<number>;
  misbehavior?: Evidence[];
}

export class StakingChain {
  /** The validator set of each height, from genesis and the updates applied at H + 2. */
  private readonly sets = new Map<number, Member[]>();
  private readonly nonces = new Map<string, number>();

  private constructor(readonly h: AppHarness) {}

  static async start(genesis: StakingGenesis, accounts = 6, balance = 100_000n * ONE_CMT): Promise<StakingChain> {
    const chain = new StakingChain(await appHarness(accounts, balance, genesis));
    chain.sets.set(1, genesisValidatorSet(genesis).map((v) => ({ address: addressFromPublicKey(v.consensusKey), power: v.power })));
    chain.sets.set(2, chain.sets.get(1) as Member[]);
    return chain;
  }

  get height(): number {
    return this.h.height;
  }

  /** The validator set of `height`, by consensus address. */
  setAt(height: number): Member[] {
    return this.sets.get(height) ?? [];
  }

  tx(key: KeyPair, msg: Msg): Uint8Array {
    const k = bytesKey(addressOf(key));
    const nonce = this.nonces.get(k) ?? this.h.nonce(addressOf(key));
    this.nonces.set(k, nonce + 1);
    return signTx({ chainId: TEST_CHAIN_ID, nonce, gasLimit: 400_000, gasPrice: MIN_GAS_PRICE, memo: '', msg }, key).bytes;
  }

  async block(txs: Uint8Array[] = [], options: BlockOptions = {}): Promise<FinalizeBlockResponse> {
    const height = this.h.height + 1;
    const last = this.setAt(height - 1);
    const absent = new Set([...(options.absent ?? [])].map((i) => bytesKey(addressFromPublicKey(consensusKey(i).publicKey))));
    const votes: VoteInfo[] = height === 1 ? [] : last.map((m) => ({ validatorAddress: m.address, power: m.power, signedLastBlock: !absent.has(bytesKey(m.address)) }));
    const current = this.setAt(height);
    const res = await this.h.runBlock(txs, { proposer: current[height % current.length]?.address, votes, misbehavior: options.misbehavior ?? [] });
    // Nonces follow the chain: a transaction that failed its checks did not use one.
    this.nonces.clear();
    const base = this.sets.get(height + 1) ?? current;
    this.sets.set(height + 1, base);
    const next = new Map(base.map((m) => [bytesKey(m.address), m]));
    for (const u of res.validatorUpdates) {
      const address = addressFromPublicKey(u.publicKey);
      if (u.power === 0) next.delete(bytesKey(address));
      else next.set(bytesKey(address), { address, power: u.power });
    }
    this.sets.set(height + 2, [...next.values()]);
    return res;
  }

  async blocks(n: number, options: BlockOptions = {}): Promise<FinalizeBlockResponse[]> {
    const out: FinalizeBlockResponse[] = [];
    for (let i = 0; i < n; i++) out.push(await this.block([], options));
    return out;
  }

  close(): Promise<void> {
    return this.h.close();
  }
}
