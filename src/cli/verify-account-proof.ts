/**
 * Checks an account answer the way a light client would: the state proof against the app
 * hash of the header at height + 1, that header against its commit, and the commit's
 * signatures against the validator set (+2/3 of the voting power).
 */
import { decode } from '../codec/schema.js';
import { BlockHeader, headerHash } from '../codec/block.js';
import { bytesEqual, fromHex, toHex } from '../codec/bytes.js';
import { Commit } from '../codec/vote.js';
import { Account } from '../app/bank/accounts.js';
import { verifyCommit } from '../consensus/commit.js';
import { ValidatorSet } from '../consensus/validator-set.js';
import { StateProof, verifyStateProof } from '../state/proof.js';
import type { RpcClient } from '../rpc/client.js';
import { CommandError } from './output.js';

interface AccountAnswer {
  balance: string;
  nonce: string;
  height: string;
  proof?: { proof: string; key: string; value: string | null; header_height: string };
}

interface ValidatorsAnswer {
  validators: { pub_key: { value: string }; voting_power: string; proposer_priority: string; address: string }[];
  total: string;
}

export interface ProofCheck {
  headerHeight: number;
  appHash: string;
  signedPower: number;
  totalPower: number;
}

export async function verifyAccountProof(client: RpcClient, answer: AccountAnswer): Promise<ProofCheck> {
  if (!answer.proof) throw new CommandError('the node returned no proof', 'PROOF_MISSING');
  const headerHeight = Number(answer.proof.header_height);
  const signed = await client.call<{ raw_header: string; raw_commit: string }>('commit', { height: headerHeight });
  const header = decode(BlockHeader, fromHex(signed.raw_header), 'header');
  const commit = decode(Commit, fromHex(signed.raw_commit), 'commit');
  const hash = headerHash(header);
  if (header.height !== headerHeight || commit.height !== headerHeight || !bytesEqual(commit.blockHash, hash)) {
    throw new CommandError(`header ${headerHeight} and its commit do not match`, 'PROOF_INVALID');
  }
  const vals = await client.call<ValidatorsAnswer>('validators', { height: headerHeight, per_page: 100 });
  if (Number(vals.total) !== vals.validators.length) throw new CommandError('validator sets above 100 validators are not checked by this command yet', 'PROOF_UNCHECKED');
  const set = ValidatorSet.fromRecord({
    validators: vals.validators.map((v) => ({ publicKey: new Uint8Array(Buffer.from(v.pub_key.value, 'base64')), power: Number(v.voting_power), proposerPriority: Number(v.proposer_priority) })),
    proposer: fromHex(vals.validators[0]?.address ?? ''),
  });
  try {
    verifyCommit(header.chainId, set, headerHeight, hash, commit);
  } catch (err) {
    throw new CommandError(`the commit of header ${headerHeight} does not verify: ${(err as Error).message}`, 'PROOF_INVALID');
  }
  const value = answer.proof.value ? fromHex(answer.proof.value) : undefined;
  const proof = decode(StateProof, fromHex(answer.proof.proof), 'state proof');
  if (!verifyStateProof(header.appHash, fromHex(answer.proof.key), value, proof)) {
    throw new CommandError(`the state proof does not verify against the app hash of block ${headerHeight}`, 'PROOF_INVALID');
  }
  const account = value ? decode(Account, value, 'account') : { balance: 0n, nonce: 0 };
  if (account.balance.toString() !== answer.balance || String(account.nonce) !== answer.nonce) {
    throw new CommandError('the proven account differs from the answer', 'PROOF_INVALID');
  }
  let signedPower = 0;
  commit.signatures.forEach((s, i) => {
    if (s.flag === 2) signedPower += set.getByIndex(i)?.power ?? 0;
  });
  return { headerHeight, appHash: toHex(header.appHash).toUpperCase(), signedPower, totalPower: set.totalPower };
}
