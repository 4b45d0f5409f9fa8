/**
 * The application each simulated validator runs: the real CMT application (src/app) over an
 * in-memory state store, fed CMT transfers from a deterministic load. ProcessProposal is the
 * app's own plus the header checks a node makes (height, time after the previous block's, app
 * hash), none of them by the local clock (that is judged at prevote only); FinalizeBlock and
 * Commit run for every decided block, so state roots can be compared across validators.
 */
import { bytesEqual } from '../codec/bytes.js';
import { ONE_CMT } from '../codec/amount.js';
import { sha256 } from '../codec/hash.js';
import { DEFAULT_CONSENSUS_PARAMS, type ConsensusParams } from '../codec/params.js';
import type { Commit } from '../codec/vote.js';
import { COMMIT_FLAG_COMMIT } from '../codec/vote.js';
import type { ValidatorSet } from '../consensus/index.js';
import { CmtApp } from '../app/cmt-app.js';
import { InlineVerifier } from '../app/executor/signature-verifier.js';
import type { VerifiedSignatures } from '../app/executor/verified-signatures.js';
import { appGenesisToJson } from '../app/genesis-state.js';
import { DEFAULT_APP_PARAMS } from '../app/params.js';
import { addressFromPublicKey } from '../crypto/address.js';
import { BulkSigner } from '../crypto/bulk-signer.js';
import { keyPairFromSeed } from '../crypto/ed25519.js';
import { StateStore } from '../state/store.js';
import type { SimBlock } from './sim-block.js';

export const SIM_ACCOUNTS = 16;
const BALANCE = 1_000_000n * ONE_CMT;
const MIN_GAS_PRICE = 1n;

/**
 * The transactions every proposer of height h includes: `perBlock` transfers, the same bytes
 * whoever proposes, signed once per run. Senders take turns, so nonces follow the heights.
 */
export class SimLoad {
  private readonly signers: BulkSigner[];
  private readonly byHeight = new Map<number, Uint8Array[]>();

  constructor(
    readonly chainId: string,
    readonly perBlock: number,
  ) {
    this.signers = Array.from({ length: SIM_ACCOUNTS }, (_, i) => new BulkSigner(keyPairFromSeed(sha256(new TextEncoder().encode(`sim account ${i}`)))));
  }

  get accounts(): Uint8Array[] {
    return this.signers.map((s) => addressFromPublicKey(s.keyPair.publicKey));
  }

  txsFor(height: number): Uint8Array[] {
    let txs = this.byHeight.get(height);
    if (!txs) {
      txs = [];
      for (let j = 0; j < this.perBlock; j++) {
        const n = (height - 1) * this.perBlock + j;
        const from = n % SIM_ACCOUNTS;
        const signer = this.signers[from] as BulkSigner;
        const to = addressFromPublicKey((this.signers[(from + 1 + (n % 7)) % SIM_ACCOUNTS] as BulkSigner).keyPair.publicKey);
        txs.push(signer.signTx({ chainId: this.chainId, nonce: Math.floor(n / SIM_ACCOUNTS), gasLimit: 100_000, gasPrice: MIN_GAS_PRICE, memo: '', msg: { type: 'transfer', to, amount: BigInt(1 + (n % 1000)) } }).bytes);
      }
      this.byHeight.set(height, txs);
    }
    return txs;
  }
}

export interface Verdict {
  valid: boolean;
  reason: string;
}

export class SimApp {
  private lastBlockTime = -1;

  private constructor(
    private readonly app: CmtApp,
    private readonly store: StateStore,
  ) {}

  static async create(chainId: string, validators: ValidatorSet, load: SimLoad, signatures: VerifiedSignatures): Promise<SimApp> {
    const store = await StateStore.openInMemory({ keepRecent: 2 });
    const app = new CmtApp(store, new InlineVerifier(), signatures);
    const consensusParams: ConsensusParams = DEFAULT_CONSENSUS_PARAMS;
    await app.initChain({
      chainId,
      time: 0,
      initialHeight: 1,
      consensusParams,
      validators: validators.validators.map((v) => ({ publicKey: v.publicKey, power: v.power })),
      appState: appGenesisToJson({ params: { ...DEFAULT_APP_PARAMS, minGasPrice: MIN_GAS_PRICE }, accounts: load.accounts.map((address) => ({ address, balance: BALANCE })) }),
    });
    return new SimApp(app, store);
  }

  /** The state root the next block must carry. */
  get appHash(): Uint8Array {
    return this.store.rootHash;
  }

  get height(): number {
    return this.store.latestVersion;
  }

  /** ProcessProposal: the header checks a node makes, then the application's own. */
  async check(b: SimBlock, hash: Uint8Array, height: number): Promise<Verdict> {
    if (b.height !== height) return { valid: false, reason: `height ${b.height}, expected ${height}` };
    if (b.time <= this.lastBlockTime) return { valid: false, reason: 'time not after the previous block' };
    if (!bytesEqual(b.appHash, this.appHash)) return { valid: false, reason: 'wrong app hash' };
    const verdict = await this.app.processProposal({ height, time: b.time, proposerAddress: new Uint8Array(20), txs: b.txs, hash });
    return verdict.accept ? { valid: true, reason: '' } : { valid: false, reason: verdict.reason };
  }

  /** FinalizeBlock and Commit of a decided block; returns the new state root. */
  async apply(block: SimBlock, hash: Uint8Array, proposer: Uint8Array, commitOfPrevious: Commit | null, lastValidators: ValidatorSet | null): Promise<Uint8Array> {
    const votes =
      commitOfPrevious && lastValidators
        ? lastValidators.validators.map((v, i) => ({ validatorAddress: v.address, power: v.power, signedLastBlock: commitOfPrevious.signatures[i]?.flag === COMMIT_FLAG_COMMIT }))
        : [];
    const res = await this.app.finalizeBlock({ height: block.height, time: block.time, hash, proposerAddress: proposer, txs: block.txs, decidedLastCommit: { round: commitOfPrevious?.round ?? 0, votes }, misbehavior: [] });
    await this.app.commit();
    this.lastBlockTime = block.time;
    return res.appHash;
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
