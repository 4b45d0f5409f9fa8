/**
 * Transactions. A signed transaction is RLP [body, publicKey, signature]; the sender is the
 * address of publicKey; the signature covers "cmt/tx/v1\0" || RLP(body), and the body carries the
 * chain id, so a transaction signed for one chain is invalid on every other.
 */
import { isValidPublicKey } from '../crypto/ed25519.js';
import { concatBytes, utf8 } from './bytes.js';
import { DecodeError, EncodeError } from './errors.js';
import { sha256 } from './hash.js';
import { rlpItemBounds } from './rlp.js';
import { bytes, decode, encode, fixedBytes, list, mapped, safeUint, struct, text, uint, union, type Codec, type Infer } from './schema.js';

export const MAX_CHAIN_ID_LENGTH = 50;
export const MAX_MEMO_BYTES = 256;

export const TransferMsg = struct('Transfer', {
  to: fixedBytes(20),
  amount: uint(256),
});

/**
 * A consensus key: 32 bytes that are a usable Ed25519 public key (a point on the curve, not of
 * small order). Anything else does not decode, so CheckTx refuses it before it can cost gas.
 */
const ConsensusKey: Codec<Uint8Array> = mapped(fixedBytes(32), 'ed25519 key', (key) => key, (key, path) => {
  if (!isValidPublicKey(key)) throw new DecodeError(`${path}: not a valid Ed25519 public key`);
  return key;
});

/** Staking messages (spec/staking.md, "Transactions"); the sender is the candidate or delegator. */
export const DeclareCandidacyMsg = struct('DeclareCandidacy', {
  consensusKey: ConsensusKey,
  selfStake: uint(256),
  maxStake: uint(256),
  commissionBps: safeUint,
  name: text(64),
  website: text(128),
  description: text(512),
});

export const DelegateMsg = struct('Delegate', {
  candidate: fixedBytes(20),
  amount: uint(256),
});

export const UnbondMsg = struct('Unbond', {
  candidate: fixedBytes(20),
  amount: uint(256),
});

export const WithdrawRewardsMsg = struct('WithdrawRewards', {
  candidate: fixedBytes(20),
});

/** Fields replace the candidate's own; the CLI fills what the user leaves out from the current record. */
export const UpdateCandidacyMsg = struct('UpdateCandidacy', {
  maxStake: uint(256),
  name: text(64),
  website: text(128),
  description: text(512),
});

export const WithdrawCandidacyMsg = struct('WithdrawCandidacy', {});

export const RedelegateMsg = struct('Redelegate', {
  from: fixedBytes(20),
  to: fixedBytes(20),
  amount: uint(256),
});

export const SetCommissionMsg = struct('SetCommission', {
  commissionBps: safeUint,
});

export const UnjailMsg = struct('Unjail', {});

/** Governance (spec/staking.md, "Governance"). A parameter is named as in spec/parameters.md; its value is decimal text. */
export const ParamChange = struct('ParamChange', {
  name: text(64),
  value: text(80),
});

export const ProposalChange = union('ProposalChange', {
  params: [1, struct('ParamsChange', { changes: list(ParamChange, 32) })],
  communitySpend: [2, struct('CommunitySpend', { recipient: fixedBytes(20), amount: uint(256) })],
});
export type ProposalChange = Infer<typeof ProposalChange>;

export const SubmitProposalMsg = struct('SubmitProposal', {
  title: text(140),
  description: text(2048),
  change: ProposalChange,
  deposit: uint(256),
  /** The height the change takes effect; 0 means the end of voting. */
  effectiveHeight: safeUint,
});

export const VOTE_OPTIONS = ['yes', 'no', 'abstain'] as const;
export type VoteOption = (typeof VOTE_OPTIONS)[number];

/** An index into VOTE_OPTIONS; any other number does not decode. */
const VoteOptionIndex: Codec<number> = mapped(
  safeUint,
  'uint53 < 3',
  (option) => {
    if (VOTE_OPTIONS[option] === undefined) throw new EncodeError(`vote option ${option} is not 0 (yes), 1 (no) or 2 (abstain)`);
    return option;
  },
  (option, path) => {
    if (VOTE_OPTIONS[option] === undefined) throw new DecodeError(`${path}: vote option ${option} is not 0 (yes), 1 (no) or 2 (abstain)`);
    return option;
  },
);

export const VoteMsg = struct('Vote', {
  proposalId: safeUint,
  /** 0 yes, 1 no, 2 abstain (VOTE_OPTIONS). */
  option: VoteOptionIndex,
});

/** Contracts (spec/contracts.md). A bundle is the canonical archive of codec/bundle.ts. */
export const MAX_BUNDLE_BYTES = 512 * 1024;
export const MAX_CONTRACT_ARGS_BYTES = 64 * 1024;
export const MAX_METHOD_NAME_BYTES = 64;

export const DeployContractMsg = struct('DeployContract', {
  bundle: bytes(MAX_BUNDLE_BYTES),
  /** JSON array for the contract's `init` export, if it has one ("" when none is called). */
  initArgs: text(MAX_CONTRACT_ARGS_BYTES),
  /** CMT moved from the deployer to the new contract before `init` runs. */
  value: uint(256),
});

export const CallContractMsg = struct('CallContract', {
  contract: fixedBytes(20),
  method: text(MAX_METHOD_NAME_BYTES),
  /** JSON array of positional arguments, BigInt tagged as {"$bigint": "…"}. */
  args: text(MAX_CONTRACT_ARGS_BYTES),
  /** CMT moved from the sender to the contract before the method runs (`ctx.value`). */
  value: uint(256),
});

/** Webhooks (spec/webhooks.md): an attester's report of a call to one of a contract's hooks. */
export const MAX_HOOK_BODY_BYTES = 16 * 1024;
export const MAX_HOOK_NAME_BYTES = 64;

export const AttestHookMsg = struct('AttestHook', {
  contract: fixedBytes(20),
  hook: text(MAX_HOOK_NAME_BYTES),
  /** The body the caller posted, byte for byte: every attester of one event carries the same bytes. */
  body: bytes(MAX_HOOK_BODY_BYTES),
  /** The caller's Ed25519 signature over hookSignBytes (codec/hook.ts); empty for an HMAC hook, checked off chain. */
  signature: bytes(64),
});

/** Files (spec/files.md): registers a UnixFS file by its CID (checked when the message runs) and size. */
export const RegisterFileMsg = struct('RegisterFile', {
  cid: bytes(64),
  size: safeUint,
  name: text(256),
});

/** Every message kind with its wire tag. Tags are never reused. */
export const Msg = union('Msg', {
  transfer: [1, TransferMsg],
  declareCandidacy: [2, DeclareCandidacyMsg],
  delegate: [3, DelegateMsg],
  unbond: [4, UnbondMsg],
  withdrawRewards: [5, WithdrawRewardsMsg],
  updateCandidacy: [6, UpdateCandidacyMsg],
  withdrawCandidacy: [7, WithdrawCandidacyMsg],
  redelegate: [8, RedelegateMsg],
  setCommission: [9, SetCommissionMsg],
  unjail: [10, UnjailMsg],
  submitProposal: [11, SubmitProposalMsg],
  vote: [12, VoteMsg],
  deployContract: [13, DeployContractMsg],
  callContract: [14, CallContractMsg],
  attestHook: [15, AttestHookMsg],
  registerFile: [16, RegisterFileMsg],
});
export type Msg = Infer<typeof Msg>;

export const TxBody = struct('TxBody', {
  chainId: text(MAX_CHAIN_ID_LENGTH),
  nonce: safeUint,
  gasLimit: safeUint,
  gasPrice: uint(256),
  memo: text(MAX_MEMO_BYTES),
  msg: Msg,
});
export type TxBody = Infer<typeof TxBody>;

export const SignedTx = struct('SignedTx', {
  body: TxBody,
  publicKey: fixedBytes(32),
  signature: fixedBytes(64),
});
export type SignedTx = Infer<typeof SignedTx>;

const TX_SIGN_DOMAIN = utf8('cmt/tx/v1\0');

export function txSignBytes(body: TxBody): Uint8Array {
  return concatBytes(TX_SIGN_DOMAIN, encode(TxBody, body));
}

/**
 * The sign bytes of a transaction that decoded (so is canonical), without encoding its body
 * again: the body's encoding is the first item of the transaction's own.
 */
export function txSignBytesOfDecoded(txBytes: Uint8Array): Uint8Array {
  const outer = rlpItemBounds(txBytes, 0);
  const body = rlpItemBounds(txBytes, outer.payloadStart);
  return concatBytes(TX_SIGN_DOMAIN, txBytes.subarray(outer.payloadStart, body.end));
}

/**
 * Ids already computed, by the very array: the RPC, the mempool, the decoder and the block
 * executor each ask for the id of the same received array. Transaction arrays and their ids
 * are never modified once made.
 */
const ids = new WeakMap<Uint8Array, Uint8Array>();

/** A transaction's id: sha256 of its full signed encoding, as in CometBFT. */
export function txHash(txBytes: Uint8Array): Uint8Array {
  let id = ids.get(txBytes);
  if (id === undefined) {
    id = sha256(txBytes);
    ids.set(txBytes, id);
  }
  return id;
}

export function encodeTx(tx: SignedTx): Uint8Array {
  return encode(SignedTx, tx);
}

export function decodeTx(bytes: Uint8Array): SignedTx {
  return decode(SignedTx, bytes, 'tx');
}
